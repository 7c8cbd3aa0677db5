// nats reply SUBJECT [BODY]: a quick service that answers every request with a fixed body (a
// template) or with what --command prints.

#include <fmt/format.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "base/clock.h"
#include "body_template.h"
#include "commands.h"

namespace nats::cli {

namespace {

struct ReplyFlags {
  std::string subject;
  std::string body;
  std::string command;
  std::string queue = "NATS-RPLY-22";  // natscli's default group
  std::vector<std::string> headers;
  bool echo = false;
  int64_t count = 0;
  std::string sleep = "0s";
};

// Runs `command` with /bin/sh, the request body on its standard input and the subject in
// NATS_REQUEST_SUBJECT; returns what it printed.
std::string run_command(const std::string& command, const client::Message& m) {
  char path[] = "/tmp/nats-reply-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return "nats: cannot create a temporary file";
  FILE* in = fdopen(fd, "w");
  std::fwrite(m.data().data(), 1, m.data().size(), in);
  std::fclose(in);
  setenv("NATS_REQUEST_SUBJECT", std::string(m.subject()).c_str(), 1);
  setenv("NATS_REQUEST_BODY", std::string(m.data()).c_str(), 1);
  const std::string full = "(" + command + ") < " + path;
  std::string out;
  if (FILE* p = popen(full.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    pclose(p);
  }
  std::remove(path);
  return out;
}

int run_reply(const GlobalFlags& g, const ReplyFlags& f) {
  const auto msg = prepare_message(f.body, f.headers);
  if (!msg) return 1;
  if (f.body.empty() && f.command.empty() && !f.echo) {
    return print_error("give a body, --command or --echo");
  }
  const auto sleep = duration_flag("--sleep", f.sleep);
  install_interrupt_handler();
  auto nc = connect(g);
  if (!nc) return 1;
  client::Connection* conn = nc.get();
  std::atomic<int64_t> handled{0};
  auto sub = nc->subscribe(f.subject, f.queue, [&](client::Message m) {
    const int64_t n = handled.load() + 1;
    if (f.count > 0 && n > f.count) return;
    fmt::print("[#{}] Received on subject \"{}\":\n", n, m.subject());
    if (m.has_headers()) print_headers(m.headers());
    fmt::print("\n{}\n\n", m.data());
    std::fflush(stdout);
    if (sleep.count() > 0) std::this_thread::sleep_for(sleep);
    std::string body;
    if (f.echo) {
      body = std::string(m.data());
    } else if (!f.command.empty()) {
      body = run_command(f.command, m);
    } else {
      body = msg->body.render(TemplateContext{uint64_t(n), wall_nanos(), m.data()});
    }
    if (!m.reply().empty()) {
      const client::Status s = msg->publish(*conn, m.reply(), "", body);
      if (!s) print_error(s);
    }
    handled.store(n);
  });
  if (!sub) {
    return print_error(sub.status());
  }
  if (client::Status s = nc->flush(g.timeout_ms()); !s) {
    return print_error(s);
  }
  log_line(fmt::format("Listening on \"{}\" in group \"{}\"", f.subject, f.queue));
  while (!interrupted() && (f.count == 0 || handled.load() < f.count) &&
         nc->state() != client::ConnState::kClosed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  (void)nc->flush(g.timeout_ms());  // the last reply leaves before we go
  return 0;
}

}  // namespace

void add_reply_command(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<ReplyFlags>();
  CLI::App* cmd = app.add_subcommand("reply", "Generic service reply utility");
  cmd->footer(
      "The body is a template: {{Count}}, {{Request}} (the request's body), {{TimeStamp}}, ...\n"
      "--command runs through /bin/sh with the request body on standard input and the subject\n"
      "in NATS_REQUEST_SUBJECT; what it prints is the reply.\n"
      "Example: nats reply 'svc.time' --command date");
  cmd->add_option("subject", f->subject, "Subject to subscribe to")->required();
  cmd->add_option("body", f->body, "Reply body (a template)");
  cmd->add_option("--command", f->command, "Runs a command and replies with its output");
  cmd->add_flag("--echo", f->echo, "Echo back what is received");
  cmd->add_option("--queue", f->queue, "Queue group name")->capture_default_str();
  cmd->add_option("-H,--header", f->headers, "Adds headers to the reply: -H Key:Value")
      ->allow_extra_args(false);
  cmd->add_option("--count", f->count, "Quit after answering this many requests")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--sleep", f->sleep, "Sleep this long before answering")->capture_default_str();
  cmd->callback([&g, f] { g.exit_code = run_reply(g, *f); });
}

}  // namespace nats::cli
