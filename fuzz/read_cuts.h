#pragma once
// How the parser fuzz targets cut one input into reads, so every target explores splits the
// same way. Each function returns the end offsets of the reads (increasing, the last == size);
// an offset equal to the previous one is an empty read.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
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

// Where a run of reads ended.
template <typename Status>
struct FeedResult {
  Status status;  // `ok` when every read was consumed
  size_t offset;  // stream offset where parsing stopped
};

// Feeds `data` to `parser` in reads ending at `cuts`, each in its own heap buffer of exactly
// its size that is poisoned and freed after parse(), so a view kept into an earlier read is a
// heap-use-after-free under ASan. After a `stopped` status it resumes at the first byte not
// consumed, as a caller that paused would, and tells the recorder the stream offset
// (rec.resume). `check(condition, what)` reports a violated property:
//   consumed <= len, and == len on `ok`; `stopped` exactly when the recorder said stop.
template <typename Status, typename Parser, typename Recorder, typename Check>
FeedResult<Status> feed_reads(Parser& parser, Recorder& rec, const uint8_t* data, size_t size,
                              const std::vector<size_t>& cuts, Status ok, Status stopped,
                              Check&& check) {
  constexpr char kPoison = '\xA5';
  size_t prev = 0;
  for (size_t cut : cuts) {
    const size_t n = cut - prev;
    std::unique_ptr<char[]> read(new char[n]);
    if (n > 0) std::memcpy(read.get(), data + prev, n);
    size_t off = 0;
    while (true) {
      rec.begin_read(read.get() + off, n - off);
      const auto r = parser.parse(read.get() + off, n - off, rec);
      rec.begin_read(nullptr, 0);
      check(r.consumed <= n - off, "consumed <= len");
      check(r.status != ok || r.consumed == n - off, "everything consumed when ok");
      check(rec.stopped() == (r.status == stopped), "stopped exactly when a handler said so");
      if (r.status != stopped) {
        std::memset(read.get(), kPoison, n);
        if (r.status != ok) return {r.status, prev + off + r.consumed};
        break;
      }
      // The byte that completed the stopped operation was consumed, so this terminates.
      check(r.consumed > 0, "a stop consumes the operation that stopped");
      off += r.consumed;
      rec.resume(prev + off);
    }
    prev = cut;
  }
  check(prev == size, "the cuts cover the input");
  return {ok, size};
}

}  // namespace nats::fuzz
