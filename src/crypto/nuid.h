#pragma once
// NUID: fast unique identifiers in nats-server's format, 22 base62 characters. The first 12 are
// a crypto-random prefix; the last 10 encode a counter that starts at a random value and
// advances by a random step (33 to 332), so ids are unique without coordination and do not
// reveal how many were made. When the counter runs out, prefix and counter are drawn again.
//
// A Nuid instance is not thread-safe: give each thread its own (next_nuid() does that).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace nats::crypto {

class Nuid {
 public:
  static constexpr size_t kPrefixLen = 12;  // characters
  static constexpr size_t kSeqLen = 10;     // characters
  static constexpr size_t kLength = kPrefixLen + kSeqLen;

  Nuid();

  std::string next();
  // Writes the next id into `out` (exactly kLength bytes, no terminator); no allocation.
  void next(char* out);

  // Draws a new random prefix; the counter continues.
  void randomize_prefix();

 private:
  void reset_sequence();

  std::array<char, kPrefixLen> prefix_;
  int64_t seq_ = 0;
  int64_t inc_ = 0;
};

// The next id from this thread's own Nuid; safe from any thread.
std::string next_nuid();

// A fresh random nonce for the INFO `nonce` field: 11 random bytes as unpadded base64url, 15
// characters, as nats-server sends it to clients that must sign it (nkeys, JWT auth).
std::string random_nonce();

}  // namespace nats::crypto
