#pragma once
// RFC 4648 base32 (alphabet A-Z 2-7) without '=' padding: the text form of nkeys and seeds.
// Pure functions, safe from any thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nats::crypto {

// Characters needed for n bytes: 8 per 5 bytes, the last group cut short instead of padded.
constexpr size_t base32_encoded_len(size_t n) { return (n * 8 + 4) / 5; }

std::string base32_encode(std::span<const uint8_t> data);

// Returns nullopt for a character outside the alphabet (padding included) or a length no
// unpadded encoding can have (1, 3 or 6 characters left over after whole 8-character groups).
// Unused low bits of the last character are not checked, as Go's decoder does not check them.
std::optional<std::vector<uint8_t>> base32_decode(std::string_view text);

}  // namespace nats::crypto
