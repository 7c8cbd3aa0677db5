// nats server check connection: natscli's health check of a connection, for Nagios and
// friends. Connects (timing it), measures the server's rtt, then a full round trip through the
// server (subscribe to an inbox, publish 100 bytes to it, receive them). Prints one line
//   OK Connection OK:connected to nats://127.0.0.1:4222 in 1.2ms OK:rtt time 95µs OK:round trip
//   took 0.000211s | connect_time=0.0012s;0.5000;1.0000 ...
// and exits 0 (OK), 1 (WARNING) or 2 (CRITICAL).

#include <fmt/format.h>

#include "base/clock.h"
#include "check_result.h"
#include "commands.h"
#include "crypto/nuid.h"

namespace nats::cli {

namespace {

struct CheckFlags {
  std::string format = "nagios";
  std::string connect_warn = "500ms", connect_critical = "1s";
  std::string rtt_warn = "500ms", rtt_critical = "1s";
  std::string req_warn = "500ms", req_critical = "1s";
};

double seconds(const std::string& flag, const std::string& text) {
  return double(duration_flag(flag, text).count()) / 1e9;
}

void check_connection(const GlobalFlags& g, const CheckFlags& f, CheckResult& check) {
  const double cw = seconds("--connect-warn", f.connect_warn);
  const double cc = seconds("--connect-critical", f.connect_critical);
  const double rw = seconds("--rtt-warn", f.rtt_warn);
  const double rc = seconds("--rtt-critical", f.rtt_critical);
  const double qw = seconds("--req-warn", f.req_warn);
  const double qc = seconds("--req-critical", f.req_critical);

  std::string error;
  auto opts = connection_options(g, &error);
  if (!opts) {
    check.critical("connection failed: " + error);
    return;
  }
  opts->allow_reconnect = false;
  const int64_t start = mono_nanos();
  auto nc = client::Connection::connect(std::move(*opts));
  if (!nc) {
    check.critical("connection failed: " + nc.status().message());
    return;
  }
  const double ct = double(mono_nanos() - start) / 1e9;
  check.perf({"connect_time", ct, cw, cc, "s", "Time taken to connect to NATS"});
  const std::string url = (*nc)->connected_url();
  const auto ct_ns = std::chrono::nanoseconds(int64_t(ct * 1e9));
  check.threshold(ct, cw, cc, fmt::format("connected to {} in {}", url, go_duration(ct_ns)),
                  fmt::format("connected to {}, connect time exceeded {}", url, cw),
                  fmt::format("connected to {}, connect time exceeded {}", url, cc));

  auto rtt = (*nc)->rtt(g.timeout_ms());
  if (!rtt) {
    check.critical("rtt failed: " + rtt.status().message());
    return;
  }
  const double rtt_s = double(rtt->count()) / 1e6;
  check.perf({"rtt", rtt_s, rw, rc, "s", "The round-trip-time of the connection"});
  check.threshold(rtt_s, rw, rc, "rtt time " + go_duration(*rtt),
                  fmt::format("rtt time exceeded {}", rw), fmt::format("rtt time exceeded {}", rc));

  // A message through the server and back.
  std::string body;
  while (body.size() < 100) body += crypto::next_nuid();
  body.resize(100);
  const std::string inbox = (*nc)->new_inbox();
  auto sub = (*nc)->subscribe_sync(inbox);
  if (!sub) {
    check.critical(fmt::format("could not subscribe to {}: {}", inbox, sub.status().message()));
    return;
  }
  (void)sub->auto_unsubscribe(1);
  const int64_t req_start = mono_nanos();
  if (auto st = (*nc)->publish(inbox, body); !st) {
    check.critical(fmt::format("could not publish to {}: {}", inbox, st.message()));
    return;
  }
  auto got = sub->next_msg(g.timeout_ms());
  if (!got) {
    check.critical(fmt::format("did not receive from {}: {}", inbox, got.status().message()));
    return;
  }
  const double rt = double(mono_nanos() - req_start) / 1e9;
  check.perf({"request_time", rt, qw, qc, "s", "Time taken for a full Request-Reply operation"});
  if (got->data() != body) check.critical("did not receive expected message");
  check.threshold(rt, qw, qc, fmt::format("round trip took {:.6f}s", rt),
                  fmt::format("round trip request took {:.6f}", rt),
                  fmt::format("round trip request took {:.6f}", rt));
}

int run_check_connection(const GlobalFlags& g, const CheckFlags& f) {
  CheckResult check("Connection", "connections");
  check_connection(g, f, check);
  fmt::print("{}\n", f.format == "json" ? check.json() : check.nagios());
  return check.exit_code();
}

}  // namespace

void add_server_check_command(CLI::App& server, GlobalFlags& g) {
  CLI::App* check = server.add_subcommand("check", "Health check for NATS servers");
  check->require_subcommand(1);
  auto f = std::make_shared<CheckFlags>();
  check->add_option("--format", f->format, "Render the check in a specific format")
      ->check(CLI::IsMember({"nagios", "json"}))
      ->capture_default_str();
  check->footer(
      "Checks print one Nagios-style line (or JSON) and exit 0 for OK, 1 for WARNING and 2 for\n"
      "CRITICAL. A threshold of 0 disables it.");
  CLI::App* conn = check->add_subcommand("connection", "Checks basic server connection");
  conn->alias("conn");
  auto dur = [](const std::string& v) {
    return parse_duration(v) && parse_duration(v)->count() >= 0
               ? std::string()
               : "'" + v + "' is not a duration (like 500ms, 1s)";
  };
  conn->add_option("--connect-warn", f->connect_warn,
                   "Warning threshold to allow for establishing connections")
      ->check(dur)
      ->capture_default_str();
  conn->add_option("--connect-critical", f->connect_critical,
                   "Critical threshold to allow for establishing connections")
      ->check(dur)
      ->capture_default_str();
  conn->add_option("--rtt-warn", f->rtt_warn, "Warning threshold to allow for server RTT")
      ->check(dur)
      ->capture_default_str();
  conn->add_option("--rtt-critical", f->rtt_critical, "Critical threshold to allow for server RTT")
      ->check(dur)
      ->capture_default_str();
  conn->add_option("--req-warn", f->req_warn, "Warning threshold to allow for full round trip test")
      ->check(dur)
      ->capture_default_str();
  conn->add_option("--req-critical", f->req_critical,
                   "Critical threshold to allow for full round trip test")
      ->check(dur)
      ->capture_default_str();
  conn->callback([&g, f] { g.exit_code = run_check_connection(g, *f); });
}

}  // namespace nats::cli
