#include "crypto/random.h"

#include <sodium.h>

#include "base/check.h"

namespace nats::crypto {

void ensure_sodium() {
  // sodium_init() is itself thread-safe; the static only saves repeated calls.
  static const bool initialized = sodium_init() >= 0;
  NATS_CHECK(initialized);
}

void random_bytes(std::span<uint8_t> out) {
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
}

uint64_t random_below(uint64_t upper_bound) {
  NATS_CHECK(upper_bound > 0);
  // Rejection sampling: drop draws from the incomplete top range so every result is equally
  // likely.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % upper_bound);
  uint64_t v;
  do {
    random_bytes(std::span(reinterpret_cast<uint8_t*>(&v), sizeof(v)));
  } while (v >= limit);
  return v % upper_bound;
}

}  // namespace nats::crypto
