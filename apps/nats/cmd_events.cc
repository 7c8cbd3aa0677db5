// nats events: watches the server's advisories and prints them in natscli's style: client
// connections ($SYS.ACCOUNT.*.CONNECT), disconnections ($SYS.ACCOUNT.*.DISCONNECT) and
// authentication errors ($SYS.SERVER.*.CLIENT.AUTH.ERR) by default; --all adds JetStream
// advisories and metrics. The $SYS subjects carry events only for users of the system account.

#include <fmt/format.h>

#include <mutex>
#include <regex>
#include <thread>

#include "commands.h"
#include "event_render.h"

namespace nats::cli {

namespace {

struct EventsFlags {
  bool all = false;
  bool json = false;
  bool short_format = false;
  bool srv_advisory = true;
  bool js_advisory = false;
  bool js_metric = false;
  std::vector<std::string> subjects;
  std::string filter;
  int64_t count = 0;
};

struct Source {
  std::string subject;
  std::string what;
};

int run_events(const GlobalFlags& g, const EventsFlags& f) {
  install_interrupt_handler();
  std::optional<std::regex> filter;
  if (!f.filter.empty()) {
    try {
      filter.emplace(f.filter, std::regex::icase);
    } catch (const std::regex_error& e) {
      return print_error("invalid --filter expression: " + std::string(e.what()));
    }
  }
  std::vector<Source> sources;
  if (f.js_advisory || f.all) sources.push_back({"$JS.EVENT.ADVISORY.>", "Advisories"});
  if (f.js_metric || f.all) sources.push_back({"$JS.EVENT.METRIC.>", "Metrics"});
  if (f.srv_advisory || f.all) {
    sources.push_back({"$SYS.ACCOUNT.*.CONNECT", "Client Connection events"});
    sources.push_back({"$SYS.ACCOUNT.*.DISCONNECT", "Client Disconnection events"});
    sources.push_back({"$SYS.SERVER.*.CLIENT.AUTH.ERR", "Authentication Errors events"});
  }
  for (const auto& s : f.subjects) sources.push_back({s, "advisories"});
  if (sources.empty()) return print_error("no events were chosen");

  auto nc = connect(g);
  if (!nc) return 1;
  std::mutex mu;
  int64_t shown = 0;
  std::vector<client::Subscription> subs;
  for (const Source& s : sources) {
    auto sub = nc->subscribe(s.subject, [&](client::Message m) {
      if (filter && !std::regex_search(m.data().begin(), m.data().end(), *filter)) return;
      std::lock_guard lock(mu);
      if (f.count > 0 && shown >= f.count) return;
      if (f.json) {
        fmt::print("{}\n", m.data());
      } else {
        fmt::print("{}\n",
                   render_event(m.subject(), m.data(),
                                f.short_format ? EventFormat::kShort : EventFormat::kExtended));
      }
      std::fflush(stdout);
      ++shown;
    });
    if (!sub) return print_error(sub.status());
    subs.push_back(std::move(sub.value()));
    if (!f.json) fmt::print("Listening for {} on {}\n", s.what, s.subject);
  }
  if (auto st = nc->flush(g.timeout_ms()); !st) return print_error(st);
  if (!f.json) fmt::print("\n");
  std::fflush(stdout);
  while (!interrupted()) {
    {
      std::lock_guard lock(mu);
      if (f.count > 0 && shown >= f.count) break;
    }
    if (!nc->is_connected() && nc->state() == client::ConnState::kClosed) {
      return print_error("connection closed");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& s : subs) (void)s.unsubscribe();
  return 0;
}

}  // namespace

void add_events_command(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<EventsFlags>();
  CLI::App* cmd = app.add_subcommand("events", "Show Advisories and Events");
  cmd->alias("event");
  cmd->footer(
      "Server advisories ($SYS.ACCOUNT.*.CONNECT, .DISCONNECT, $SYS.SERVER.*.CLIENT.AUTH.ERR)\n"
      "reach users of the system account only: connect with its credentials (e.g. --context\n"
      "system). Stop with Ctrl-C, or after --count events.");
  cmd->add_flag("-a,--all", f->all, "Show all events");
  cmd->add_flag("-j,--json", f->json, "Produce JSON output (each event as received)");
  cmd->add_flag("--short", f->short_format, "Short event format");
  cmd->add_option("--filter", f->filter,
                  "Show only events whose JSON matches this regular expression (any case)");
  cmd->add_flag("--js-metric", f->js_metric, "Shows JetStream metric events");
  cmd->add_flag("--js-advisory", f->js_advisory, "Shows JetStream advisory events");
  cmd->add_flag("--srv-advisory,!--no-srv-advisory", f->srv_advisory,
                "Shows NATS Server advisories (default on)");
  cmd->add_option("--subjects", f->subjects, "Show advisories and metrics on these subjects too")
      ->allow_extra_args(false);
  cmd->add_option("--count", f->count, "Stop after this many events (nats-cpp extension)");
  cmd->callback([&g, f] { g.exit_code = run_events(g, *f); });
}

}  // namespace nats::cli
