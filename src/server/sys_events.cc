#include "server/sys_events.h"

#include "base/clock.h"

namespace nats {

using json = MonitorJson;

json server_info_json(const ServerIdentity& s, uint64_t seq, int64_t now_ns) {
  json j;
  j["name"] = s.name;
  j["host"] = s.host;
  j["id"] = s.id;
  j["ver"] = s.version;
  j["jetstream"] = false;
  j["flags"] = 0;
  j["seq"] = seq;
  j["time"] = rfc3339_utc(now_ns);
  return j;
}

json client_info_json(const ConnInfo& c, std::optional<int64_t> stop_ns) {
  json j;
  j["start"] = rfc3339_utc(c.start_ns);
  if (!c.ip.empty()) j["host"] = c.ip;
  if (c.cid != 0) j["id"] = c.cid;
  if (!c.account.empty()) j["acc"] = c.account;
  if (!c.user.empty()) j["user"] = c.user;
  if (!c.name.empty()) j["name"] = c.name;
  if (!c.lang.empty()) j["lang"] = c.lang;
  if (!c.version.empty()) j["ver"] = c.version;
  if (stop_ns) {
    if (c.rtt_ns != 0) j["rtt"] = c.rtt_ns;  // a Go time.Duration: integer nanoseconds
    j["stop"] = rfc3339_utc(*stop_ns);
  }
  if (!c.account.empty()) j["name_tag"] = c.account;  // an account without a JWT: its name
  j["kind"] = "Client";
  j["client_type"] = "nats";
  return j;
}

json data_stats_json(uint64_t msgs, uint64_t bytes, bool legs) {
  json j;
  j["msgs"] = msgs;
  j["bytes"] = bytes;
  if (legs) {
    const json zero = {{"msgs", 0}, {"bytes", 0}};
    j["gateways"] = zero;
    j["routes"] = zero;
    j["leafs"] = zero;
  }
  return j;
}

json typed_event_json(std::string_view type, std::string_view id, int64_t now_ns, json server) {
  json j;
  j["type"] = type;
  j["id"] = id;
  j["timestamp"] = rfc3339_utc(now_ns);
  j["server"] = std::move(server);
  return j;
}

json disconnect_event_json(std::string_view id, int64_t now_ns, json server, const ConnInfo& c,
                           std::string_view reason) {
  json j = typed_event_json(kDisconnectEventType, id, now_ns, std::move(server));
  j["client"] = client_info_json(c, now_ns);
  j["sent"] = data_stats_json(c.in_msgs, c.in_bytes);
  j["received"] = data_stats_json(c.out_msgs, c.out_bytes);
  j["reason"] = reason;
  return j;
}

json account_stat_fields(const AccountStat& a, json& into) {
  into["acc"] = a.account;
  into["name"] = a.account;
  into["conns"] = a.conns;
  into["leafnodes"] = 0;
  into["total_conns"] = a.conns;
  into["num_subscriptions"] = a.num_subs;
  // natsd keeps no per-account message counters yet (docs/compatibility.md).
  into["sent"] = data_stats_json(0, 0, true);
  into["received"] = data_stats_json(0, 0, true);
  into["slow_consumers"] = 0;
  return into;
}

json permissions_json(const Permissions& p) {
  auto subject = [](const SubjectPermission& sp) {
    json j = json::object();
    if (!sp.allow.empty()) j["allow"] = sp.allow;
    if (!sp.deny.empty()) j["deny"] = sp.deny;
    return j;
  };
  json j = json::object();
  if (p.publish) j["publish"] = subject(*p.publish);
  if (p.subscribe) j["subscribe"] = subject(*p.subscribe);
  if (p.response) {
    const int max = p.response->max_msgs == 0 ? kDefaultAllowResponseMaxMsgs : p.response->max_msgs;
    const auto ttl = p.response->expires.count() == 0 ? kDefaultAllowResponseExpires
                                                      : p.response->expires;
    j["responses"] = {{"max", max}, {"ttl", int64_t(ttl.count())}};
  }
  return j;
}

json api_response(json server, std::optional<json> data, int error_code, std::string_view error) {
  json j;
  j["server"] = std::move(server);
  if (data) j["data"] = std::move(*data);
  if (error_code != 0) {
    json e;
    e["code"] = error_code;
    if (!error.empty()) e["description"] = error;
    j["error"] = std::move(e);
  }
  return j;
}

}  // namespace nats
