#include "bench_stats.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "base/clock.h"

namespace nats::cli {

double BenchRun::msgs_per_sec() const {
  const double s = seconds();
  return s > 0 ? double(msgs) / s : 0;
}

BenchRun combine(const std::vector<BenchRun>& runs) {
  BenchRun all;
  bool first = true;
  for (const BenchRun& r : runs) {
    all.msgs += r.msgs;
    all.bytes += r.bytes;
    all.start_ns = first ? r.start_ns : std::min(all.start_ns, r.start_ns);
    all.end_ns = first ? r.end_ns : std::max(all.end_ns, r.end_ns);
    first = false;
  }
  return all;
}

std::string with_commas(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const size_t lead = digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && i >= lead && (i - lead) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string throughput(const BenchRun& run) {
  const double s = run.seconds();
  const double mb = s > 0 ? double(run.bytes) / (1024.0 * 1024.0) / s : 0;
  return fmt::format("{} msgs/sec ~ {:.2f} MB/sec",
                     with_commas(uint64_t(std::llround(run.msgs_per_sec()))), mb);
}

LatencySummary summarize_latency(std::vector<int64_t>& samples) {
  LatencySummary s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  auto rank = [&samples](double p) {
    size_t i = size_t(std::ceil(p * double(samples.size())));
    return samples[std::min(samples.size() - 1, i == 0 ? 0 : i - 1)];
  };
  s.min_ns = samples.front();
  s.p50_ns = rank(0.50);
  s.p90_ns = rank(0.90);
  s.p99_ns = rank(0.99);
  s.p999_ns = rank(0.999);
  s.max_ns = samples.back();
  return s;
}

std::string format_latency(const LatencySummary& s) {
  auto d = [](int64_t ns) { return go_duration(ns); };
  return fmt::format("min {} | p50 {} | p90 {} | p99 {} | p99.9 {} | max {}", d(s.min_ns),
                     d(s.p50_ns), d(s.p90_ns), d(s.p99_ns), d(s.p999_ns), d(s.max_ns));
}

}  // namespace nats::cli
