#include "server/reload_plan.h"

#include <fmt/format.h>

namespace nats {

namespace {

std::string show(const std::string& v) { return v; }
std::string show(int v) { return std::to_string(v); }
std::string show(bool v) { return v ? "true" : "false"; }

// The first option that differs among those a reload cannot change, as nats-server words it.
template <typename T>
bool refuse_if_changed(ReloadPlan& plan, const char* go_name, const T& now, const T& next) {
  if (now == next) return false;
  plan.error =
      fmt::format("config reload not supported for {}: old={}, new={}", go_name, show(now), show(next));
  return true;
}

template <typename T>
void note(ReloadPlan& plan, bool& flag, const char* name, const T& now, const T& next) {
  if (now == next) return;
  flag = true;
  plan.changed.emplace_back(name);
}

}  // namespace

ReloadPlan plan_reload(const Options& now, const Options& next) {
  ReloadPlan plan;
  // Never reloadable. Port: a random port (-1) asked for again is the same port.
  if (refuse_if_changed(plan, "Host", now.host, next.host)) return plan;
  if (next.port != kRandomPort && refuse_if_changed(plan, "Port", now.port, next.port)) return plan;
  if (refuse_if_changed(plan, "ServerName", now.server_name, next.server_name)) return plan;
  if (refuse_if_changed(plan, "HTTPHost", now.http_host, next.http_host)) return plan;
  if (refuse_if_changed(plan, "HTTPPort", now.http_port, next.http_port)) return plan;
  if (refuse_if_changed(plan, "HTTPSPort", now.https_port, next.https_port)) return plan;
  if (refuse_if_changed(plan, "HTTPBasePath", now.http_base_path, next.http_base_path)) return plan;
  if (refuse_if_changed(plan, "AllowNonTLS", now.allow_non_tls, next.allow_non_tls)) return plan;
  if (refuse_if_changed(plan, "Routes", now.routes, next.routes)) return plan;
  if (!(now.cluster == next.cluster)) {
    plan.error = "config reload not supported for cluster";
    return plan;
  }
  if (refuse_if_changed(plan, "JetStream", now.jetstream, next.jetstream)) return plan;
  if (refuse_if_changed(plan, "StoreDir", now.store_dir, next.store_dir)) return plan;
  if (refuse_if_changed(plan, "ProfPort", now.profile_port, next.profile_port)) return plan;
  if (refuse_if_changed(plan, "Syslog", now.syslog, next.syslog)) return plan;
  if (refuse_if_changed(plan, "RemoteSyslog", now.remote_syslog, next.remote_syslog)) return plan;
  if (refuse_if_changed(plan, "SystemAccount", now.system_account, next.system_account))
    return plan;
  if (refuse_if_changed(plan, "NoSystemAccount", now.no_system_account, next.no_system_account))
    return plan;
  if (!(now.accounts == next.accounts) || !(now.mappings == next.mappings)) {
    plan.error = "config reload not supported for accounts or mappings (restart natsd)";
    return plan;
  }
  // no_auth_user may only go away together with its user.
  if (now.no_auth_user != next.no_auth_user) {
    bool user_gone = next.no_auth_user.empty();
    for (const User& u : next.users) user_gone = user_gone && u.username != now.no_auth_user;
    for (const NkeyUser& n : next.nkeys) user_gone = user_gone && n.nkey != now.no_auth_user;
    if (!user_gone) {
      plan.error = fmt::format("config reload not supported for NoAuthUser: old={}, new={}",
                               now.no_auth_user, next.no_auth_user);
      return plan;
    }
    plan.authorization = true;
    plan.changed.emplace_back("no_auth_user");
  }

  bool& limits = plan.limits;
  note(plan, plan.logging, "debug", now.debug, next.debug);
  note(plan, plan.logging, "trace", now.trace, next.trace);
  note(plan, plan.logging, "trace_verbose", now.trace_verbose, next.trace_verbose);
  note(plan, plan.logging, "logtime", now.logtime, next.logtime);
  note(plan, plan.logging, "logtime_utc", now.logtime_utc, next.logtime_utc);
  note(plan, plan.logging, "log_file", now.log_file, next.log_file);
  note(plan, plan.logging, "log_size_limit", now.log_size_limit, next.log_size_limit);

  note(plan, plan.authorization, "user", now.username, next.username);
  note(plan, plan.authorization, "password", now.password, next.password);
  note(plan, plan.authorization, "token", now.authorization, next.authorization);
  note(plan, plan.authorization, "users", now.users, next.users);
  note(plan, plan.authorization, "nkeys", now.nkeys, next.nkeys);
  note(plan, plan.authorization, "default_permissions", now.default_permissions,
       next.default_permissions);
  note(plan, plan.authorization, "auth_timeout", now.auth_timeout, next.auth_timeout);

  note(plan, plan.tls, "tls", now.tls || now.tls_verify, next.tls || next.tls_verify);
  note(plan, plan.tls, "tls_verify", now.tls_verify, next.tls_verify);
  note(plan, plan.tls, "tls_cert", now.tls_cert, next.tls_cert);
  note(plan, plan.tls, "tls_key", now.tls_key, next.tls_key);
  note(plan, plan.tls, "tls_ca_cert", now.tls_ca_cert, next.tls_ca_cert);
  note(plan, plan.tls, "tls_certs", now.tls_cert_pairs, next.tls_cert_pairs);
  note(plan, plan.tls, "tls_cipher_suites", now.tls_cipher_suites, next.tls_cipher_suites);
  note(plan, plan.tls, "tls_curve_preferences", now.tls_curve_preferences,
       next.tls_curve_preferences);
  note(plan, plan.tls, "tls_min_version", now.tls_min_version, next.tls_min_version);
  note(plan, limits, "tls_timeout", now.tls_timeout, next.tls_timeout);
  note(plan, limits, "tls_pinned_certs", now.tls_pinned_certs, next.tls_pinned_certs);
  note(plan, limits, "tls_handshake_first", now.tls_handshake_first, next.tls_handshake_first);
  note(plan, limits, "tls_handshake_first_fallback", now.tls_handshake_first_fallback,
       next.tls_handshake_first_fallback);
  // The certificate decides who a client is: mapping on or off changes everyone's identity.
  if (now.tls_map != next.tls_map) {
    plan.authorization = plan.tls = true;
    plan.changed.emplace_back("tls_verify_and_map");
  }
  // TLS on or off changes who must authenticate how; re-check everyone then too.
  if (plan.tls) plan.authorization = true;

  note(plan, plan.max_connections, "max_connections", now.max_connections, next.max_connections);
  note(plan, limits, "max_subscriptions", now.max_subscriptions, next.max_subscriptions);
  note(plan, limits, "max_control_line", now.max_control_line, next.max_control_line);
  note(plan, limits, "max_payload", now.max_payload, next.max_payload);
  note(plan, limits, "max_pending", now.max_pending, next.max_pending);
  note(plan, limits, "no_fast_producer_stall", now.no_fast_producer_stall,
       next.no_fast_producer_stall);
  note(plan, limits, "max_traced_msg_len", now.max_traced_msg_len, next.max_traced_msg_len);
  note(plan, limits, "ping_interval", now.ping_interval, next.ping_interval);
  note(plan, limits, "ping_max", now.max_pings_out, next.max_pings_out);
  note(plan, limits, "write_deadline", now.write_deadline, next.write_deadline);
  note(plan, limits, "lame_duck_duration", now.lame_duck_duration, next.lame_duck_duration);
  note(plan, limits, "lame_duck_grace_period", now.lame_duck_grace_period,
       next.lame_duck_grace_period);
  note(plan, limits, "client_advertise", now.client_advertise, next.client_advertise);
  note(plan, plan.process_files, "pid_file", now.pid_file, next.pid_file);
  note(plan, plan.process_files, "ports_file_dir", now.ports_file_dir, next.ports_file_dir);

  // Belt and braces: with every option above taken from the running set, nothing may differ.
  // A new option that nobody classified is refused rather than silently ignored.
  Options probe = next;
  copy_reloadable(probe, now);
  if (next.port == kRandomPort) probe.port = now.port;
  if (!(probe == now)) plan.error = "config reload not supported for an option that changed";
  return plan;
}

void copy_reloadable(Options& to, const Options& from) {
  assign_logging_options(to, from);
  to.no_auth_user = from.no_auth_user;
  to.username = from.username;
  to.password = from.password;
  to.authorization = from.authorization;
  to.users = from.users;
  to.nkeys = from.nkeys;
  to.default_permissions = from.default_permissions;
  to.auth_timeout = from.auth_timeout;
  to.tls = from.tls;
  to.tls_verify = from.tls_verify;
  to.tls_cert = from.tls_cert;
  to.tls_key = from.tls_key;
  to.tls_ca_cert = from.tls_ca_cert;
  to.tls_cert_pairs = from.tls_cert_pairs;
  to.tls_cipher_suites = from.tls_cipher_suites;
  to.tls_curve_preferences = from.tls_curve_preferences;
  to.tls_min_version = from.tls_min_version;
  to.tls_timeout = from.tls_timeout;
  to.tls_pinned_certs = from.tls_pinned_certs;
  to.tls_handshake_first = from.tls_handshake_first;
  to.tls_handshake_first_fallback = from.tls_handshake_first_fallback;
  to.tls_map = from.tls_map;
  to.max_connections = from.max_connections;
  to.max_subscriptions = from.max_subscriptions;
  to.max_control_line = from.max_control_line;
  to.max_payload = from.max_payload;
  to.max_pending = from.max_pending;
  to.no_fast_producer_stall = from.no_fast_producer_stall;
  to.max_traced_msg_len = from.max_traced_msg_len;
  to.ping_interval = from.ping_interval;
  to.max_pings_out = from.max_pings_out;
  to.write_deadline = from.write_deadline;
  to.lame_duck_duration = from.lame_duck_duration;
  to.lame_duck_grace_period = from.lame_duck_grace_period;
  to.client_advertise = from.client_advertise;
  to.pid_file = from.pid_file;
  to.ports_file_dir = from.ports_file_dir;
  to.accounts_position = from.accounts_position;  // where the block sits in the file
}

}  // namespace nats
