// nats: the command-line tool, with natscli's verbs and flags (pub, sub, req, reply, bench,
// server, micro, account, context, events). Installed also as nats-pub, nats-sub and nats-req: the
// same binary, whose name picks the verb, so `nats-pub foo hi` is `nats pub foo hi`.

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "commands.h"

namespace {

// nats-pub -> "pub"; "" for the plain tool.
std::string verb_from_program_name(std::string_view argv0) {
  const size_t slash = argv0.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1);
  for (std::string_view verb : {"pub", "sub", "req"}) {
    if (name == "nats-" + std::string(verb)) return std::string(verb);
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "NATS utility: publish, subscribe, request, reply, benchmark, inspect servers, services "
      "and accounts, manage JetStream streams, consumers, key-value and object stores, manage "
      "contexts and watch events",
      "nats"};
  app.require_subcommand(1);
  app.fallthrough();  // connection flags may come before or after the verb
  nats::cli::GlobalFlags g;
  nats::cli::add_global_flags(app, g);
  nats::cli::add_pub_command(app, g);
  nats::cli::add_sub_command(app, g);
  nats::cli::add_req_command(app, g);
  nats::cli::add_reply_command(app, g);
  nats::cli::add_bench_command(app, g);
  nats::cli::add_server_command(app, g);
  nats::cli::add_micro_command(app, g);
  nats::cli::add_account_command(app, g);
  nats::cli::add_context_command(app, g);
  nats::cli::add_events_command(app, g);
  nats::cli::add_stream_command(app, g);
  nats::cli::add_consumer_command(app, g);
  nats::cli::add_kv_command(app, g);
  nats::cli::add_object_command(app, g);

  std::vector<std::string> args;
  const std::string verb = verb_from_program_name(argc > 0 ? argv[0] : "nats");
  if (!verb.empty()) {
    app.name("nats-" + verb);
    args.push_back(verb);
  }
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  // CLI11 takes the arguments in reverse order.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return g.exit_code;
}
