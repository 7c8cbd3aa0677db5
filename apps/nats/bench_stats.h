#pragma once
// Numbers for `nats bench`: throughput of a run (one client or many together) and latency
// percentiles, printed the way natscli prints them ("1,234,567 msgs/sec ~ 150.70 MB/sec").
// Pure functions.

#include <cstdint>
#include <string>
#include <vector>

namespace nats::cli {

// What one client did: messages and payload bytes between two monotonic times.
struct BenchRun {
  uint64_t msgs = 0;
  uint64_t bytes = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;

  double seconds() const { return double(end_ns - start_ns) / 1e9; }
  double msgs_per_sec() const;
};

// The runs as one: their messages over the span from the first start to the last end.
BenchRun combine(const std::vector<BenchRun>& runs);

// 1234567 -> "1,234,567"
std::string with_commas(uint64_t n);
// "1,234,567 msgs/sec ~ 150.70 MB/sec" (MB: 1024 * 1024 bytes)
std::string throughput(const BenchRun& run);

struct LatencySummary {
  int64_t min_ns = 0;
  int64_t p50_ns = 0;
  int64_t p90_ns = 0;
  int64_t p99_ns = 0;
  int64_t p999_ns = 0;
  int64_t max_ns = 0;
};

// Sorts `samples` (nanoseconds); nearest-rank percentiles. All zero when empty.
LatencySummary summarize_latency(std::vector<int64_t>& samples);
// "min 50µs | p50 80µs | p90 100µs | p99 150µs | p99.9 300µs | max 1ms"
std::string format_latency(const LatencySummary& s);

}  // namespace nats::cli
