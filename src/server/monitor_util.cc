#include "server/monitor_util.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "base/clock.h"
#include "server/account.h"

namespace nats {

namespace {

std::string dump(const MonitorJson& j, bool pretty) {
  return pretty ? j.dump(2, ' ', false, MonitorJson::error_handler_t::replace)
                : j.dump(-1, ' ', false, MonitorJson::error_handler_t::replace);
}

// JSONP callbacks are restricted to identifier characters, so a crafted name can't inject
// script into the response.
bool valid_callback(std::string_view cb) {
  if (cb.empty() || cb.size() > 128) return false;
  for (char c : cb) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '$' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Clean for rooted paths (Go's path.Clean when the argument starts with '/').
std::string clean_rooted(std::string_view p) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    const std::string_view part = p.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (std::string_view part : parts) {
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

}  // namespace

// A JSON number the way Go's encoding/MonitorJson prints a float64: whole values without a fraction
// ("2", not "2.0").
MonitorJson go_float(double v) {
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 1e15) return int64_t(v);
  return v;
}

http::Response json_response(const http::Request& req, const MonitorJson& j, int status,
                             bool pretty) {
  const std::string_view callback = req.param("callback");
  if (!callback.empty()) {
    if (!valid_callback(callback)) return http::text_response(400, "invalid callback name");
    http::Response r;
    r.status = status;
    r.content_type = "application/javascript";
    r.body = fmt::format("{}({})", callback, dump(j, pretty));
    return r;
  }
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  r.body = dump(j, pretty);
  return r;
}

bool decode_bool(const http::Request& req, std::string_view name, bool& out, std::string& err) {
  const std::string_view v = req.param(name);
  if (v.empty()) return true;
  if (auto b = parse_go_bool(v)) {
    out = *b;
    return true;
  }
  err = fmt::format(
      "Error decoding boolean for '{}': strconv.ParseBool: parsing \"{}\": invalid "
      "syntax",
      name, v);
  return false;
}

bool decode_int(const http::Request& req, std::string_view name, int64_t& out, std::string& err) {
  const std::string_view v = req.param(name);
  if (v.empty()) return true;
  std::string_view digits = v;
  bool neg = false;
  if (digits.front() == '+' || digits.front() == '-') {
    neg = digits.front() == '-';
    digits.remove_prefix(1);
  }
  uint64_t mag = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mag);
  const char* why = nullptr;
  if (digits.empty() || ec == std::errc::invalid_argument || ptr != digits.data() + digits.size()) {
    why = "invalid syntax";
  } else if (ec == std::errc::result_out_of_range ||
             mag > uint64_t(std::numeric_limits<int64_t>::max()) + (neg ? 1 : 0)) {
    why = "value out of range";
  }
  if (why) {
    err =
        fmt::format("Error decoding int for '{}': strconv.Atoi: parsing \"{}\": {}", name, v, why);
    return false;
  }
  out = neg ? int64_t(0 - mag) : int64_t(mag);
  return true;
}

bool decode_uint64(const http::Request& req, std::string_view name, uint64_t& out,
                   std::string& err) {
  const std::string_view v = req.param(name);
  if (v.empty()) return true;
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  const char* why = nullptr;
  if (ec == std::errc::invalid_argument || ptr != v.data() + v.size()) {
    why = "invalid syntax";
  } else if (ec == std::errc::result_out_of_range) {
    why = "value out of range";
  }
  if (why) {
    err = fmt::format("Error decoding uint64 for '{}': strconv.ParseUint: parsing \"{}\": {}", name,
                      v, why);
    return false;
  }
  out = n;
  return true;
}

int clamp_int(int64_t v) {
  return int(
      std::clamp<int64_t>(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}

MonitorJson sublist_stats_json(const SublistStats& s) {
  MonitorJson j;
  j["num_subscriptions"] = s.num_subscriptions;
  j["num_cache"] = s.num_cache;
  j["num_inserts"] = s.num_inserts;
  j["num_removes"] = s.num_removes;
  j["num_matches"] = s.num_matches;
  j["cache_hit_rate"] = go_float(s.cache_hit_rate);
  j["max_fanout"] = s.max_fanout;
  j["avg_fanout"] = go_float(s.avg_fanout);
  return j;
}

namespace {
std::string_view response_type_name(ServiceResponseType t) {
  switch (t) {
    case ServiceResponseType::kSingleton:
      return "Singleton";
    case ServiceResponseType::kStream:
      return "Stream";
    case ServiceResponseType::kChunked:
      return "Chunked";
  }
  return "Singleton";
}

MonitorJson export_json(std::string_view subject, const char* type, const ExportAuth& auth) {
  MonitorJson e;
  e["subject"] = subject;
  e["type"] = type;
  if (auth.token_required) e["token_req"] = true;
  return e;
}

MonitorJson service_import_json(std::string_view subject, std::string_view account,
                                std::string_view local, bool share) {
  MonitorJson i;
  i["subject"] = subject;
  i["account"] = account;
  i["to"] = local;  // deprecated by nats-server in favour of local_subject, and duplicated
  i["local_subject"] = local;
  i["type"] = "service";
  i["invalid"] = false;
  i["share"] = share;
  i["tracking"] = false;
  return i;
}
}  // namespace

MonitorJson account_detail_json(const Account& a, int64_t update_ns, bool is_system) {
  MonitorJson d;
  d["account_name"] = a.name();
  d["update_time"] = rfc3339_utc(update_ns);
  if (is_system) d["is_system"] = true;
  d["expired"] = false;
  d["complete"] = true;
  d["jetstream_enabled"] = false;
  d["leafnode_connections"] = 0;
  d["client_connections"] = a.num_connections();
  d["subscriptions"] = a.sublist().count();
  if (!a.mappings().empty()) {
    MonitorJson maps = MonitorJson::object();
    for (const Mapping& m : a.mappings()) {
      MonitorJson dests = MonitorJson::array();
      for (const Mapping::Destination& dest : m.destinations()) {
        dests.push_back(
            {{"subject", dest.transform.destination()}, {"weight", dest.cumulative_weight}});
      }
      maps[m.source()] = std::move(dests);
    }
    d["mappings"] = std::move(maps);
  }
  MonitorJson exports = MonitorJson::array();
  for (const ServiceExport& se : a.service_exports()) {
    MonitorJson e = export_json(se.subject, "service", se.auth);
    e["response_type"] = response_type_name(se.response_type);
    if (se.latency) {
      e["service_latency"] = {{"sampling", se.latency->headers ? 0 : se.latency->sampling},
                              {"results", se.latency->subject}};
    }
    if (!se.auth.approved.empty()) e["approved_accounts"] = se.auth.approved;
    exports.push_back(std::move(e));
  }
  for (const StreamExport& st : a.stream_exports()) {
    MonitorJson e = export_json(st.subject, "stream", st.auth);
    if (!st.auth.approved.empty()) e["approved_accounts"] = st.auth.approved;
    exports.push_back(std::move(e));
  }
  if (!exports.empty()) d["exports"] = std::move(exports);
  MonitorJson imports = MonitorJson::array();
  for (const auto& si : a.stream_imports()) {
    imports.push_back({{"subject", si->from},
                       {"account", si->exporter->name()},
                       {"local_subject", si->to},
                       {"type", "stream"},
                       {"invalid", false},
                       {"share", false},
                       {"tracking", false}});
  }
  for (const auto& si : a.service_imports())
    imports.push_back(service_import_json(si->to, si->exporter->name(), si->from, si->share));
  if (!imports.empty()) d["imports"] = std::move(imports);
  d["sublist_stats"] = sublist_stats_json(a.sublist().stats());
  auto replies = a.service_replies();
  if (!replies.empty()) {
    MonitorJson responses = MonitorJson::object();
    for (const auto& [subject, r] : replies)
      responses[subject] = service_import_json(r.reply, r.requester->name(), subject, false);
    d["responses"] = std::move(responses);
  }
  return d;
}

MonitorJson sub_detail_json(const SubDetail& d) {
  MonitorJson j;
  if (!d.account.empty()) j["account"] = d.account;
  j["subject"] = d.subject;
  if (!d.queue.empty()) j["qgroup"] = d.queue;
  j["sid"] = d.sid;
  j["msgs"] = d.msgs;
  if (d.max != 0) j["max"] = d.max;
  j["cid"] = d.cid;
  return j;
}

MonitorJson conn_info_json(const ConnInfo& c, const ConnzRender& r, int64_t now_ns) {
  const int64_t end = c.closed() ? c.stop_ns : now_ns;
  MonitorJson j;
  j["cid"] = c.cid;
  j["kind"] = "Client";
  j["type"] = "nats";
  j["ip"] = c.ip;
  j["port"] = c.port;
  j["start"] = rfc3339_utc(c.start_ns);
  j["last_activity"] = rfc3339_utc(c.last_activity_ns);
  if (c.closed()) j["stop"] = rfc3339_utc(c.stop_ns);
  if (!c.reason.empty()) j["reason"] = c.reason;
  j["rtt"] = format_rtt(c.rtt_ns);
  j["uptime"] = format_uptime(end - c.start_ns);
  j["idle"] = format_uptime(end - c.last_activity_ns);
  j["pending_bytes"] = c.pending_bytes;
  j["in_msgs"] = c.in_msgs;
  j["out_msgs"] = c.out_msgs;
  j["in_bytes"] = c.in_bytes;
  j["out_bytes"] = c.out_bytes;
  j["subscriptions"] = c.num_subs;
  if (!c.name.empty()) j["name"] = c.name;
  if (!c.lang.empty()) j["lang"] = c.lang;
  if (!c.version.empty()) j["version"] = c.version;
  if (!c.tls_version.empty()) j["tls_version"] = c.tls_version;
  if (!c.tls_cipher_suite.empty()) j["tls_cipher_suite"] = c.tls_cipher_suite;
  if (r.auth && !c.tls_peer_certs.empty()) {
    MonitorJson certs = MonitorJson::array();
    for (const auto& pc : c.tls_peer_certs) {
      MonitorJson one;
      if (!pc.subject.empty()) one["subject"] = pc.subject;
      one["spki_sha256"] = pc.spki_sha256;
      one["cert_sha256"] = pc.cert_sha256;
      certs.push_back(std::move(one));
    }
    j["tls_peer_certs"] = std::move(certs);
  }
  if (c.tls_first) j["tls_first"] = true;
  if (r.auth) {
    if (!c.user.empty()) j["authorized_user"] = c.user;
    if (!c.account.empty() && c.account != kGlobalAccountName) j["account"] = c.account;
  }
  if (r.details) {
    if (!c.subs_detail.empty()) {
      MonitorJson list = MonitorJson::array();
      for (const SubDetail& d : c.subs_detail) list.push_back(sub_detail_json(d));
      j["subscriptions_list_detail"] = std::move(list);
    }
  } else if (r.subs && !c.subs.empty()) {
    j["subscriptions_list"] = c.subs;
  }
  return j;
}

std::string prom_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Pure helpers

std::optional<ConnzSort> parse_connz_sort(std::string_view s) {
  if (s.empty() || s == "cid") return ConnzSort::kCid;
  if (s == "start") return ConnzSort::kStart;
  if (s == "subs") return ConnzSort::kSubs;
  if (s == "pending") return ConnzSort::kPending;
  if (s == "msgs_to") return ConnzSort::kOutMsgs;
  if (s == "msgs_from") return ConnzSort::kInMsgs;
  if (s == "bytes_to") return ConnzSort::kOutBytes;
  if (s == "bytes_from") return ConnzSort::kInBytes;
  if (s == "last") return ConnzSort::kLast;
  if (s == "idle") return ConnzSort::kIdle;
  if (s == "uptime") return ConnzSort::kUptime;
  if (s == "stop") return ConnzSort::kStop;
  if (s == "reason") return ConnzSort::kReason;
  if (s == "rtt") return ConnzSort::kRtt;
  return std::nullopt;
}

std::vector<ConnInfo> connz_select(std::vector<ConnInfo> conns, const ConnzPage& page,
                                   int64_t now_ns) {
  // Ties keep ascending cid order: sort by cid first, then stable-sort by the key.
  std::sort(conns.begin(), conns.end(),
            [](const ConnInfo& a, const ConnInfo& b) { return a.cid < b.cid; });
  auto by = [&conns](auto key, bool descending) {
    std::stable_sort(conns.begin(), conns.end(), [&](const ConnInfo& a, const ConnInfo& b) {
      return descending ? key(b) < key(a) : key(a) < key(b);
    });
  };
  auto uptime = [now_ns](const ConnInfo& c) {
    return (c.closed() ? c.stop_ns : now_ns) - c.start_ns;
  };
  switch (page.sort) {
    case ConnzSort::kCid:
    case ConnzSort::kStart:
      break;
    case ConnzSort::kSubs:
      by([](const ConnInfo& c) { return c.num_subs; }, true);
      break;
    case ConnzSort::kPending:
      by([](const ConnInfo& c) { return c.pending_bytes; }, true);
      break;
    case ConnzSort::kOutMsgs:
      by([](const ConnInfo& c) { return c.out_msgs; }, true);
      break;
    case ConnzSort::kInMsgs:
      by([](const ConnInfo& c) { return c.in_msgs; }, true);
      break;
    case ConnzSort::kOutBytes:
      by([](const ConnInfo& c) { return c.out_bytes; }, true);
      break;
    case ConnzSort::kInBytes:
      by([](const ConnInfo& c) { return c.in_bytes; }, true);
      break;
    case ConnzSort::kLast:
      by([](const ConnInfo& c) { return c.last_activity_ns; }, true);
      break;
    case ConnzSort::kIdle:
      by([now_ns](const ConnInfo& c) { return now_ns - c.last_activity_ns; }, true);
      break;
    case ConnzSort::kUptime:
      by(uptime, false);
      break;
    case ConnzSort::kStop:
      by([](const ConnInfo& c) { return c.stop_ns; }, true);
      break;
    case ConnzSort::kReason:
      by([](const ConnInfo& c) -> const std::string& { return c.reason; }, false);
      break;
    case ConnzSort::kRtt:
      by([](const ConnInfo& c) { return c.rtt_ns; }, true);
      break;
  }
  const size_t offset = size_t(std::max(page.offset, 0));
  const size_t limit = size_t(page.limit > 0 ? page.limit : kDefaultConnListSize);
  const size_t first = std::min(offset, conns.size());
  const size_t last = first + std::min(limit, conns.size() - first);
  return {std::make_move_iterator(conns.begin() + ptrdiff_t(first)),
          std::make_move_iterator(conns.begin() + ptrdiff_t(last))};
}

std::string format_uptime(int64_t nanos) {
  const int64_t secs = std::max<int64_t>(nanos, 0) / 1'000'000'000;
  const int64_t mins = secs / 60, hours = mins / 60, days = hours / 24, years = days / 365;
  if (years > 0) {
    return fmt::format("{}y{}d{}h{}m{}s", years, days % 365, hours % 24, mins % 60, secs % 60);
  }
  if (days > 0) return fmt::format("{}d{}h{}m{}s", days, hours % 24, mins % 60, secs % 60);
  if (hours > 0) return fmt::format("{}h{}m{}s", hours, mins % 60, secs % 60);
  if (mins > 0) return fmt::format("{}m{}s", mins, secs % 60);
  return fmt::format("{}s", secs);
}

std::string format_rtt(int64_t nanos) {
  constexpr int64_t kMicro = 1'000, kMilli = 1'000'000;
  if (nanos > kMicro && nanos < kMilli) nanos -= nanos % kMicro;
  return go_duration(nanos);
}

std::optional<bool> parse_go_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

std::string normalize_base_path(std::string_view p) {
  if (p.empty()) return "/";
  if (p.front() != '/') return clean_rooted("/" + std::string(p));
  return clean_rooted(p);
}

std::string join_url_path(std::string_view base, std::string_view p) {
  return clean_rooted(std::string(base) + "/" + std::string(p));
}

std::string_view monitor_endpoint(std::string_view path, std::string_view base_path) {
  using namespace monitor_paths;
  static constexpr std::string_view kEndpoints[] = {
      kVarz,           kConnz,    kRoutez, kGatewayz, kLeafz,   kSubsz,
      kSubscriptionsz, kAccountz, kJsz,    kHealthz,  kMetrics,
  };
  for (std::string_view e : kEndpoints) {
    if (path == join_url_path(base_path, e)) return e == kSubscriptionsz ? kSubsz : e;
  }
  if (path == base_path) return kRoot;
  return {};
}

}  // namespace nats
