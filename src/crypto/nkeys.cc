#include "crypto/nkeys.h"

#include <algorithm>
#include <vector>

#include <sodium.h>

#include "base/check.h"
#include "crypto/base32.h"
#include "crypto/crc16.h"
#include "crypto/random.h"

namespace nats::crypto {
namespace {

constexpr size_t kCrcLen = 2;                            // bytes, little-endian
constexpr size_t kRawPublicLen = 1 + kKeyLen + kCrcLen;  // prefix, key, crc
constexpr size_t kRawSeedLen = 2 + kKeyLen + kCrcLen;    // two packed prefix bytes, seed, crc
constexpr uint8_t kPrefixMask = 0xf8;                    // the 5 bits that hold a prefix letter

static_assert(base32_encoded_len(kRawPublicLen) == kEncodedPublicKeyLen);
static_assert(base32_encoded_len(kRawSeedLen) == kEncodedSeedLen);

bool is_ed25519_prefix(PrefixByte p) { return is_public_prefix(p) && p != PrefixByte::kCurve; }

// Appends the checksum of everything in `raw` and base32-encodes the result.
std::string seal(std::vector<uint8_t>& raw) {
  uint16_t crc = crc16(raw);
  raw.push_back(static_cast<uint8_t>(crc & 0xff));
  raw.push_back(static_cast<uint8_t>(crc >> 8));
  return base32_encode(raw);
}

// Base32-decodes and checks the trailing checksum; returns the bytes before it.
std::optional<std::vector<uint8_t>> unseal(std::string_view text, size_t raw_len) {
  auto raw = base32_decode(text);
  if (!raw || raw->size() != raw_len) return std::nullopt;
  uint16_t stored = static_cast<uint16_t>((*raw)[raw_len - 2] | ((*raw)[raw_len - 1] << 8));
  raw->resize(raw_len - kCrcLen);
  if (crc16(*raw) != stored) return std::nullopt;
  return raw;
}

// Ed25519 secret key (seed followed by public key, libsodium's layout) from a 32-byte seed.
// The caller wipes `sk`.
void expand_seed(const KeyBytes& seed, KeyBytes& pk,
                 std::array<uint8_t, crypto_sign_SECRETKEYBYTES>& sk) {
  ensure_sodium();
  NATS_CHECK(crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data()) == 0);
}

}  // namespace

bool is_public_prefix(PrefixByte prefix) {
  switch (prefix) {
    case PrefixByte::kAccount:
    case PrefixByte::kCluster:
    case PrefixByte::kServer:
    case PrefixByte::kOperator:
    case PrefixByte::kUser:
    case PrefixByte::kCurve:
      return true;
    case PrefixByte::kPrivate:
    case PrefixByte::kSeed:
      return false;
  }
  return false;
}

std::string_view prefix_name(PrefixByte prefix) {
  switch (prefix) {
    case PrefixByte::kAccount:
      return "account";
    case PrefixByte::kCluster:
      return "cluster";
    case PrefixByte::kServer:
      return "server";
    case PrefixByte::kOperator:
      return "operator";
    case PrefixByte::kUser:
      return "user";
    case PrefixByte::kCurve:
      return "curve";
    case PrefixByte::kPrivate:
      return "private";
    case PrefixByte::kSeed:
      return "seed";
  }
  return "unknown";
}

std::string encode_public_key(PrefixByte prefix, std::span<const uint8_t, kKeyLen> key) {
  if (!is_public_prefix(prefix)) return {};
  std::vector<uint8_t> raw;
  raw.reserve(kRawPublicLen);
  raw.push_back(static_cast<uint8_t>(prefix));
  raw.insert(raw.end(), key.begin(), key.end());
  return seal(raw);
}

std::optional<DecodedKey> decode_public_key(std::string_view text) {
  auto raw = unseal(text, kRawPublicLen);
  if (!raw) return std::nullopt;
  auto prefix = static_cast<PrefixByte>((*raw)[0]);
  if (!is_public_prefix(prefix)) return std::nullopt;
  DecodedKey out{prefix, {}};
  std::copy(raw->begin() + 1, raw->end(), out.key.begin());
  return out;
}

std::optional<KeyBytes> decode_public_key(PrefixByte expected, std::string_view text) {
  auto decoded = decode_public_key(text);
  if (!decoded || decoded->prefix != expected) return std::nullopt;
  return decoded->key;
}

std::string encode_seed(PrefixByte role, std::span<const uint8_t, kKeyLen> seed) {
  if (!is_public_prefix(role)) return {};
  // Ten bits of prefix in two bytes: the seed marker's five bits, then the role's five bits.
  const auto r = static_cast<uint8_t>(role);
  std::vector<uint8_t> raw;
  raw.reserve(kRawSeedLen);
  raw.push_back(static_cast<uint8_t>(static_cast<uint8_t>(PrefixByte::kSeed) | (r >> 5)));
  raw.push_back(static_cast<uint8_t>((r & 0x1f) << 3));
  raw.insert(raw.end(), seed.begin(), seed.end());
  std::string out = seal(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::optional<DecodedKey> decode_seed(std::string_view text) {
  auto raw = unseal(text, kRawSeedLen);
  if (!raw) return std::nullopt;
  std::optional<DecodedKey> out;
  const uint8_t b0 = (*raw)[0];
  const uint8_t b1 = (*raw)[1];
  const auto role = static_cast<PrefixByte>(((b0 & 0x07) << 5) | ((b1 & kPrefixMask) >> 3));
  if ((b0 & kPrefixMask) == static_cast<uint8_t>(PrefixByte::kSeed) && is_public_prefix(role)) {
    out.emplace(DecodedKey{role, {}});
    std::copy(raw->begin() + 2, raw->end(), out->key.begin());
  }
  sodium_memzero(raw->data(), raw->size());
  return out;
}

KeyPair create_keypair(PrefixByte role) {
  NATS_CHECK(is_ed25519_prefix(role));
  ensure_sodium();
  KeyBytes pk;
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk;
  NATS_CHECK(crypto_sign_keypair(pk.data(), sk.data()) == 0);
  KeyBytes seed;
  crypto_sign_ed25519_sk_to_seed(seed.data(), sk.data());
  KeyPair kp{role, encode_public_key(role, pk), encode_seed(role, seed)};
  sodium_memzero(sk.data(), sk.size());
  sodium_memzero(seed.data(), seed.size());
  return kp;
}

KeyPair create_server_keypair() { return create_keypair(PrefixByte::kServer); }

std::optional<KeyPair> keypair_from_seed(std::string_view seed) {
  auto decoded = decode_seed(seed);
  if (!decoded || !is_ed25519_prefix(decoded->prefix)) return std::nullopt;
  KeyBytes pk;
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk;
  expand_seed(decoded->key, pk, sk);
  sodium_memzero(sk.data(), sk.size());
  sodium_memzero(decoded->key.data(), decoded->key.size());
  return KeyPair{decoded->prefix, encode_public_key(decoded->prefix, pk), std::string(seed)};
}

std::optional<Signature> sign(std::string_view seed, std::span<const uint8_t> data) {
  auto decoded = decode_seed(seed);
  if (!decoded || !is_ed25519_prefix(decoded->prefix)) return std::nullopt;
  KeyBytes pk;
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk;
  expand_seed(decoded->key, pk, sk);
  Signature sig;
  NATS_CHECK(crypto_sign_detached(sig.data(), nullptr, data.data(), data.size(), sk.data()) == 0);
  sodium_memzero(sk.data(), sk.size());
  sodium_memzero(decoded->key.data(), decoded->key.size());
  return sig;
}

std::optional<Signature> sign(std::string_view seed, std::string_view data) {
  return sign(seed, std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

bool verify(std::string_view public_key, std::span<const uint8_t> data,
            std::span<const uint8_t> signature) {
  if (signature.size() != kSignatureLen) return false;
  auto decoded = decode_public_key(public_key);
  if (!decoded || !is_ed25519_prefix(decoded->prefix)) return false;
  ensure_sodium();
  return crypto_sign_verify_detached(signature.data(), data.data(), data.size(),
                                     decoded->key.data()) == 0;
}

bool verify(std::string_view public_key, std::string_view data,
            std::span<const uint8_t> signature) {
  return verify(public_key, std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()),
                signature);
}

}  // namespace nats::crypto
