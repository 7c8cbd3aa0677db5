#pragma once
// Cryptographically secure random bytes (libsodium's CSPRNG). Initializes libsodium on first
// use, so callers need no start-up step. Safe from any thread.

#include <cstdint>
#include <span>

namespace nats::crypto {

// Makes sure sodium_init() has run; traps if libsodium cannot initialize (no usable entropy
// source), since every key and nonce would then be unsafe.
void ensure_sodium();

void random_bytes(std::span<uint8_t> out);

// Uniform in [0, upper_bound); upper_bound must be > 0.
uint64_t random_below(uint64_t upper_bound);

}  // namespace nats::crypto
