#pragma once
// What `nats kv` and `nats object` share (beyond js_common.h and js_format.h): natscli's time
// format, the storage flag, reading a value from stdin, and the "really?" confirmation.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "js_common.h"
#include "nats/jetstream_types.h"

namespace nats::cli {

// A verb's connection, JetStream and (once opened) bucket.
template <typename Store>
struct StoreSession : JsSession {
  std::optional<Store> store;
};

// Connects (printing the error on failure).
template <typename Store>
bool open_session(const GlobalFlags& g, StoreSession<Store>& s) {
  auto base = connect_jetstream(g);
  if (!base) return false;
  static_cast<JsSession&>(s) = std::move(*base);
  return true;
}

// Connects and opens `bucket` with `open` (client::key_value, client::object_store); prints
// the error and returns false when either fails.
template <typename Store, typename Open>
bool open_bucket(const GlobalFlags& g, const std::string& bucket, StoreSession<Store>& s,
                 Open open) {
  if (!open_session(g, s)) return false;
  auto store = open(*s.js, bucket);
  if (!store) {
    print_error(store.status());
    return false;
  }
  s.store.emplace(std::move(*store));
  return true;
}

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
