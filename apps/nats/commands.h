#pragma once
// One function per verb: each adds its subcommand, flags and help to the app. The subcommand's
// callback runs the verb and leaves its exit status in GlobalFlags::exit_code.

#include <CLI/CLI.hpp>

#include "cli_common.h"

namespace nats::cli {

void add_pub_command(CLI::App& app, GlobalFlags& g);
void add_sub_command(CLI::App& app, GlobalFlags& g);
void add_req_command(CLI::App& app, GlobalFlags& g);
void add_reply_command(CLI::App& app, GlobalFlags& g);
void add_bench_command(CLI::App& app, GlobalFlags& g);
void add_server_command(CLI::App& app, GlobalFlags& g);
void add_server_check_command(CLI::App& server, GlobalFlags& g);  // under `server`
void add_micro_command(CLI::App& app, GlobalFlags& g);
void add_account_command(CLI::App& app, GlobalFlags& g);
void add_context_command(CLI::App& app, GlobalFlags& g);
void add_events_command(CLI::App& app, GlobalFlags& g);
void add_stream_command(CLI::App& app, GlobalFlags& g);
void add_consumer_command(CLI::App& app, GlobalFlags& g);
void add_kv_command(CLI::App& app, GlobalFlags& g);
void add_object_command(CLI::App& app, GlobalFlags& g);

}  // namespace nats::cli
