#pragma once
// NATS_CHECK: an invariant that must hold in every build. A broken invariant means our own bug,
// so we print where and why, then trap; continuing would corrupt other clients' state.

#include <cstdio>
#include <cstdlib>

#define NATS_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (__builtin_expect(!(cond), 0)) {                                                    \
      std::fprintf(stderr, "NATS_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)
