#pragma once
// How the parser fuzz targets cut one input into reads, so every target explores splits the
// same way. Each function returns the end offsets of the reads (increasing, the last == size);
// an offset equal to the previous one is an empty read.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nats::fuzz {

// A small deterministic generator, so a crash replays exactly.
struct XorShift {
  uint32_t s;
  uint32_t next() {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  }
};

// One cut at 1 + split * (size - 1) / 256, in [1, size - 1]; needs size >= 2.
inline std::vector<size_t> one_cut(uint8_t split, size_t size) {
  return {1 + size_t(split) * (size - 1) / 256, size};
}

// Chunks of 1 to 1 + (split & 63) bytes, with an empty read now and then.
inline std::vector<size_t> random_chunks(uint8_t split, size_t size) {
  std::vector<size_t> cuts;
  XorShift rng{0x9E3779B9u ^ (uint32_t(split) * 0x01000193u) ^ uint32_t(size)};
  const size_t max_chunk = 1 + (split & 0x3F);
  for (size_t pos = 0; pos < size;) {
    if (rng.next() % 8 == 0) cuts.push_back(pos);
    pos += 1 + rng.next() % max_chunk;
    if (pos > size) pos = size;
    cuts.push_back(pos);
  }
  if (cuts.empty()) cuts.push_back(size);
  return cuts;
}

// One byte per read (an empty input is one empty read).
inline std::vector<size_t> byte_at_a_time(size_t size) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i <= size; ++i) cuts.push_back(i);
  if (cuts.empty()) cuts.push_back(0);
  return cuts;
}

}  // namespace nats::fuzz
