// nats sub SUBJECT: prints the messages that arrive, until Ctrl-C or --count of them.

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "commands.h"

namespace nats::cli {

namespace {

struct SubFlags {
  std::string subject;
  std::string queue;
  bool raw = false;
  bool headers_only = false;
  int64_t count = 0;
};

void print_message(const client::Message& m, uint64_t n, const SubFlags& f) {
  if (f.raw) {
    fmt::print("{}\n", m.data());
    return;
  }
  if (m.reply().empty()) {
    fmt::print("[#{}] Received on \"{}\"\n", n, m.subject());
  } else {
    fmt::print("[#{}] Received on \"{}\" with reply \"{}\"\n", n, m.subject(), m.reply());
  }
  if (m.has_headers()) {
    print_headers(m.headers());
    fmt::print("\n");
  }
  if (!f.headers_only) fmt::print("{}\n\n", m.data());
}

int run_sub(const GlobalFlags& g, const SubFlags& f) {
  install_interrupt_handler();
  auto nc = connect(g);
  if (!nc) return 1;
  std::atomic<int64_t> received{0};
  auto sub = nc->subscribe(f.subject, f.queue, [&](client::Message m) {
    const int64_t n = received.load() + 1;
    if (f.count > 0 && n > f.count) return;
    print_message(m, uint64_t(n), f);
    std::fflush(stdout);
    received.store(n);
  });
  if (!sub) {
    return print_error(sub.status());
  }
  if (f.count > 0) (void)sub->auto_unsubscribe(f.count);
  if (client::Status s = nc->flush(g.timeout_ms()); !s) {
    return print_error(s);
  }
  // With --raw stdout carries only message data; the status line goes to stderr.
  log_line(f.queue.empty() ? fmt::format("Subscribing on {}", f.subject)
                           : fmt::format("Subscribing on {} in group {}", f.subject, f.queue),
           f.raw ? stderr : stdout);
  while (!interrupted() && (f.count == 0 || received.load() < f.count) &&
         nc->state() != client::ConnState::kClosed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

}  // namespace

void add_sub_command(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<SubFlags>();
  CLI::App* cmd = app.add_subcommand("sub", "Generic subscription client");
  cmd->add_option("subject", f->subject, "Subject to subscribe to (wildcards allowed)")->required();
  cmd->add_option("--queue", f->queue, "Subscribe to a named queue group");
  cmd->add_flag("-r,--raw", f->raw, "Show the raw data received");
  cmd->add_flag("--headers-only", f->headers_only, "Do not render message bodies");
  cmd->add_option("--count", f->count, "Quit after receiving this many messages")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([&g, f] { g.exit_code = run_sub(g, *f); });
}

}  // namespace nats::cli
