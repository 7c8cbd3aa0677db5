// nats server check connection: natscli's health check of a connection, for Nagios and
// friends. Connects (timing it), measures the server's rtt, then a full round trip through the
// server (subscribe to an inbox, publish 100 bytes to it, receive them). Prints one line
//   OK Connection OK:connected to nats://127.0.0.1:4222 in 1.2ms OK:rtt time 95µs OK:round trip
//   took 0.000211s | connect_time=0.0012s;0.5000;1.0000 ...
// and exits 0 (OK), 1 (WARNING) or 2 (CRITICAL).
//
// nats server check stream / consumer: the same for a JetStream stream's message and subject
// counts, and for a consumer's backlog (unacknowledged, waiting pulls, unprocessed,
// redelivered) and the age of its last delivery and ack.

#include <fmt/format.h>

#include "base/clock.h"
#include "check_result.h"
#include "commands.h"
#include "crypto/nuid.h"
#include "js_common.h"
#include "js_format.h"

namespace nats::cli {

namespace {

struct CheckFlags {
  std::string format = "nagios";
  std::string connect_warn = "500ms", connect_critical = "1s";
  std::string rtt_warn = "500ms", rtt_critical = "1s";
  std::string req_warn = "500ms", req_critical = "1s";
  // stream
  std::string stream;
  int64_t msgs_warn = 0, msgs_critical = 0;
  int64_t subjects_warn = 0, subjects_critical = 0;
  // consumer
  std::string consumer;
  int64_t ack_critical = 0, waiting_critical = 0, unprocessed_critical = 0;
  int64_t redelivery_critical = 0;
  std::string last_delivery_critical, last_ack_critical;
};

double seconds(const std::string& flag, const std::string& text) {
  return double(duration_flag(flag, text).count()) / 1e9;
}

// natscli's count thresholds: 0 disables one; a critical below the warning means "too few"
// (a stream that should hold at least so many messages), otherwise "too many".
void count_threshold(CheckResult& check, const std::string& what, int64_t value, int64_t warn,
                     int64_t crit) {
  const bool too_few = crit != 0 && warn != 0 ? crit < warn : false;
  auto hit = [&](int64_t limit) {
    return limit != 0 && (too_few ? value <= limit : value >= limit);
  };
  const char* rel = too_few ? "<=" : ">=";
  if (hit(crit)) {
    check.critical(fmt::format("{}: {} {} {}", what, value, rel, crit));
  } else if (hit(warn)) {
    check.warn(fmt::format("{}: {} {} {}", what, value, rel, warn));
  } else {
    check.ok(fmt::format("{}: {}", what, value));
  }
}

// Fills `js` or reports why not (critical) and returns false.
bool jetstream_for_check(const GlobalFlags& g, CheckResult& check, JsSession& js) {
  std::string error;
  auto opts = connection_options(g, &error);
  if (!opts) {
    check.critical("connection failed: " + error);
    return false;
  }
  opts->allow_reconnect = false;
  auto nc = client::Connection::connect(std::move(*opts));
  if (!nc) {
    check.critical("connection failed: " + nc.status().message());
    return false;
  }
  js.nc = std::move(*nc);
  client::JetStreamOptions jo;
  jo.timeout = g.timeout_ms();
  js.js = std::make_unique<client::JetStream>(*js.nc, jo);
  return true;
}

std::string api_failure(const client::Status& s) {
  return s.code() == client::Errc::kJetStreamNotEnabled
             ? "JetStream is not enabled on this server or account"
             : s.message();
}

void check_stream(const GlobalFlags& g, const CheckFlags& f, CheckResult& check) {
  JsSession js;
  if (!jetstream_for_check(g, check, js)) return;
  auto info = js.js->stream_info(f.stream);
  if (!info) {
    check.critical(fmt::format("stream {}: {}", f.stream, api_failure(info.status())));
    return;
  }
  const auto& st = info->state;
  check.perf({"messages", double(st.messages), double(f.msgs_warn), double(f.msgs_critical), "",
              "Messages in the stream"});
  check.perf({"bytes", double(st.bytes), 0, 0, "B", "Bytes in the stream"});
  check.perf({"subjects", double(st.num_subjects), double(f.subjects_warn),
              double(f.subjects_critical), "", "Subjects in the stream"});
  check.perf({"consumers", double(st.consumer_count), 0, 0, "", "Consumers of the stream"});
  count_threshold(check, "Messages", int64_t(st.messages), f.msgs_warn, f.msgs_critical);
  if (f.subjects_warn != 0 || f.subjects_critical != 0) {
    count_threshold(check, "Subjects", st.num_subjects, f.subjects_warn, f.subjects_critical);
  }
}

// Seconds since an RFC 3339 time; nullopt when there is none (never happened).
std::optional<double> age_seconds(std::string_view rfc3339) {
  if (rfc3339.empty() || is_zero_time(rfc3339)) return std::nullopt;
  auto t = parse_rfc3339(rfc3339);
  if (!t) return std::nullopt;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return double(now - *t) / 1e9;
}

void check_consumer(const GlobalFlags& g, const CheckFlags& f, CheckResult& check) {
  JsSession js;
  if (!jetstream_for_check(g, check, js)) return;
  auto info = js.js->consumer_info(f.stream, f.consumer);
  if (!info) {
    check.critical(
        fmt::format("consumer {} > {}: {}", f.stream, f.consumer, api_failure(info.status())));
    return;
  }
  auto count = [&](const char* name, const char* what, int64_t value, int64_t crit) {
    check.perf({name, double(value), 0, double(crit), "", what});
    check.threshold(double(value), 0, double(crit), fmt::format("{}: {}", what, value), "",
                    fmt::format("{}: {} >= {}", what, value, crit));
  };
  count("ack_pending", "Ack Pending", info->num_ack_pending, f.ack_critical);
  count("pull_waiting", "Waiting Pulls", info->num_waiting, f.waiting_critical);
  count("pending", "Unprocessed Messages", int64_t(info->num_pending), f.unprocessed_critical);
  count("redelivered", "Redelivered Messages", info->num_redelivered, f.redelivery_critical);
  auto age = [&](const char* name, const char* what, const std::string& when,
                 const std::string& crit_text) {
    const auto age = age_seconds(when);
    const double crit = crit_text.empty() ? 0 : seconds(name, crit_text);
    if (!age) {
      if (crit != 0) check.critical(fmt::format("No {}", what));
      return;
    }
    check.perf({name, *age, 0, crit, "s", what});
    check.threshold(*age, 0, crit, fmt::format("{} {:.3f}s ago", what, *age), "",
                    fmt::format("{} {:.3f}s ago, more than {}", what, *age, crit_text));
  };
  age("last_delivery", "Last Delivery", info->delivered.last_active, f.last_delivery_critical);
  age("last_ack", "Last Ack", info->ack_floor.last_active, f.last_ack_critical);
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

template <typename Check>
int run_check(const char* name, const char* suite, const GlobalFlags& g, const CheckFlags& f,
              Check check_fn) {
  CheckResult check(name, suite);
  check_fn(g, f, check);
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
  conn->callback(
      [&g, f] { g.exit_code = run_check("Connection", "connections", g, *f, check_connection); });

  CLI::App* stream = check->add_subcommand("stream", "Checks the health of a JetStream stream");
  stream->add_option("--stream", f->stream, "The stream to check")->required();
  stream->add_option("--msgs-warn", f->msgs_warn,
                     "Warn at this many messages (below --msgs-critical: at this few)");
  stream->add_option("--msgs-critical", f->msgs_critical,
                     "Critical at this many messages (below --msgs-warn: at this few)");
  stream->add_option("--subjects-warn", f->subjects_warn, "Warn at this many subjects");
  stream->add_option("--subjects-critical", f->subjects_critical, "Critical at this many subjects");
  stream->callback([&g, f] { g.exit_code = run_check("Stream", "stream", g, *f, check_stream); });

  CLI::App* consumer = check->add_subcommand("consumer", "Checks the health of a consumer");
  consumer->add_option("--stream", f->stream, "The stream the consumer reads")->required();
  consumer->add_option("--consumer", f->consumer, "The consumer to check")->required();
  consumer->add_option("--outstanding-ack-critical", f->ack_critical,
                       "Critical at this many unacknowledged messages");
  consumer->add_option("--waiting-critical", f->waiting_critical,
                       "Critical at this many waiting pull requests");
  consumer->add_option("--unprocessed-critical", f->unprocessed_critical,
                       "Critical at this many messages not yet delivered");
  consumer->add_option("--redelivery-critical", f->redelivery_critical,
                       "Critical at this many redelivered messages");
  consumer
      ->add_option("--last-delivery-critical", f->last_delivery_critical,
                   "Critical when the last delivery is older than this")
      ->check(dur);
  consumer
      ->add_option("--last-ack-critical", f->last_ack_critical,
                   "Critical when the last ack is older than this")
      ->check(dur);
  consumer->callback(
      [&g, f] { g.exit_code = run_check("Consumer", "consumer", g, *f, check_consumer); });
}

}  // namespace nats::cli
