#pragma once
// The small pure pieces of the JetStream verbs (stream, consumer, bench --js): natscli's flag
// values (sizes like "1GB", start policies like "1h" or "100") and the way natscli shows times
// and durations. No client types here, so the unit tests need no connection.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nats::cli {

// natscli's byte sizes: "1024", "1K", "10MiB", "1GB", "2T" (every unit is a power of 1024);
// "" and anything negative ("-1") mean unlimited, -1. nullopt for anything else.
std::optional<int64_t> parse_byte_size(std::string_view text);

// Go durations ("90s", "1h30m") plus natscli's whole days, weeks, months and years ("7d",
// "2w", "1M", "1y"; a month is 30 days, a year 365). nullopt when it does not parse.
std::optional<std::chrono::nanoseconds> parse_long_duration(std::string_view text);

// Where a consumer starts (`--deliver`): all, last, new (or next), subject (or
// last_per_subject), a stream sequence ("100"), or a duration back from now ("1h").
struct StartPolicy {
  enum class Kind { kAll, kLast, kNew, kLastPerSubject, kSequence, kSince };
  Kind kind = Kind::kAll;
  uint64_t seq = 0;                 // kSequence
  std::chrono::nanoseconds ago{0};  // kSince
};
std::optional<StartPolicy> parse_start_policy(std::string_view text);

// A duration the way natscli shows it: Go's format below a second ("1.5ms", "250µs"),
// "1.50s" below a minute, then "1m30s", "2h0m0s", "3d4h0m0s", "1y2d0h0m0s".
std::string humanize_duration(std::chrono::nanoseconds d);
// Go's time.Duration.String(): "0s", "1.5µs", "2ms", "1m30s", "1h0m0s" (the API's durations).
std::string go_duration_string(std::chrono::nanoseconds d);

// An RFC 3339 time as the server writes it ("2024-05-01T10:11:12.123456789Z", offsets
// allowed) as Unix nanoseconds; nullopt when it does not parse. The zero time
// ("0001-01-01T00:00:00Z") parses to a large negative number: check with is_zero_time.
std::optional<int64_t> parse_rfc3339(std::string_view text);
bool is_zero_time(std::string_view rfc3339);
// "2006-01-02 15:04:05" in local time; the text itself when it does not parse.
std::string local_time(std::string_view rfc3339);
// Unix nanoseconds as RFC 3339 in UTC with nanoseconds ("2024-05-01T10:11:12.000000001Z").
std::string rfc3339_utc(int64_t unix_nanos);

}  // namespace nats::cli
