#pragma once
// What a configuration reload would change, and whether it may: nats-server's rules
// (server/reload.go) for the options natsd has.
//
// Reloadable: logging; authorization (users, nkeys, token, single user, default_permissions,
// auth timeout, and no_auth_user only where nats-server allows it); TLS (certificates, CA,
// verify, verify_and_map, ciphers, curves, minimum version, pinned certificates, timeout,
// handshake_first); limits and timers (max_connections, max_subscriptions, max_payload,
// max_pending, max_control_line, ping_interval, ping_max, write_deadline, lame duck timing,
// max_traced_msg_len); pid_file and ports_file_dir. Accounts and mappings can't change yet
// (nats-server reloads them). Anything else refuses the whole reload
// with nats-server's message, e.g. "config reload not supported for Port: old=4222, new=5222".

#include <string>
#include <vector>

#include "server/options.h"

namespace nats {

struct ReloadPlan {
  std::string error;                 // non-empty: the reload is refused
  std::vector<std::string> changed;  // option names that changed, for the log
  bool logging = false;
  bool authorization = false;  // clients must be checked again
  bool tls = false;            // a new TLS context for new connections
  bool max_connections = false;
  bool limits = false;  // per-connection limits (max_payload, max_subscriptions, ...)
  bool process_files = false;  // pid_file or ports_file_dir
  bool any() const { return !changed.empty(); }
};

ReloadPlan plan_reload(const Options& now, const Options& next);

// Copies every option plan_reload() lets change from `from` into `to`.
void copy_reloadable(Options& to, const Options& from);

}  // namespace nats
