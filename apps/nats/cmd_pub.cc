// nats pub SUBJECT [BODY]: publishes a message, or --count of them with body templates.

#include <fmt/format.h>

#include <thread>

#include "base/clock.h"
#include "body_template.h"
#include "commands.h"

namespace nats::cli {

namespace {

struct PubFlags {
  std::string subject;
  std::string body;
  std::string reply;
  std::vector<std::string> headers;
  int64_t count = 1;
  std::string sleep = "0s";
  bool quiet = false;
};

int run_pub(const GlobalFlags& g, const PubFlags& f) {
  const auto msg = prepare_message(f.body, f.headers);
  if (!msg) return 1;
  const auto sleep = duration_flag("--sleep", f.sleep);
  auto nc = connect(g);
  if (!nc) return 1;
  for (int64_t i = 1; i <= f.count; ++i) {
    const std::string body = msg->body.render(TemplateContext{uint64_t(i), wall_nanos(), {}});
    const client::Status s = msg->publish(*nc, f.subject, f.reply, body);
    if (!s) {
      return print_error(s);
    }
    if (f.count == 1 && !f.quiet) {
      log_line(fmt::format("Published {} bytes to \"{}\"", body.size(), f.subject));
    }
    if (sleep.count() > 0 && i < f.count) {
      if (client::Status fs = nc->flush(g.timeout_ms()); !fs) {
        return print_error(fs);
      }
      std::this_thread::sleep_for(sleep);
    }
  }
  if (client::Status s = nc->flush(g.timeout_ms()); !s) {
    return print_error(s);
  }
  if (f.count > 1 && !f.quiet) {
    log_line(fmt::format("Published {} messages to \"{}\"", f.count, f.subject));
  }
  return 0;
}

}  // namespace

void add_pub_command(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<PubFlags>();
  CLI::App* cmd = app.add_subcommand("pub", "Generic data publish utility");
  cmd->footer(
      "Body templates: {{Count}} message number, {{TimeStamp}} RFC 3339 time, {{Unix}}, "
      "{{UnixNano}}, {{Time}}, {{ID}} unique id.\n"
      "Example: nats pub orders.new 'order {{Count}} at {{TimeStamp}}' --count 10");
  cmd->add_option("subject", f->subject, "Subject to publish to")->required();
  cmd->add_option("body", f->body, "Message body (a template)");
  cmd->add_option("--reply", f->reply, "Sets a custom reply subject");
  cmd->add_option("-H,--header", f->headers, "Adds headers to the message: -H Key:Value")
      ->allow_extra_args(false);
  cmd->add_option("--count", f->count, "Publish multiple messages")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--sleep", f->sleep, "When publishing multiple messages, sleep between them")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", f->quiet, "Show just the output received");
  cmd->callback([&g, f] { g.exit_code = run_pub(g, *f); });
}

}  // namespace nats::cli
