// nats req SUBJECT [BODY]: sends a request and prints the reply with its round-trip time.

#include <fmt/format.h>

#include "base/clock.h"
#include "body_template.h"
#include "commands.h"

namespace nats::cli {

namespace {

struct ReqFlags {
  std::string subject;
  std::string body;
  std::vector<std::string> headers;
  int64_t count = 1;
  bool raw = false;
};

int run_req(const GlobalFlags& g, const ReqFlags& f) {
  const auto msg = prepare_message(f.body, f.headers);
  if (!msg) return 1;
  auto nc = connect(g);
  if (!nc) return 1;
  for (int64_t i = 1; i <= f.count; ++i) {
    const std::string body = msg->body.render(TemplateContext{uint64_t(i), wall_nanos(), {}});
    if (!f.raw) log_line(fmt::format("Sending request on \"{}\"", f.subject));
    const auto start = std::chrono::steady_clock::now();
    auto reply = msg->request(*nc, f.subject, body, g.timeout_ms());
    const auto rtt = std::chrono::steady_clock::now() - start;
    if (!reply) {
      return print_error(reply.status());
    }
    if (f.raw) {
      fmt::print("{}\n", reply->data());
      continue;
    }
    log_line("Received with rtt " + go_duration(rtt));
    if (reply->has_headers()) {
      print_headers(reply->headers());
      fmt::print("\n");
    }
    fmt::print("{}\n\n", reply->data());
  }
  return 0;
}

}  // namespace

void add_req_command(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<ReqFlags>();
  CLI::App* cmd = app.add_subcommand("req", "Generic request-reply request utility");
  cmd->alias("request");
  cmd->footer("The reply is awaited for --timeout. Body templates as in `nats pub`.");
  cmd->add_option("subject", f->subject, "Subject to send the request to")->required();
  cmd->add_option("body", f->body, "Message body (a template)");
  cmd->add_option("-H,--header", f->headers, "Adds headers to the message: -H Key:Value")
      ->allow_extra_args(false);
  cmd->add_option("--count", f->count, "Send this many requests, one after the other")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-r,--raw", f->raw, "Show just the reply body");
  cmd->callback([&g, f] { g.exit_code = run_req(g, *f); });
}

}  // namespace nats::cli
