// nats server ping | info: what the servers say about themselves. Both ask the system account
// ($SYS.REQ.SERVER.PING[.VARZ]); servers answer only users of that account, so without it
// `ping` says so plainly and `info` shows what the connected server's INFO told us.

#include <fmt/format.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands.h"

namespace nats::cli {

namespace {

using nlohmann::json;

constexpr std::string_view kPingSubject = "$SYS.REQ.SERVER.PING";
constexpr std::string_view kVarzSubject = "$SYS.REQ.SERVER.PING.VARZ";
constexpr std::string_view kNoSystemAccount =
    "no server answered on {}: these requests need a user of the system account "
    "(system_account in the server's configuration)";

struct ServerFlags {
  bool json = false;
  int expect = 0;
};

int run_ping(const GlobalFlags& g, const ServerFlags& f) {
  auto nc = connect(g);
  if (!nc) return 1;
  auto replies = gather_replies(*nc, kPingSubject, "", g.timeout_ms(), f.expect);
  if (replies.empty()) {
    return print_error(fmt::format(kNoSystemAccount, kPingSubject));
  }
  if (f.json) {
    json all = json::array();
    for (auto& [m, rtt] : replies) {
      json r = json::parse(m.data(), nullptr, false);
      all.push_back(r.is_discarded() ? json(std::string(m.data())) : r);
    }
    fmt::print("{}\n", all.dump(2));
    return 0;
  }
  double min_ms = 1e18, max_ms = 0, sum_ms = 0;
  for (auto& [m, rtt] : replies) {
    const json r = json::parse(m.data(), nullptr, false);
    std::string name = "?";
    if (!r.is_discarded() && r.contains("server") && r["server"].is_object()) {
      name = r["server"].value("name", r["server"].value("id", "?"));
    }
    const double ms = std::chrono::duration<double, std::milli>(rtt).count();
    min_ms = std::min(min_ms, ms);
    max_ms = std::max(max_ms, ms);
    sum_ms += ms;
    fmt::print("{:<40} rtt={}\n", name, go_duration(rtt));
  }
  fmt::print("\n---- ping statistics ----\n{} replies max: {:.2f} min: {:.2f} avg: {:.2f}\n",
             replies.size(), max_ms, min_ms, sum_ms / double(replies.size()));
  return 0;
}

int run_info(const GlobalFlags& g, const ServerFlags& f) {
  auto nc = connect(g);
  if (!nc) return 1;
  auto varz = gather_replies(*nc, kVarzSubject, "", g.timeout_ms(), 1);
  if (!varz.empty()) {
    const json r = json::parse(varz.front().msg.data(), nullptr, false);
    if (f.json || r.is_discarded()) {
      fmt::print("{}\n", r.is_discarded() ? std::string(varz.front().msg.data()) : r.dump(2));
      return 0;
    }
    const json& d = r.contains("data") ? r["data"] : r;
    fmt::print("Server information for {} ({})\n\n", d.value("server_name", "?"),
               d.value("server_id", "?"));
    for (const char* key : {"version", "go", "host", "port", "max_payload", "connections",
                            "in_msgs", "out_msgs", "uptime"}) {
      if (d.contains(key)) fmt::print("{:>16}: {}\n", key, d[key].dump());
    }
    return 0;
  }
  // No system account: what the server told this connection.
  const client::ServerInfo info = nc->server_info();
  if (f.json) {
    fmt::print("{}\n", json::parse(info.json, nullptr, false).dump(2));
    return 0;
  }
  auto rtt = nc->rtt(g.timeout_ms());
  fmt::print("Server information for {} ({})\n", info.server_name, info.server_id);
  fmt::print("(from the INFO the server sent: {})\n\n",
             fmt::format(kNoSystemAccount, kVarzSubject));
  fmt::print("{:>16}: {}\n", "Version", info.version);
  fmt::print("{:>16}: {}\n", "Protocol", info.proto);
  fmt::print("{:>16}: {}:{}\n", "Listening", info.host, info.port);
  fmt::print("{:>16}: {}\n", "Max Payload", info.max_payload);
  fmt::print("{:>16}: {}\n", "Headers", info.headers);
  fmt::print("{:>16}: {}\n", "JetStream", info.jetstream);
  fmt::print("{:>16}: {}\n", "Auth Required", info.auth_required);
  fmt::print("{:>16}: {}\n", "TLS Required", info.tls_required);
  fmt::print("{:>16}: {} ({})\n", "Client", info.client_id, info.client_ip);
  if (!info.connect_urls.empty()) {
    fmt::print("{:>16}: {}\n", "Cluster URLs", fmt::join(info.connect_urls, ", "));
  }
  if (rtt) fmt::print("{:>16}: {}\n", "RTT", go_duration(*rtt));
  return 0;
}

}  // namespace

void add_server_command(CLI::App& app, GlobalFlags& g) {
  CLI::App* server = app.add_subcommand("server", "Server information");
  server->require_subcommand(1);
  auto f = std::make_shared<ServerFlags>();
  CLI::App* ping = server->add_subcommand("ping", "Ping all servers");
  ping->add_flag("--json", f->json, "Produce JSON output");
  ping->add_option("--count", f->expect, "Stop after this many servers answered");
  ping->callback([&g, f] { g.exit_code = run_ping(g, *f); });
  CLI::App* info = server->add_subcommand("info", "Show information about a single server");
  info->add_flag("--json", f->json, "Produce JSON output");
  info->callback([&g, f] { g.exit_code = run_info(g, *f); });
  add_server_check_command(*server, g);
}

}  // namespace nats::cli
