#pragma once
// Building blocks of the monitoring endpoints, kept apart from the HTTP server so they can be
// tested alone: /connz ordering and paging, nats-server's number, duration and uptime formats,
// query parameter decoding with nats-server's error texts, and the JSON shapes of ConnInfo,
// SubDetail and SublistStats.
//
// Everything here is pure; safe to call from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/conn_info.h"
#include "server/http_request.h"
#include "server/sublist.h"

namespace nats {

class Account;

// Endpoint paths, relative to http_base_path, with nats-server's names.
namespace monitor_paths {
inline constexpr std::string_view kRoot = "/";
inline constexpr std::string_view kVarz = "/varz";
inline constexpr std::string_view kConnz = "/connz";
inline constexpr std::string_view kRoutez = "/routez";
inline constexpr std::string_view kGatewayz = "/gatewayz";
inline constexpr std::string_view kLeafz = "/leafz";
inline constexpr std::string_view kSubsz = "/subsz";
inline constexpr std::string_view kSubscriptionsz = "/subscriptionsz";  // old alias of /subsz
inline constexpr std::string_view kAccountz = "/accountz";
inline constexpr std::string_view kJsz = "/jsz";
inline constexpr std::string_view kHealthz = "/healthz";
inline constexpr std::string_view kMetrics = "/metrics";  // natsd's own: Prometheus text
}  // namespace monitor_paths

// The endpoint (one of monitor_paths, with /subscriptionsz folded into /subsz) that a decoded
// request path names under `base_path` (normalized, see normalize_base_path), or "" if none.
// Matching is exact, as with nats-server's ServeMux patterns: "/varz/" names nothing.
std::string_view monitor_endpoint(std::string_view path, std::string_view base_path);

// nats-server's page size defaults (DefaultConnListSize, DefaultSubListSize).
inline constexpr int kDefaultConnListSize = 1024;
inline constexpr int kDefaultSubListSize = 1024;

// /connz?sort=..., with nats-server's names. kCid, kStart, kUptime and kReason sort
// ascending, the others descending; ties keep ascending cid order.
enum class ConnzSort {
  kCid,       // "cid"
  kStart,     // "start": same order as cid
  kSubs,      // "subs"
  kPending,   // "pending"
  kOutMsgs,   // "msgs_to"
  kInMsgs,    // "msgs_from"
  kOutBytes,  // "bytes_to"
  kInBytes,   // "bytes_from"
  kLast,      // "last": last activity, most recent first
  kIdle,      // "idle": longest idle first
  kUptime,    // "uptime": shortest first
  kStop,      // "stop": closed connections only, most recent first
  kReason,    // "reason": closed connections only
  kRtt,       // "rtt"
};

// "" means kCid; nullopt for an unknown option.
std::optional<ConnzSort> parse_connz_sort(std::string_view s);

struct ConnzPage {
  ConnzSort sort = ConnzSort::kCid;
  int offset = 0;
  int limit = kDefaultConnListSize;
};

// Sorts `conns` as nats-server does and returns the page [offset, offset + limit). A negative
// offset counts as 0 and a limit <= 0 as the default. `now_ns` (wall clock) is for idle and
// uptime of open connections.
std::vector<ConnInfo> connz_select(std::vector<ConnInfo> conns, const ConnzPage& page,
                                   int64_t now_ns);

// nats-server's uptime format: whole seconds as "1y2d3h4m5s", leading zero units left out
// ("0s", "5m0s").
std::string format_uptime(int64_t nanos);
// A round-trip time as nats-server shows it: a Go duration, truncated to microseconds between
// 1µs and 1ms.
std::string format_rtt(int64_t nanos);
// Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False.
std::optional<bool> parse_go_bool(std::string_view s);
// nats-server's normalizeBasePath: "" -> "/", a leading '/' added, then path.Clean.
std::string normalize_base_path(std::string_view p);
// Go's path.Join for two absolute pieces: "/" + "/varz" -> "/varz", "/nats" + "/" -> "/nats".
std::string join_url_path(std::string_view base, std::string_view p);

// JSON with nats-server's field order.
using MonitorJson = nlohmann::ordered_json;

// A JSON number the way Go's encoding/json prints a float64: whole values without a fraction
// ("2", not "2.0").
MonitorJson go_float(double v);

// A JSON response: pretty-printed with two-space indents like nats-server (or compact), invalid
// UTF-8 replaced, JSONP-wrapped when the request has `callback=` as nats-server does.
http::Response json_response(const http::Request& req, const MonitorJson& j, int status = 200,
                             bool pretty = true);

// Query parameter decoding with nats-server's error texts. Each returns false and fills `err`
// when the parameter is present but malformed; an absent parameter leaves `out` untouched.
bool decode_bool(const http::Request& req, std::string_view name, bool& out, std::string& err);
bool decode_int(const http::Request& req, std::string_view name, int64_t& out, std::string& err);
bool decode_uint64(const http::Request& req, std::string_view name, uint64_t& out,
                   std::string& err);

// Saturates to the range of int.
int clamp_int(int64_t v);
// Escapes a Prometheus label value.
std::string prom_label(std::string_view v);

MonitorJson sublist_stats_json(const SublistStats& s);
// /accountz?acc=NAME: nats-server 2.10's AccountInfo (mappings, exports, imports, pending
// service responses, sublist figures). `update_ns` is when the account was configured.
// `is_system` marks the system account, as nats-server does.
MonitorJson account_detail_json(const Account& a, int64_t update_ns, bool is_system = false);
MonitorJson sub_detail_json(const SubDetail& d);

// What /connz adds to each connection.
struct ConnzRender {
  bool subs = false;     // subscriptions_list
  bool details = false;  // subscriptions_list_detail (wins over subs)
  bool auth = false;     // authorized_user and account
};
// One /connz entry. Uptime and idle run to `now_ns` for an open connection and to its stop
// time for a closed one.
MonitorJson conn_info_json(const ConnInfo& c, const ConnzRender& r, int64_t now_ns);

}  // namespace nats
