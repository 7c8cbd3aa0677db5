#include "base/clock.h"

#include <ctime>

#include <fmt/format.h>

namespace nats {

int64_t mono_nanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t wall_nanos() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string rfc3339_utc(int64_t wall_ns) {
  time_t secs = wall_ns / 1'000'000'000;
  int64_t frac = wall_ns % 1'000'000'000;
  tm t;
  gmtime_r(&secs, &t);
  // Go trims trailing zeros of the fraction (RFC3339Nano).
  std::string f = fmt::format("{:09d}", frac);
  while (!f.empty() && f.back() == '0') f.pop_back();
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}Z", t.tm_year + 1900,
                     t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, f.empty() ? "" : ".",
                     f);
}

namespace {
// Formats v/10^prec with trailing zeros of the fraction removed, as Go's Duration.String does.
std::string trim_fraction(int64_t v, int prec) {
  int64_t scale = 1;
  for (int i = 0; i < prec; ++i) scale *= 10;
  std::string out = fmt::format("{}", v / scale);
  int64_t frac = v % scale;
  if (frac != 0) {
    std::string f = fmt::format("{:0{}d}", frac, prec);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out;
}
}  // namespace

std::string go_duration(int64_t d) {
  if (d == 0) return "0s";
  std::string sign = d < 0 ? "-" : "";
  uint64_t u = d < 0 ? uint64_t(-d) : uint64_t(d);
  if (u < 1'000) return fmt::format("{}{}ns", sign, u);
  if (u < 1'000'000) return sign + trim_fraction(int64_t(u), 3) + "µs";
  if (u < 1'000'000'000) return sign + trim_fraction(int64_t(u), 6) + "ms";
  uint64_t total_secs = u / 1'000'000'000;
  uint64_t h = total_secs / 3600, m = (total_secs / 60) % 60;
  int64_t rem_ns = int64_t(u % 60'000'000'000ULL);
  std::string out = sign;
  if (h > 0) out += fmt::format("{}h", h);
  if (h > 0 || m > 0) out += fmt::format("{}m", m);
  out += trim_fraction(rem_ns, 9) + "s";
  return out;
}

}  // namespace nats
