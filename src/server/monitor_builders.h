#pragma once
// The JSON bodies of nats-server's monitoring endpoints, built from decoded options. Two front
// doors use them: the HTTP monitor (server/monitor.h) decodes query parameters, the system
// account (server/system_account.h) decodes a request's JSON; both get the same answers.
//
// The builders that read connection state (connz, subsz with subscriptions) wait for every loop
// through Server::for_each_client: never call them on a loop thread. The others are cheap and
// may run anywhere.

#include <cstdint>
#include <optional>
#include <string>

#include "server/monitor_util.h"

namespace nats {

class Server;

// Process figures shared by /varz, /metrics and STATSZ.
int64_t resident_bytes();
int64_t process_cpu_nanos();
int available_cores();  // CPUs this process may run on (Go's runtime.NumCPU)

// Runtime figures shared by /varz, /metrics and STATSZ.
struct Figures {
  int64_t now_ns = 0;
  int64_t uptime_ns = 0;
  int64_t mem = 0;
  double cpu = 0;
  size_t connections = 0;
  uint64_t total_connections = 0;
  uint64_t in_msgs = 0, out_msgs = 0, in_bytes = 0, out_bytes = 0;
  uint64_t slow_consumers = 0, stale_connections = 0, stalls = 0;
  size_t subscriptions = 0;
};
Figures gather_figures(Server& server, double cpu);

// /varz. `http_req_stats` is the monitor's count of requests per endpoint (an empty object
// without a monitor).
MonitorJson build_varz(Server& server, double cpu, MonitorJson http_req_stats);

// nats-server's ConnzOptions.
struct ConnzOptions {
  enum class State { kOpen = 0, kClosed = 1, kAll = 2 };  // nats-server's ConnState numbers
  ConnzSort sort = ConnzSort::kCid;
  bool auth = false;     // "auth"
  bool subs = false;     // "subscriptions"
  bool details = false;  // "subscriptions_detail"
  int64_t offset = 0;
  int64_t limit = 0;
  uint64_t cid = 0;
  State state = State::kOpen;
  std::string user, account, mqtt_client;
};
// /connz; on bad options returns nats-server's error text and leaves `out` alone.
// Waits for the loops.
std::optional<std::string> build_connz(Server& server, const ConnzOptions& o, MonitorJson& out);

// nats-server's SubszOptions.
struct SubszOptions {
  int64_t offset = 0;
  int64_t limit = 0;
  bool subs = false;  // "subscriptions"
  std::string account, test;
  // nats-server's HTTP /subsz drops id, time and paging when nothing is listed; its $SYS
  // service always sends them.
  bool always_paging = false;
};
// /subsz; waits for the loops when subscriptions are listed.
std::optional<std::string> build_subsz(Server& server, const SubszOptions& o, MonitorJson& out);

MonitorJson build_routez(Server& server);
MonitorJson build_gatewayz(Server& server);
MonitorJson build_leafz(Server& server);
MonitorJson build_jsz(Server& server);

// /accountz: the list of accounts, or one account's details (error if unknown).
std::optional<std::string> build_accountz(Server& server, const std::string& account,
                                          MonitorJson& out);

// /healthz without JetStream: {"status":"ok"}, or the error for inconsistent options (then
// `status` is 400).
struct HealthzOptions {
  bool details = false;
  std::string account, stream, consumer;
};
MonitorJson build_healthz(const HealthzOptions& o, int& status);

}  // namespace nats
