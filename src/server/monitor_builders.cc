#include "server/monitor_builders.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "base/clock.h"
#include "server/account.h"
#include "server/client_connection.h"
#include "server/server.h"
#include "server/subject.h"

namespace nats {

using json = MonitorJson;

namespace {
json seconds_float(int64_t nanos) { return go_float(double(nanos) / 1e9); }
}  // namespace

int64_t resident_bytes() {
  std::ifstream f("/proc/self/statm");
  int64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return 0;
  return resident * int64_t(sysconf(_SC_PAGESIZE));
}

int64_t process_cpu_nanos() {
  timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}

Figures gather_figures(Server& server, double cpu) {
  ServerStats& st = server.stats();
  Figures f;
  f.now_ns = wall_nanos();
  f.uptime_ns = f.now_ns - server.start_time_ns();
  f.mem = resident_bytes();
  f.cpu = cpu;
  f.connections = server.num_clients();
  f.total_connections = st.total_connections.load(std::memory_order_relaxed);
  f.in_msgs = st.in_msgs.load(std::memory_order_relaxed);
  f.out_msgs = st.out_msgs.load(std::memory_order_relaxed);
  f.in_bytes = st.in_bytes.load(std::memory_order_relaxed);
  f.out_bytes = st.out_bytes.load(std::memory_order_relaxed);
  f.slow_consumers = st.slow_consumers.load(std::memory_order_relaxed);
  f.stalls = st.stalls.load(std::memory_order_relaxed);
  f.stale_connections = st.stale_connections.load(std::memory_order_relaxed);
  f.subscriptions = 0;
  for (const Account* a : server.accounts().all()) f.subscriptions += a->sublist().count();
  return f;
}

json build_varz(Server& server, double cpu, json http_req_stats) {
  const Options& o = server.opts();
  const Figures f = gather_figures(server, cpu);

  json j;
  j["server_id"] = server.server_id();
  j["server_name"] = server.server_name();
  j["version"] = kCompatServerVersion;
  j["proto"] = kProtoVersion;
  j["go"] = "natsd";
  j["host"] = o.host;
  j["port"] = server.client_port();
  if (server.auth_required()) j["auth_required"] = true;
  if (o.tls || o.tls_verify) j["tls_required"] = true;
  if (o.tls_verify) j["tls_verify"] = true;
  j["max_connections"] = o.max_connections;
  if (o.max_subscriptions > 0) j["max_subscriptions"] = o.max_subscriptions;
  j["ping_interval"] = o.ping_interval_ns();  // a Go time.Duration: integer nanoseconds
  j["ping_max"] = o.max_pings_out;
  j["http_host"] = o.http_host;
  j["http_port"] = o.http_port;
  j["http_base_path"] = o.http_base_path;
  j["https_port"] = o.https_port;
  j["auth_timeout"] = seconds_float(o.auth_timeout_ns());
  j["max_control_line"] = o.max_control_line;
  j["max_payload"] = o.max_payload;
  j["max_pending"] = o.max_pending;
  j["cluster"] = json::object();
  j["gateway"] = json::object();
  j["leaf"] = json::object();
  j["mqtt"] = json::object();
  j["websocket"] = json::object();
  j["jetstream"] = json::object();
  j["tls_timeout"] = seconds_float(o.tls_timeout_ns());
  j["write_deadline"] = o.write_deadline_ns();
  j["start"] = rfc3339_utc(server.start_time_ns());
  j["now"] = rfc3339_utc(f.now_ns);
  j["uptime"] = format_uptime(f.uptime_ns);
  j["mem"] = f.mem;
  j["cores"] = available_cores();
  j["gomaxprocs"] = server.loops().size();
  j["cpu"] = go_float(f.cpu);
  j["connections"] = f.connections;
  j["total_connections"] = f.total_connections;
  j["routes"] = 0;
  j["remotes"] = 0;
  j["leafnodes"] = 0;
  j["in_msgs"] = f.in_msgs;
  j["out_msgs"] = f.out_msgs;
  j["in_bytes"] = f.in_bytes;
  j["out_bytes"] = f.out_bytes;
  j["slow_consumers"] = f.slow_consumers;
  j["subscriptions"] = f.subscriptions;
  j["http_req_stats"] = std::move(http_req_stats);
  j["config_load_time"] = rfc3339_utc(server.config_load_time_ns());
  j["config_digest"] = "";
  if (const Account* sys = server.accounts().system()) j["system_account"] = sys->name();
  j["slow_consumer_stats"] = {
      {"clients", f.slow_consumers}, {"routes", 0}, {"gateways", 0}, {"leafs", 0}};
  j["natsd_version"] = kNatsdVersion;
  return j;
}

std::optional<std::string> build_connz(Server& server, const ConnzOptions& o, json& out) {
  using State = ConnzOptions::State;
  if (o.sort == ConnzSort::kStop && o.state != State::kClosed)
    return "sort by stop only valid on closed connections";
  if (o.sort == ConnzSort::kReason && o.state != State::kClosed)
    return "sort by reason only valid on closed connections";
  ConnzPage page;
  page.sort = o.sort;
  page.offset = std::max(clamp_int(o.offset), 0);
  page.limit = o.limit <= 0 ? kDefaultConnListSize : clamp_int(o.limit);
  const uint64_t cid = o.cid;
  if (cid > 0) page.limit = 1;
  const ConnzRender render{o.subs, o.details, o.auth};
  const std::string& acc = o.account;
  const std::string& user = o.user;

  const bool acc_matches = acc.empty() || server.accounts().find(acc) != nullptr;
  auto wanted = [&](const ConnInfo& c) {
    if (!acc.empty() && c.account != acc) return false;
    if (!user.empty() && c.user != user) return false;
    if (!o.mqtt_client.empty()) return false;  // no MQTT clients yet
    return true;
  };

  std::vector<ConnInfo> conns;
  size_t total = 0;
  bool found_open = false;
  if (o.state != State::kClosed && acc_matches) {
    std::mutex mu;
    size_t open = 0;
    server.for_each_client([&](ClientConnection& c) {
      const bool pick = cid == 0 || c.cid() == cid;
      std::optional<ConnInfo> ci;
      if (pick) ci = make_conn_info(c, o.subs, o.details);
      std::lock_guard lock(mu);
      ++open;
      if (ci && wanted(*ci)) conns.push_back(std::move(*ci));
    });
    total += open;
    found_open = cid > 0 && !conns.empty();
  }
  if (o.state != State::kOpen) {
    std::vector<ConnInfo> closed = server.closed_clients().snapshot();
    for (ConnInfo& c : closed) {
      if (!acc.empty() && c.account != acc) continue;
      ++total;
      if (found_open) continue;
      if (cid > 0) {
        // Only the first record of that cid (cids are never reused).
        if (c.cid == cid && !std::any_of(conns.begin(), conns.end(),
                                         [&](const ConnInfo& x) { return x.cid == cid; })) {
          if (wanted(c)) conns.push_back(std::move(c));
        }
        continue;
      }
      if (wanted(c)) conns.push_back(std::move(c));
    }
  }
  // An account's own view counts only its connections, as nats-server's per-account Connz.
  if (!acc.empty() && o.state == State::kOpen) total = conns.size();

  const int64_t now = wall_nanos();
  std::vector<ConnInfo> selected = connz_select(std::move(conns), page, now);
  json j;
  j["server_id"] = server.server_id();
  j["now"] = rfc3339_utc(now);
  j["num_connections"] = selected.size();
  j["total"] = total;
  j["offset"] = page.offset;
  j["limit"] = page.limit;
  json list = json::array();
  for (const ConnInfo& c : selected) list.push_back(conn_info_json(c, render, now));
  j["connections"] = std::move(list);
  out = std::move(j);
  return std::nullopt;
}

std::optional<std::string> build_subsz(Server& server, const SubszOptions& o, json& out) {
  const std::string& test = o.test;
  const std::string& acc = o.account;
  if (!test.empty() && !is_valid_literal_subject(test))
    return fmt::format("invalid test subject, must be valid publish subject: {}", test);
  const int off = std::max(clamp_int(o.offset), 0);
  const int lim = o.limit <= 0 ? kDefaultSubListSize : clamp_int(o.limit);
  SublistStats stats;
  bool acc_matches = acc.empty();
  if (acc.empty()) {
    for (const Account* a : server.accounts().all()) stats.add(a->sublist().stats());
  } else if (const Account* a = server.accounts().find(acc)) {
    stats = a->sublist().stats();
    acc_matches = true;
  }

  std::vector<SubDetail> details;
  if (o.subs && acc_matches) {
    std::mutex mu;
    server.for_each_client([&](ClientConnection& c) {
      std::vector<SubDetail> mine = c.subscription_details();
      std::lock_guard lock(mu);
      for (SubDetail& d : mine) {
        if (!test.empty() && !subject_matches(d.subject, test)) continue;
        if (!acc.empty() && d.account != acc) continue;
        details.push_back(std::move(d));
      }
    });
    // Loops answer in any order: list by connection, then subscription id, for stable pages.
    std::sort(details.begin(), details.end(), [](const SubDetail& a, const SubDetail& b) {
      return a.cid != b.cid ? a.cid < b.cid : a.sid < b.sid;
    });
  }
  const size_t first = std::min(size_t(off), details.size());
  const size_t last = first + std::min(size_t(lim), details.size() - first);

  // Like nats-server, an empty list leaves only the sublist figures.
  if (first == last && !o.always_paging) {
    out = sublist_stats_json(stats);
    return std::nullopt;
  }
  json j;
  j["server_id"] = server.server_id();
  j["now"] = rfc3339_utc(wall_nanos());
  j.update(sublist_stats_json(stats));
  j["total"] = details.size();
  j["offset"] = off;
  j["limit"] = lim;
  json list = json::array();
  for (size_t i = first; i < last; ++i) list.push_back(sub_detail_json(details[i]));
  if (!list.empty()) j["subscriptions_list"] = std::move(list);  // omitempty
  out = std::move(j);
  return std::nullopt;
}

json build_routez(Server& server) {
  json j;
  j["server_id"] = server.server_id();
  j["server_name"] = server.server_name();
  j["now"] = rfc3339_utc(wall_nanos());
  j["num_routes"] = 0;
  j["routes"] = json::array();
  return j;
}

json build_gatewayz(Server& server) {
  json j;
  j["server_id"] = server.server_id();
  j["now"] = rfc3339_utc(wall_nanos());
  j["outbound_gateways"] = json::object();
  j["inbound_gateways"] = json::object();
  return j;
}

json build_leafz(Server& server) {
  json j;
  j["server_id"] = server.server_id();
  j["now"] = rfc3339_utc(wall_nanos());
  j["leafnodes"] = 0;
  j["leafs"] = json::array();
  return j;
}

json build_jsz(Server& server) {
  // JetStream is not available yet: nats-server's answer when it is disabled.
  json j;
  j["server_id"] = server.server_id();
  j["now"] = rfc3339_utc(wall_nanos());
  j["disabled"] = true;
  j["config"] = {{"max_memory", 0}, {"max_storage", 0}};
  j["memory"] = 0;
  j["storage"] = 0;
  j["reserved_memory"] = 0;
  j["reserved_storage"] = 0;
  j["accounts"] = 0;
  j["ha_assets"] = 0;
  j["api"] = {{"total", 0}, {"errors", 0}};
  j["streams"] = 0;
  j["consumers"] = 0;
  j["messages"] = 0;
  j["bytes"] = 0;
  return j;
}

std::optional<std::string> build_accountz(Server& server, const std::string& acc, json& out) {
  json j;
  j["server_id"] = server.server_id();
  j["now"] = rfc3339_utc(wall_nanos());
  if (const Account* sys = server.accounts().system()) j["system_account"] = sys->name();
  if (acc.empty()) {
    json names = json::array();
    for (const Account* a : server.accounts().all()) names.push_back(a->name());
    j["accounts"] = std::move(names);
    out = std::move(j);
    return std::nullopt;
  }
  const Account* a = server.accounts().find(acc);
  if (a == nullptr) return fmt::format("Account {} does not exist", acc);
  j["account_detail"] =
      account_detail_json(*a, server.start_time_ns(), a == server.accounts().system());
  out = std::move(j);
  return std::nullopt;
}

json build_healthz(const HealthzOptions& o, int& status) {
  std::string problem;
  if (o.account.empty() && !o.stream.empty()) {
    problem = "\"account\" must not be empty when checking stream health";
  } else if (o.stream.empty() && !o.consumer.empty()) {
    problem = "\"stream\" must not be empty when checking consumer health";
  }
  // Without JetStream there is nothing else to check: the server is up if it answers.
  json j;
  if (problem.empty()) {
    status = 200;
    j["status"] = "ok";
    return j;
  }
  status = 400;
  j["status"] = "error";
  if (o.details) {
    j["errors"] = json::array({{{"type", "BAD_REQUEST"}, {"error", problem}}});
  } else {
    j["error"] = problem;
  }
  return j;
}

}  // namespace nats
