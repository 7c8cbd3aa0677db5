// Config reload: re-read the file, check what changed against nats-server's rules
// (server/reload_plan.h), publish a new generation of options, authenticator and TLS context,
// and bring connected clients in line with it on their own loops.

#include <unistd.h>

#include <atomic>

#include "base/clock.h"
#include "base/logger.h"
#include "server/client_connection.h"
#include "server/reload_plan.h"
#include "server/server.h"

namespace nats {

bool Server::reload(std::string* error_out) {
  // The signal thread and the system account's thread may both ask; one at a time.
  std::lock_guard reload_lock(reload_mu_);
  auto refuse = [error_out](const std::string& why) {
    log_error("Failed to reload server configuration: {}", why);
    if (error_out != nullptr) *error_out = why;
    return false;
  };
  const Generation& now = *current();
  if (!reload_source_ || now.opts.config_file.empty()) {
    return refuse("no configuration file was given (-c)");
  }
  Options next;
  std::string error;
  if (!reload_source_(next, error)) return refuse(error);
  const ReloadPlan plan = plan_reload(now.opts, next);
  if (!plan.error.empty()) return refuse(plan.error);

  // Certificates and keys are read now: a bad one refuses the reload, as in nats-server.
  std::unique_ptr<Generation> gen = make_generation(std::move(next), &error);
  if (gen == nullptr) return refuse(error);
  gen->authenticator->adopt_verified_passwords(*now.authenticator);
  if (plan.logging && !Logger::instance().configure(logger_settings(gen->opts))) {
    return refuse("unable to open log file " + gen->opts.log_file);
  }
  ensure_workers(*gen->authenticator);
  if (plan.process_files) remove_pid_and_ports_files();

  const Generation* published = gen.get();
  generations_.push_back(std::move(gen));  // the signal thread is the only writer
  current_.store(published, std::memory_order_release);

  if (plan.process_files) {
    if (!published->opts.pid_file.empty()) write_pid_file();
    write_ports_file();
  }
  if (plan.authorization || plan.limits) {
    // Checking a client again also re-reads its limits (the smaller of server and account).
    for_each_client([](ClientConnection& c) { c.reauthorize(); });
  }
  if (plan.max_connections) apply_max_connections(published->opts.max_connections);
  for (const std::string& name : plan.changed) log_notice("Reloaded: {}", name);
  config_load_ns_.store(wall_nanos());
  log_notice("Reloaded server configuration");
  return true;
}

void Server::apply_max_connections(int max) {
  const size_t limit = size_t(std::max(max, 0));
  const size_t n = num_clients();
  if (n <= limit) return;
  std::atomic<size_t> to_close{n - limit};
  std::atomic<size_t> closed{0};
  for_each_client([&](ClientConnection& c) {
    size_t left = to_close.load();
    while (left > 0 && !to_close.compare_exchange_weak(left, left - 1)) {
    }
    if (left == 0) return;
    c.close_over_limit();
    closed.fetch_add(1);
  });
  log_notice("Closed {} connections to fall within max_connections", closed.load());
}

}  // namespace nats
