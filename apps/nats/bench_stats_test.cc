#include "bench_stats.h"

#include <gtest/gtest.h>

namespace nats::cli {
namespace {

TEST(BenchStats, Commas) {
  EXPECT_EQ(with_commas(0), "0");
  EXPECT_EQ(with_commas(999), "999");
  EXPECT_EQ(with_commas(1000), "1,000");
  EXPECT_EQ(with_commas(1234567), "1,234,567");
  EXPECT_EQ(with_commas(100000), "100,000");
  EXPECT_EQ(with_commas(20000), "20,000");
  EXPECT_EQ(with_commas(12), "12");
}

TEST(BenchStats, Throughput) {
  // 2,000,000 messages of 128 B in 2 s: 1M msgs/s, 122.07 MiB/s.
  BenchRun r{2000000, 2000000ull * 128, 1000000000, 3000000000};
  EXPECT_DOUBLE_EQ(r.msgs_per_sec(), 1e6);
  EXPECT_EQ(throughput(r), "1,000,000 msgs/sec ~ 122.07 MB/sec");
  EXPECT_EQ(throughput(BenchRun{}), "0 msgs/sec ~ 0.00 MB/sec");
}

TEST(BenchStats, CombineSpansFirstStartToLastEnd) {
  BenchRun all = combine({{10, 100, 5, 20}, {30, 300, 2, 15}});
  EXPECT_EQ(all.msgs, 40u);
  EXPECT_EQ(all.bytes, 400u);
  EXPECT_EQ(all.start_ns, 2);
  EXPECT_EQ(all.end_ns, 20);
}

TEST(BenchStats, LatencyPercentiles) {
  std::vector<int64_t> samples;
  for (int64_t i = 1000; i >= 1; --i) samples.push_back(i * 1000);  // 1 µs .. 1 ms, reversed
  LatencySummary s = summarize_latency(samples);
  EXPECT_EQ(s.min_ns, 1000);
  EXPECT_EQ(s.p50_ns, 500000);
  EXPECT_EQ(s.p90_ns, 900000);
  EXPECT_EQ(s.p99_ns, 990000);
  EXPECT_EQ(s.p999_ns, 999000);
  EXPECT_EQ(s.max_ns, 1000000);
  EXPECT_EQ(format_latency(s),
            "min 1µs | p50 500µs | p90 900µs | p99 990µs | p99.9 999µs | max 1ms");
  std::vector<int64_t> none;
  EXPECT_EQ(summarize_latency(none).max_ns, 0);
}

}  // namespace
}  // namespace nats::cli
