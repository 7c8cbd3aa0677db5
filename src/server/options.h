#pragma once
// Server options, named and defaulted as nats-server's Options (2.10). Filled from the command
// line (server/flags.h) and, later, a configuration file; read-only once the server starts.
//
// Durations are std::chrono::nanoseconds throughout (nats-server keeps some as float seconds:
// auth_timeout and tls_timeout; those become nanoseconds here too).
//
// Ports: kRandomPort (-1) asks the kernel for a free port (listeners bind port 0 and report the
// real one). A client port of 0 means "not set" and set_baseline_options() turns it into 4222,
// as nats-server does for `-p 0`. Monitoring and profiling ports are off at 0.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/logger.h"
#include "server/account_options.h"
#include "server/auth.h"

namespace nats {

inline constexpr int kDefaultPort = 4222;
inline constexpr int kRandomPort = -1;
inline constexpr const char* kDefaultHost = "0.0.0.0";
// The conventional monitoring port (`-m 8222`); monitoring stays off unless a port is given.
inline constexpr int kDefaultHttpPort = 8222;
inline constexpr const char* kDefaultHttpBasePath = "/";
inline constexpr int32_t kDefaultMaxControlLine = 4096;          // bytes
inline constexpr int32_t kDefaultMaxPayload = 1024 * 1024;       // bytes
inline constexpr int64_t kDefaultMaxPending = 64 * 1024 * 1024;  // bytes per client
inline constexpr int kDefaultMaxConnections = 64 * 1024;
inline constexpr int kDefaultMaxPingsOut = 2;
inline constexpr int kDefaultMaxClosedClients = 10000;
inline constexpr std::chrono::nanoseconds kDefaultPingInterval = std::chrono::minutes(2);
inline constexpr std::chrono::nanoseconds kDefaultWriteDeadline = std::chrono::seconds(10);
inline constexpr std::chrono::nanoseconds kDefaultTlsTimeout = std::chrono::seconds(2);
// Without TLS; with TLS the default is tls_timeout + 1s (see set_baseline_options).
inline constexpr std::chrono::nanoseconds kDefaultAuthTimeout = std::chrono::seconds(2);
inline constexpr std::chrono::nanoseconds kDefaultLameDuckDuration = std::chrono::minutes(2);
inline constexpr std::chrono::nanoseconds kDefaultLameDuckGracePeriod = std::chrono::seconds(10);

struct ClusterOptions {
  std::string name;      // --cluster_name; generated when empty
  std::string host;      // from the listen URL
  int port = 0;          // from the listen URL; 0: no cluster listener
  std::string username;  // from the listen URL's user info
  std::string password;
  std::string listen;         // --cluster / --cluster_listen, e.g. "nats://0.0.0.0:6222"
  std::string advertise;      // --cluster_advertise
  bool no_advertise = false;  // --no_advertise: keep cluster URLs out of client INFO
  int connect_retries = 0;    // --connect_retries, for implicit routes
  std::chrono::nanoseconds auth_timeout{0};
  std::chrono::nanoseconds tls_timeout{0};

  // Member-wise, for config reload: what changed decides whether a reload is allowed.
  bool operator==(const ClusterOptions&) const = default;
};

struct Options {
  // Where the options came from.
  std::string config_file;    // -c
  bool check_config = false;  // -t: validate the configuration file and exit

  // Client listener and identity.
  std::string server_name;          // -n; the server's public key when empty
  std::string host = kDefaultHost;  // -a
  int port = kDefaultPort;          // -p
  std::string client_advertise;     // --client_advertise

  // Limits.
  int max_connections = kDefaultMaxConnections;
  int max_subscriptions = 0;  // per connection; 0 is unlimited
  int32_t max_control_line = kDefaultMaxControlLine;
  int32_t max_payload = kDefaultMaxPayload;
  int64_t max_pending = kDefaultMaxPending;
  // true: a consumer behind on its output never pauses its producers (nats-server 2.11's
  // no_fast_producer_stall); messages for it are dropped by closing it as a slow consumer.
  bool no_fast_producer_stall = false;
  int max_closed_clients = kDefaultMaxClosedClients;

  // Timers.
  std::chrono::nanoseconds ping_interval = kDefaultPingInterval;
  int max_pings_out = kDefaultMaxPingsOut;
  std::chrono::nanoseconds write_deadline = kDefaultWriteDeadline;
  // 0 until set_baseline_options(), because its default depends on whether TLS is on.
  std::chrono::nanoseconds auth_timeout{0};
  std::chrono::nanoseconds lame_duck_duration = kDefaultLameDuckDuration;
  std::chrono::nanoseconds lame_duck_grace_period = kDefaultLameDuckGracePeriod;

  // Monitoring.
  std::string http_host;  // same as host when empty
  int http_port = 0;      // -m; 0 disables
  int https_port = 0;     // -ms; 0 disables
  std::string http_base_path;

  // Logging.
  bool logtime = true;         // -T
  bool logtime_utc = false;    // --logtime_utc
  bool debug = false;          // -D
  bool trace = false;          // -V
  bool trace_verbose = false;  // -VV: trace the system account too
  std::string log_file;        // -l
  int64_t log_size_limit = 0;  // bytes; 0 never rotates
  int max_traced_msg_len = 0;  // 0 is unlimited
  bool syslog = false;         // -s
  std::string remote_syslog;   // -r, e.g. "udp://localhost:514"

  // Process files.
  std::string pid_file;        // -P
  std::string ports_file_dir;  // --ports_file_dir

  // Authorization (single user or token from the command line). The password and token may
  // be bcrypt hashes.
  std::string username;       // --user
  std::string password;       // --pass
  std::string authorization;  // --auth: token
  // Authorization from a configuration file (see server/auth.h for the semantics).
  std::vector<User> users;                         // authorization.users with user/password
  std::vector<NkeyUser> nkeys;                     // authorization.users with nkey
  std::optional<Permissions> default_permissions;  // for users and nkeys without their own
  std::string no_auth_user;  // the user (or nkey) a client without credentials becomes
  // Accounts (server/account_options.h); their users are in `users`/`nkeys` with `account` set.
  std::vector<AccountOptions> accounts;
  std::vector<SubjectMapping> mappings;  // top-level `mappings {}`: the global account's
  std::string accounts_position;         // "file:line:col" of `accounts`, prefixed to its errors
  // The account the server publishes its events in and answers `$SYS.REQ.>` from. Empty: "$SYS",
  // created for the purpose. `no_system_account: true` turns events and services off.
  std::string system_account;
  bool no_system_account = false;

  // TLS for clients.
  bool tls = false;                         // --tls
  bool tls_verify = false;                  // --tlsverify: require and verify client certificates
  std::string tls_cert;                     // --tlscert
  std::string tls_key;                      // --tlskey
  std::string tls_ca_cert;                  // --tlscacert
  std::chrono::nanoseconds tls_timeout{0};  // kDefaultTlsTimeout after baseline
  // The rest of the `tls {}` block (no flags for these).
  bool tls_map = false;  // verify_and_map: the client certificate names the user
  std::vector<std::pair<std::string, std::string>> tls_cert_pairs;  // certs: [{cert_file, key_file}]
  std::vector<std::string> tls_cipher_suites;      // Go names; empty: secure defaults
  std::vector<std::string> tls_curve_preferences;  // Go names; empty: defaults
  uint16_t tls_min_version = 0;                    // 0: TLS 1.2
  std::vector<std::string> tls_pinned_certs;       // lower-case hex SHA-256 of the client's SPKI
  bool tls_handshake_first = false;                // handshake before INFO
  // handshake_first: "auto" or a duration: clients that send nothing this long get INFO first.
  std::chrono::nanoseconds tls_handshake_first_fallback{0};
  bool allow_non_tls = false;  // TLS available, not required: the client's first byte decides

  // Clustering.
  ClusterOptions cluster;
  std::string routes;  // --routes: comma-separated route URLs, as given

  // JetStream.
  bool jetstream = false;  // -js
  std::string store_dir;   // -sd

  // Profiling.
  int profile_port = 0;  // --profile; 0 disables

  // Durations as int64 nanoseconds, the unit of base/clock.h and of Go durations in JSON.
  int64_t ping_interval_ns() const { return ping_interval.count(); }
  int64_t auth_timeout_ns() const { return auth_timeout.count(); }
  int64_t tls_timeout_ns() const { return tls_timeout.count(); }
  int64_t write_deadline_ns() const { return write_deadline.count(); }

  // Member-wise, for config reload: what changed decides whether a reload is allowed.
  bool operator==(const Options&) const = default;
};

// Fills in what nats-server derives rather than defaults, and what a zero from the command line
// or a config file leaves unset: port 0 becomes 4222 (kRandomPort stays), http_host follows
// host, zero limits and timers take their defaults, tls_timeout becomes 2s and auth_timeout 2s
// (tls_timeout + 1s when TLS is on), and cluster settings get theirs when clustering is on.
// Call once, after flags and config are applied.
inline void set_baseline_options(Options& opts) {
  if (opts.host.empty()) opts.host = kDefaultHost;
  if (opts.http_host.empty()) opts.http_host = opts.host;
  if (opts.port == 0) opts.port = kDefaultPort;
  if (opts.max_connections == 0) opts.max_connections = kDefaultMaxConnections;
  if (opts.ping_interval.count() == 0) opts.ping_interval = kDefaultPingInterval;
  if (opts.max_pings_out == 0) opts.max_pings_out = kDefaultMaxPingsOut;
  if (opts.tls_timeout.count() == 0) opts.tls_timeout = kDefaultTlsTimeout;
  const bool tls_on = opts.tls || opts.tls_verify;
  if (opts.auth_timeout.count() == 0) {
    // A TLS client spends part of the auth window on the handshake, so it gets that much more.
    opts.auth_timeout = tls_on ? opts.tls_timeout + std::chrono::seconds(1) : kDefaultAuthTimeout;
  }
  if (opts.cluster.port != 0 || !opts.cluster.listen.empty()) {
    if (opts.cluster.host.empty()) opts.cluster.host = kDefaultHost;
    if (opts.cluster.tls_timeout.count() == 0) opts.cluster.tls_timeout = kDefaultTlsTimeout;
    if (opts.cluster.auth_timeout.count() == 0) opts.cluster.auth_timeout = kDefaultAuthTimeout;
  }
  if (opts.max_control_line == 0) opts.max_control_line = kDefaultMaxControlLine;
  if (opts.max_payload == 0) opts.max_payload = kDefaultMaxPayload;
  if (opts.max_pending == 0) opts.max_pending = kDefaultMaxPending;
  if (opts.write_deadline.count() == 0) opts.write_deadline = kDefaultWriteDeadline;
  if (opts.max_closed_clients == 0) opts.max_closed_clients = kDefaultMaxClosedClients;
  if (opts.lame_duck_duration.count() == 0) opts.lame_duck_duration = kDefaultLameDuckDuration;
  if (opts.lame_duck_grace_period.count() == 0) {
    opts.lame_duck_grace_period = kDefaultLameDuckGracePeriod;
  }
}

// The logger settings the options ask for (start-up and reload).
inline Logger::Settings logger_settings(const Options& o) {
  Logger::Settings log;
  log.logtime = o.logtime;
  log.logtime_utc = o.logtime_utc;
  log.size_limit = o.log_size_limit;
  log.debug = o.debug;
  log.trace = o.trace || o.trace_verbose;
  log.file = o.log_file;
  return log;
}

// Copies the options logger_settings() reads, and only those: a reload compares everything else.
inline void assign_logging_options(Options& to, const Options& from) {
  to.logtime = from.logtime;
  to.logtime_utc = from.logtime_utc;
  to.log_size_limit = from.log_size_limit;
  to.debug = from.debug;
  to.trace = from.trace;
  to.trace_verbose = from.trace_verbose;
  to.log_file = from.log_file;
}

}  // namespace nats
