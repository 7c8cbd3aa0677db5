#include "crypto/base32.h"

#include <array>

namespace nats::crypto {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr int kBitsPerChar = 5;
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> make_reverse_table() {
  std::array<uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<uint8_t>(i);
  }
  return table;
}

constexpr std::array<uint8_t, 256> kReverse = make_reverse_table();

}  // namespace

std::string base32_encode(std::span<const uint8_t> data) {
  std::string out;
  out.reserve(base32_encoded_len(data.size()));
  // A bit accumulator: bytes go in at the bottom, 5-bit symbols come out from the top.
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t byte : data) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= kBitsPerChar) {
      bits -= kBitsPerChar;
      out.push_back(kAlphabet[(acc >> bits) & 0x1f]);
    }
  }
  if (bits > 0) {
    out.push_back(kAlphabet[(acc << (kBitsPerChar - bits)) & 0x1f]);
  }
  return out;
}

std::optional<std::vector<uint8_t>> base32_decode(std::string_view text) {
  switch (text.size() % 8) {
    case 1:
    case 3:
    case 6:
      return std::nullopt;
    default:
      break;
  }
  std::vector<uint8_t> out;
  out.reserve(text.size() * kBitsPerChar / 8);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    uint8_t v = kReverse[static_cast<uint8_t>(c)];
    if (v == kInvalid) return std::nullopt;
    acc = (acc << kBitsPerChar) | v;
    bits += kBitsPerChar;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return out;
}

}  // namespace nats::crypto
