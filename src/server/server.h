#pragma once
// The server: listeners, event loops, the global account, the client registry and statistics.
//
// Created and started by main(); `run()` blocks the main thread handling signals until the
// server shuts down. Connections are created on the loop that owns them; the registry (under
// clients_mu_) lets monitoring and shutdown find them from any thread.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <asio.hpp>

#include "net/event_loop.h"
#include "net/tls_context.h"
#include "net/worker_pool.h"
#include "server/account.h"
#include "server/authenticator.h"
#include "server/closed_state.h"
#include "server/conn_info.h"
#include "server/options.h"

namespace nats {

class ClientConnection;
class Monitor;
class SystemAccount;

// The nats-server release whose client-visible behaviour natsd implements; clients gate
// features on INFO.version.
inline constexpr const char* kCompatServerVersion = "2.10.22";
// natsd's own version.
inline constexpr const char* kNatsdVersion = "0.1.0";
inline constexpr int kProtoVersion = 1;

struct ServerStats {
  std::atomic<uint64_t> in_msgs{0}, in_bytes{0}, out_msgs{0}, out_bytes{0};
  std::atomic<uint64_t> slow_consumers{0};
  std::atomic<uint64_t> stalls{0};  // fast producer stalls (a producer paused for a consumer)
  std::atomic<uint64_t> total_connections{0};
  std::atomic<uint64_t> stale_connections{0};
};

class Server {
 public:
  // program_name names the ports file (<program>_<pid>.ports), like nats-server's argv[0].
  explicit Server(Options opts, std::string program_name = "natsd");
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listeners and starts the loops; false (after logging why) on failure.
  bool start();
  // Blocks the calling thread until shutdown; handles SIGINT/SIGTERM/SIGHUP/SIGUSR1/SIGUSR2.
  void run();
  // Stops accepting, closes every client, stops the loops. Any thread; idempotent.
  void shutdown();
  // Lame duck mode: stop accepting, then close clients spread over the grace period.
  void enter_lame_duck_mode();

  // Builds the Options a reload should run with (re-reads the configuration file and applies
  // the command line on top); false and a reason when the file is no good.
  using ReloadSource = std::function<bool(Options& out, std::string& error)>;
  void set_reload_source(ReloadSource source) { reload_source_ = std::move(source); }
  // SIGHUP / --signal reload: applies what may change at run time (logging, authorization,
  // TLS, limits and timers; see server/reload_plan.h) and refuses the whole reload, keeping the
  // running configuration, if anything else changed. Connected clients are checked against the
  // new authorization on their own loops. Signal thread only (one reload at a time). True when
  // the new configuration is in effect; otherwise *error (if given) says why.
  bool reload(std::string* error = nullptr);
  int64_t config_load_time_ns() const { return config_load_ns_.load(); }

  // The options in force. A reload publishes a new set; a reference stays valid for the
  // server's lifetime (earlier sets are kept), so readers on any thread need no lock.
  const Options& opts() const { return current()->opts; }
  Account& global_account() { return accounts_.global(); }
  // Every configured account, "$G" included; immutable after construction (see account.h).
  AccountRegistry& accounts() { return accounts_; }
  ServerStats& stats() { return stats_; }
  const std::string& server_id() const { return server_id_; }
  const std::string& server_name() const { return server_name_; }
  int client_port() const { return client_port_; }
  int monitor_port() const;
  int64_t start_time_ns() const { return start_ns_; }
  bool lame_duck() const { return lame_duck_.load(); }
  net::LoopGroup& loops() { return *loops_; }

  // Clients must authenticate (users, nkeys, a token or a single user are configured).
  bool auth_required() const { return authenticator().auth_required(); }
  // Built from the options in force; immutable but for its own locked cache. Replaced (never
  // destroyed) by a reload.
  const Authenticator& authenticator() const { return *current()->authenticator; }
  // Runs blocking work (bcrypt checks) on the worker pool; false when there is none (nothing
  // configured needs it) or it has stopped. The job reports back by posting to a loop. Any
  // thread.
  bool submit_blocking(std::function<void()> job);
  // The TLS context new client connections use; null without TLS. Any thread.
  std::shared_ptr<const net::TlsContext> tls_context() const { return current()->tls; }
  // The INFO line sent to one client when it connects.
  std::string client_info_line(const ClientConnection& c) const;

  // Called by a connection's own loop when it has closed.
  void client_closed(ClientConnection& c, ClosedState reason);
  size_t num_clients() const;

  // Runs fn on every loop for each connection that loop owns and waits for all of them.
  // Monitoring uses it to read connection state on the owning thread, without locks.
  void for_each_client(const std::function<void(ClientConnection&)>& fn);

  // The system account's internal client (events and `$SYS.REQ` services); null with
  // no_system_account or before start(). Any thread.
  SystemAccount* system_account() const { return system_.get(); }
  // Process CPU use as the monitor samples it (0 without a monitor). Any thread.
  double cpu_percent() const;

  // Monitoring: the most recently closed connections, for /connz?state=closed. Any thread.
  ClosedClients& closed_clients() { return closed_clients_; }

 private:
  void accept_next();
  void on_accepted(net::EventLoop& loop, asio::ip::tcp::socket socket);
  void start_housekeeping(int loop_index);
  // Closes up to max clients (spread over the loops), waiting until done.
  void close_clients(ClosedState reason, size_t max);
  // Stops accepting new clients (shutdown, lame duck). Not from loop 0 itself.
  void close_listener();
  // Waits up to nanos; false if shutdown began meanwhile.
  bool sleep_unless_shutdown(int64_t nanos);
  void write_ports_file();
  bool write_pid_file();
  void remove_pid_and_ports_files();

  // Everything a reload replaces, published as one immutable unit.
  struct Generation {
    Options opts;
    std::unique_ptr<Authenticator> authenticator;
    std::string info_prefix;  // INFO JSON up to the per-client fields
    std::shared_ptr<const net::TlsContext> tls;
  };
  // Builds a generation from options; null with *error when TLS cannot be set up.
  std::unique_ptr<Generation> make_generation(Options opts, std::string* error) const;
  std::string make_info_prefix(const Options& o, const Authenticator& auth) const;
  const Generation* current() const { return current_.load(std::memory_order_acquire); }
  // Starts the bcrypt workers if the authenticator needs them and they don't run yet.
  void ensure_workers(const Authenticator& auth);
  // Reload steps (server_reload.cc).
  void apply_max_connections(int max);

  std::atomic<const Generation*> current_{nullptr};
  // Every generation ever published; a reload is rare and readers hold plain references.
  std::vector<std::unique_ptr<Generation>> generations_;
  std::string init_error_;  // why the first generation could not be built (start() fails)
  std::string server_id_;
  std::string server_name_;
  int64_t start_ns_;
  ServerStats stats_;
  AccountRegistry accounts_;
  std::unique_ptr<net::LoopGroup> loops_;
  // Declared after loops_ and generations_: destroyed (joined) before them, since its jobs
  // post to the loops and read the authenticator. Started when a bcrypt secret is configured;
  // loops read the pointer, set once.
  std::unique_ptr<net::WorkerPool> workers_;
  std::atomic<net::WorkerPool*> workers_ptr_{nullptr};
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> accept_retry_;  // loop 0; after a failed accept
  int client_port_ = 0;
  std::unique_ptr<Monitor> monitor_;
  // After loops_ and accounts_: joined and unsubscribed before either goes.
  std::unique_ptr<SystemAccount> system_;
  std::atomic<uint64_t> next_cid_{1};

  // Per-loop list of owned connections, touched only by that loop.
  struct LoopClients {
    ClientConnection* head = nullptr;
    std::unique_ptr<asio::steady_timer> timer;
  };
  std::vector<LoopClients> loop_clients_;

  mutable std::mutex clients_mu_;
  absl::flat_hash_map<uint64_t, ClientConnection*> clients_;

  bool loops_started_ = false;  // set by start(); before that nothing may be posted to a loop
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> lame_duck_{false};
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::string ports_file_;
  const std::string program_name_;
  ReloadSource reload_source_;
  std::mutex reload_mu_;  // one reload at a time (signals, $SYS.REQ.SERVER.<id>.RELOAD)
  std::atomic<int64_t> config_load_ns_{0};
  // Started by signals; joined by run() or the destructor.
  std::thread shutdown_thread_;
  std::thread lame_duck_thread_;
  ClosedClients closed_clients_{size_t(kDefaultMaxClosedClients)};  // has its own lock
};

}  // namespace nats
