#pragma once
// What `nats kv` and `nats object` share (beyond js_common.h and js_format.h): natscli's time
// format, the storage flag, reading a value from stdin, and the "really?" confirmation.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nats/jetstream_types.h"

namespace nats::cli {

// "2006-01-02 15:04:05" in local time, as natscli prints times in tables and headings.
std::string store_time(std::chrono::system_clock::time_point t);
std::string store_time(std::string_view rfc3339);
// "file"/"f" or "memory"/"m".
std::optional<client::StorageType> parse_storage(std::string_view text);
// Everything on stdin (a value piped into `kv put`).
std::string read_stdin();
bool stdin_is_terminal();
// Asks "<question> [y/N]" on a terminal; without one (or with `force`) returns `force`.
bool confirm(const std::string& question, bool force);
// Go's printing of a duration for status output ("1h0m0s"); "unlimited" for 0.
std::string ttl_text(client::Nanos ttl);

}  // namespace nats::cli
