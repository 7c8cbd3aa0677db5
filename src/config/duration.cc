#include "config/duration.h"

#include <cstdint>

namespace nats::config {

namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;  // |INT64_MIN| as an unsigned magnitude

// Nanoseconds per unit, or 0 for an unknown unit.
uint64_t unit_nanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return std::nullopt;

  uint64_t total = 0;  // magnitude; may reach 2^63 only for a negative result
  while (!s.empty()) {
    if (!is_digit(s[0]) && s[0] != '.') return std::nullopt;

    // Whole part: any overflow of the magnitude is an error.
    uint64_t whole = 0;
    size_t i = 0;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (whole > kSignBit / 10) return std::nullopt;
      whole = whole * 10 + uint64_t(s[i] - '0');
      if (whole > kSignBit) return std::nullopt;
    }
    bool have_digits = i > 0;
    s.remove_prefix(i);

    // Fraction: digits past what 63 bits can hold only stop adding precision.
    uint64_t frac = 0;
    double scale = 1;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool saturated = false;
      i = 0;
      for (; i < s.size() && is_digit(s[i]); ++i) {
        if (saturated) continue;
        if (frac > (kSignBit - 1) / 10) {
          saturated = true;
          continue;
        }
        const uint64_t next = frac * 10 + uint64_t(s[i] - '0');
        if (next > kSignBit) {
          saturated = true;
          continue;
        }
        frac = next;
        scale *= 10;
      }
      have_digits = have_digits || i > 0;
      s.remove_prefix(i);
    }
    if (!have_digits) return std::nullopt;

    // The unit runs to the next digit or '.'.
    i = 0;
    while (i < s.size() && !is_digit(s[i]) && s[i] != '.') ++i;
    if (i == 0) return std::nullopt;
    const uint64_t unit = unit_nanos(s.substr(0, i));
    if (unit == 0) return std::nullopt;
    s.remove_prefix(i);

    if (whole > kSignBit / unit) return std::nullopt;
    uint64_t part = whole * unit;
    if (frac > 0) {
      // Go computes the fraction in float64 and truncates; do the same to agree to the
      // nanosecond (the product is at most 3.6e12, exact enough in a double).
      part +=
          static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(unit) / scale));
      if (part > kSignBit) return std::nullopt;
    }
    if (part > kSignBit - total) return std::nullopt;
    total += part;
  }
  if (negative) {
    // -2^63 is representable; total <= 2^63 here.
    return std::chrono::nanoseconds(total == kSignBit ? INT64_MIN : -static_cast<int64_t>(total));
  }
  if (total > kSignBit - 1) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

}  // namespace nats::config
