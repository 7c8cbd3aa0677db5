#pragma once
// Clocks: monotonic nanoseconds for timers and latency, wall time for logs and monitoring.

#include <cstdint>
#include <string>

namespace nats {

// Monotonic time in nanoseconds; never goes backwards.
int64_t mono_nanos();
// Wall-clock time in nanoseconds since the Unix epoch.
int64_t wall_nanos();
// RFC 3339 with nanoseconds in UTC, as Go marshals time.Time in JSON
// ("2026-11-23T06:43:22.123456789Z").
std::string rfc3339_utc(int64_t wall_ns);
// A Go time.Duration string ("1m2.5s", "250ms", "0s"), as nats-server prints durations in JSON.
std::string go_duration(int64_t nanos);

}  // namespace nats
