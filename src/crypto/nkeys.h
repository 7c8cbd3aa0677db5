#pragma once
// NATS nkeys: Ed25519 identities in a checked, human-readable text form.
//
// A public key is written as base32(prefix byte | 32-byte key | crc16 little-endian), 56
// characters whose first letter names the role ('N' server, 'U' user, 'A' account...). A seed
// (the private half) is base32 of two bytes that pack the seed marker 'S' with the role's
// prefix, then the 32-byte Ed25519 seed and the crc16: 58 characters such as "SU...".
//
// Everything here is a pure function except key generation, which reads libsodium's CSPRNG.
// All of it is safe to call from any thread. Signing and key generation are start-up or
// authentication work, never on the message path.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nats::crypto {

// The first byte of a decoded key. Each value is a multiple of 8, so the role letter is the
// first base32 character of the encoded key.
enum class PrefixByte : uint8_t {
  kAccount = 0,         // 'A'
  kCluster = 2 << 3,    // 'C'
  kServer = 13 << 3,    // 'N'
  kOperator = 14 << 3,  // 'O'
  kPrivate = 15 << 3,   // 'P'
  kSeed = 18 << 3,      // 'S'
  kUser = 20 << 3,      // 'U'
  kCurve = 23 << 3,     // 'X': X25519 (xkeys), not Ed25519
};

inline constexpr size_t kKeyLen = 32;               // bytes: Ed25519 public key, or a seed
inline constexpr size_t kSignatureLen = 64;         // bytes: Ed25519 signature
inline constexpr size_t kEncodedPublicKeyLen = 56;  // characters
inline constexpr size_t kEncodedSeedLen = 58;       // characters

using KeyBytes = std::array<uint8_t, kKeyLen>;
using Signature = std::array<uint8_t, kSignatureLen>;

// Roles a public key may have (what encode_public_key accepts and decode_public_key returns).
bool is_public_prefix(PrefixByte prefix);
// Lower-case role name ("server", "user", ...), for messages.
std::string_view prefix_name(PrefixByte prefix);

struct DecodedKey {
  PrefixByte prefix;
  KeyBytes key;
};

// Empty when `prefix` is not a public role.
std::string encode_public_key(PrefixByte prefix, std::span<const uint8_t, kKeyLen> key);
// nullopt on bad base32, wrong length, checksum mismatch or a prefix that is not a public role.
std::optional<DecodedKey> decode_public_key(std::string_view text);
// Same, and the key must have the expected role.
std::optional<KeyBytes> decode_public_key(PrefixByte expected, std::string_view text);

// `role` is the public role the seed belongs to; empty when it is not one.
std::string encode_seed(PrefixByte role, std::span<const uint8_t, kKeyLen> seed);
// Returns the role and the raw 32-byte seed; nullopt for anything that is not a valid seed.
std::optional<DecodedKey> decode_seed(std::string_view text);

// An identity with both halves in text form. The seed is a secret: never log it.
struct KeyPair {
  PrefixByte prefix = PrefixByte::kServer;
  std::string public_key;  // "N..." (56 characters)
  std::string seed;        // "SN..." (58 characters)
};

// A fresh random Ed25519 identity for `role` (any public role except kCurve).
KeyPair create_keypair(PrefixByte role);
// The server's identity: its public key is the server_id in INFO.
KeyPair create_server_keypair();
// Rebuilds the pair from an encoded Ed25519 seed; nullopt if the seed is invalid or kCurve.
std::optional<KeyPair> keypair_from_seed(std::string_view seed);

// Ed25519 signature of `data` with an encoded seed; nullopt if the seed is invalid or kCurve.
std::optional<Signature> sign(std::string_view seed, std::span<const uint8_t> data);
std::optional<Signature> sign(std::string_view seed, std::string_view data);

// True when `signature` is a valid Ed25519 signature of `data` by the encoded public key (any
// Ed25519 role). False for a malformed key or signature, never an error.
bool verify(std::string_view public_key, std::span<const uint8_t> data,
            std::span<const uint8_t> signature);
bool verify(std::string_view public_key, std::string_view data, std::span<const uint8_t> signature);

}  // namespace nats::crypto
