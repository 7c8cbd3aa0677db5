#pragma once
// Go's time.ParseDuration grammar, which nats-server uses for every duration option
// ("2m", "1h30m", "1.5s", "-250ms", "0"): an optional sign, then one or more
// <decimal number><unit> parts with units ns, us, µs (U+00B5), μs (U+03BC), ms, s, m, h.
// Fractions are rounded toward zero to whole nanoseconds exactly as Go does. A bare "0" is the
// only number allowed without a unit. Results outside int64 nanoseconds are rejected.

#include <chrono>
#include <optional>
#include <string_view>

namespace nats::config {

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

}  // namespace nats::config
