#include "js_format.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <ctime>

#include "config/duration.h"

namespace nats::cli {

namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// "1.500" -> "1.5", "2.000" -> "2"
std::string trim_fraction(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::optional<std::chrono::nanoseconds> parse_long_duration(std::string_view text) {
  if (auto d = config::parse_go_duration(text)) return d;
  if (text.size() < 2) return std::nullopt;
  uint64_t n = 0;
  if (!parse_u64(text.substr(0, text.size() - 1), n)) return std::nullopt;
  constexpr int64_t kDay = int64_t(24) * 3600 * 1000000000;
  int64_t unit = 0;
  switch (text.back()) {
    case 'd':
      unit = kDay;
      break;
    case 'w':
      unit = 7 * kDay;
      break;
    case 'M':
      unit = 30 * kDay;
      break;
    case 'y':
      unit = 365 * kDay;
      break;
    default:
      return std::nullopt;
  }
  if (n > uint64_t(INT64_MAX / unit)) return std::nullopt;
  return std::chrono::nanoseconds(int64_t(n) * unit);
}

std::optional<int64_t> parse_byte_size(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (text.empty() || text.front() == '-') return -1;
  size_t n = 0;
  while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n]))) ++n;
  uint64_t num = 0;
  if (!parse_u64(text.substr(0, n), num)) return std::nullopt;
  std::string unit;
  for (char c : text.substr(n)) unit += char(std::toupper(static_cast<unsigned char>(c)));
  int shift = -1;
  if (unit.empty() || unit == "B") shift = 0;
  for (auto [prefix, bits] : {std::pair{'K', 10}, {'M', 20}, {'G', 30}, {'T', 40}}) {
    const std::string p(1, prefix);
    if (unit == p || unit == p + "B" || unit == p + "IB") shift = bits;
  }
  if (shift < 0) return std::nullopt;
  if (num > (uint64_t(INT64_MAX) >> shift)) return std::nullopt;
  return int64_t(num << shift);
}

std::optional<StartPolicy> parse_start_policy(std::string_view text) {
  StartPolicy p;
  using K = StartPolicy::Kind;
  if (text == "all") {
    p.kind = K::kAll;
  } else if (text == "last") {
    p.kind = K::kLast;
  } else if (text == "new" || text == "next") {
    p.kind = K::kNew;
  } else if (text == "subject" || text == "last_per_subject") {
    p.kind = K::kLastPerSubject;
  } else if (uint64_t seq = 0; parse_u64(text, seq)) {
    p.kind = K::kSequence;
    p.seq = seq;
  } else if (auto d = parse_long_duration(text); d && d->count() > 0) {
    p.kind = K::kSince;
    p.ago = *d;
  } else {
    return std::nullopt;
  }
  return p;
}

std::string go_duration_string(std::chrono::nanoseconds d) {
  int64_t n = d.count();
  if (n == 0) return "0s";
  std::string sign;
  uint64_t u = n < 0 ? uint64_t(0) - uint64_t(n) : uint64_t(n);
  if (n < 0) sign = "-";
  if (u < 1000) return sign + fmt::format("{}ns", u);
  if (u < 1000000) return sign + trim_fraction(fmt::format("{:.3f}", double(u) / 1e3)) + "µs";
  if (u < 1000000000) return sign + trim_fraction(fmt::format("{:.6f}", double(u) / 1e6)) + "ms";
  const uint64_t secs = u / 1000000000;
  const uint64_t frac = u % 1000000000;
  std::string s = trim_fraction(fmt::format("{}.{:09}", secs % 60, frac)) + "s";
  if (secs >= 60) s = fmt::format("{}m", secs / 60 % 60) + s;
  if (secs >= 3600) s = fmt::format("{}h", secs / 3600) + s;
  return sign + s;
}

std::string humanize_duration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  if (d == nanoseconds::max()) return "never";
  auto round_to = [](nanoseconds v, nanoseconds unit) {
    return nanoseconds((v.count() + unit.count() / 2) / unit.count() * unit.count());
  };
  if (d < milliseconds(1)) return go_duration_string(round_to(d, microseconds(1)));
  if (d < seconds(1)) return go_duration_string(round_to(d, milliseconds(1)));
  const int64_t secs = duration_cast<seconds>(d).count();
  const int64_t mins = secs / 60, hrs = mins / 60, days = hrs / 24, yrs = days / 365;
  if (yrs > 0) {
    return fmt::format("{}y{}d{}h{}m{}s", yrs, days % 365, hrs % 24, mins % 60, secs % 60);
  }
  if (days > 0) return fmt::format("{}d{}h{}m{}s", days, hrs % 24, mins % 60, secs % 60);
  if (hrs > 0) return fmt::format("{}h{}m{}s", hrs, mins % 60, secs % 60);
  if (mins > 0) return fmt::format("{}m{}s", mins, secs % 60);
  return fmt::format("{:.2f}s", double(d.count()) / 1e9);
}

std::optional<int64_t> parse_rfc3339(std::string_view s) {
  std::tm tm{};
  int year, mon, day, hour, min, sec;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mon) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, min) || s[16] != ':' ||
      !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000000;
    const size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      frac_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_s = (s[pos] == '-' ? -1 : 1) * int64_t(oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  const int64_t secs = int64_t(timegm(&tm)) - offset_s;
  return secs * 1000000000 + frac_ns;
}

bool is_zero_time(std::string_view rfc3339) {
  return rfc3339.empty() || rfc3339.substr(0, 4) == "0001";
}

std::string local_time(std::string_view rfc3339) {
  auto ns = parse_rfc3339(rfc3339);
  if (!ns) return std::string(rfc3339);
  const std::time_t t = std::time_t(*ns / 1000000000 - (*ns % 1000000000 < 0 ? 1 : 0));
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string rfc3339_utc(int64_t unix_nanos) {
  const std::time_t t = std::time_t(unix_nanos / 1000000000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:09}Z", buf, unix_nanos % 1000000000);
}

}  // namespace nats::cli
