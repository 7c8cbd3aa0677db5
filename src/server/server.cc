#include "server/server.h"
#include "server/system_account.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/check.h"
#include "base/clock.h"
#include "base/logger.h"
#include "crypto/nkeys.h"
#include "server/client_connection.h"
#include "server/config_tls.h"
#include "server/monitor.h"

namespace nats {

namespace {
constexpr auto kHousekeepingTick = std::chrono::milliseconds(250);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(10);
constexpr int kMaxAuthWorkers = 2;  // threads for bcrypt checks
}  // namespace

Server::Server(Options opts, std::string program_name)
    : start_ns_(wall_nanos()), program_name_(std::move(program_name)) {
  config_load_ns_.store(start_ns_);
  server_id_ = crypto::create_server_keypair().public_key;
  server_name_ = opts.server_name.empty() ? server_id_ : opts.server_name;
  closed_clients_.set_capacity(size_t(opts.max_closed_clients));
  int n = int(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  loops_ = std::make_unique<net::LoopGroup>(n);
  loop_clients_.resize(size_t(n));
  // Problems were reported (and refused) by validate_auth_options before we got here.
  for (const std::string& e : accounts_.configure(opts)) log_error("{}", e);
  auto gen = make_generation(std::move(opts), &init_error_);
  if (gen == nullptr) {
    // start() reports init_error_; until then the server runs on the options without TLS.
    Options plain = Options{};
    gen = make_generation(std::move(plain), nullptr);
  }
  ensure_workers(*gen->authenticator);
  current_.store(gen.get(), std::memory_order_release);
  generations_.push_back(std::move(gen));
}

std::unique_ptr<Server::Generation> Server::make_generation(Options opts,
                                                            std::string* error) const {
  auto g = std::make_unique<Generation>();
  if (client_tls_enabled(opts)) {
    std::string why;
    g->tls = net::TlsContext::create(client_tls_settings(opts), net::TlsContext::Role::kServer,
                                     &why);
    if (g->tls == nullptr) {
      if (error != nullptr) *error = why;
      return nullptr;
    }
  }
  g->authenticator = std::make_unique<Authenticator>(opts);
  g->info_prefix = make_info_prefix(opts, *g->authenticator);
  g->opts = std::move(opts);
  return g;
}

std::string Server::make_info_prefix(const Options& o, const Authenticator& auth) const {
  // Everything in INFO up to the per-client fields, in nats-server's field order.
  nlohmann::ordered_json j;
  j["server_id"] = server_id_;
  j["server_name"] = server_name_;
  j["version"] = kCompatServerVersion;
  j["proto"] = kProtoVersion;
  j["go"] = "natsd";
  j["host"] = o.host;
  j["port"] = client_port_;  // 0 until start() knows it
  j["headers"] = true;
  if (auth.advertise_auth_required()) j["auth_required"] = true;
  if (client_tls_enabled(o)) {
    // With allow_non_tls TLS is offered, not required; the client's first byte decides.
    if (!o.allow_non_tls) j["tls_required"] = true;
    if (o.tls_verify) j["tls_verify"] = true;
    if (o.allow_non_tls) j["tls_available"] = true;
  }
  j["max_payload"] = o.max_payload;
  return j.dump();
}

void Server::ensure_workers(const Authenticator& auth) {
  if (!auth.uses_bcrypt() || workers_ != nullptr) return;
  // bcrypt is pure CPU: one thread per two loops, so checks never starve the loops.
  workers_ = std::make_unique<net::WorkerPool>(std::clamp(loops_->size() / 2, 1, kMaxAuthWorkers),
                                               "natsd-auth");
  workers_ptr_.store(workers_.get(), std::memory_order_release);
}

Server::~Server() {
  shutdown();
  if (shutdown_thread_.joinable()) shutdown_thread_.join();
  if (lame_duck_thread_.joinable()) lame_duck_thread_.join();
}

bool Server::submit_blocking(std::function<void()> job) {
  net::WorkerPool* w = workers_ptr_.load(std::memory_order_acquire);
  return w != nullptr && w->submit(std::move(job));
}

std::string Server::client_info_line(const ClientConnection& c) const {
  std::string line = "INFO ";
  // The prefix ends with '}'; the per-client fields go before it.
  const std::string& prefix = current()->info_prefix;
  line.append(prefix, 0, prefix.size() - 1);
  line += fmt::format(",\"client_id\":{},\"client_ip\":\"{}\"", c.cid(), c.snapshot_ip());
  if (!c.nonce().empty()) line += fmt::format(",\"nonce\":\"{}\"", c.nonce());
  if (lame_duck_.load()) line += ",\"ldm\":true";
  line += "} \r\n";  // nats-server puts a space before the CRLF
  return line;
}

bool Server::start() {
  if (!init_error_.empty()) {
    log_fatal("Error configuring TLS: {}", init_error_);
    return false;
  }
  // Nothing runs on the loops yet: the first generation may still be completed in place.
  auto& gen = *generations_.front();
  const Options& o = gen.opts;
  asio::error_code ec;
  net::EventLoop& accept_loop = loops_->loop(0);
  acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(accept_loop.io());
  accept_retry_ = std::make_unique<asio::steady_timer>(accept_loop.io());
  auto addr = asio::ip::make_address(o.host, ec);
  if (ec) {
    // A host name (say "localhost"): listen on the first address it resolves to, as Go's
    // net.Listen does. This runs once at start-up, before any loop, so blocking is fine.
    asio::ip::tcp::resolver resolver(accept_loop.io());
    auto results = resolver.resolve(o.host, "", ec);
    if (!ec && !results.empty()) addr = results.begin()->endpoint().address();
  }
  if (ec) {
    log_fatal("Error listening on port: {}:{}, \"{}\"", o.host, o.port, ec.message());
    return false;
  }
  asio::ip::tcp::endpoint ep(addr, uint16_t(o.port < 0 ? 0 : o.port));
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    log_fatal("Error listening on port: {}:{}, \"{}\"", o.host, o.port, ec.message());
    return false;
  }
  client_port_ = acceptor_->local_endpoint().port();
  // Now the port is known, put it in INFO.
  gen.info_prefix = make_info_prefix(gen.opts, *gen.authenticator);

  log_notice("Starting natsd");
  log_notice("  Version:  {} (nats-server {} compatible)", kNatsdVersion, kCompatServerVersion);
  log_notice("  Git:      [not set]");
  log_notice("  Name:     {}", server_name_);
  log_notice("  ID:       {}", server_id_);
  log_notice("  Loops:    {}", loops_->size());
  if (gen.authenticator->has_plaintext_passwords())
    log_warn("Plaintext passwords detected, use nkeys or bcrypt");
  for (const std::string& w : gen.authenticator->warnings()) log_warn("{}", w);

  if (!o.pid_file.empty() && !write_pid_file()) {
    log_fatal("Could not write pidfile: {}", o.pid_file);
    return false;
  }

  loops_->start();
  loops_started_ = true;
  for (int i = 0; i < loops_->size(); ++i) start_housekeeping(i);

  if (o.http_port != 0 && o.https_port != 0) {
    log_fatal("can't specify both HTTP ({}) and HTTPs ({}) ports", o.http_port, o.https_port);
    return false;
  }
  if (o.https_port != 0 && gen.tls == nullptr) {
    log_fatal("TLS cert and key required for HTTPS");
    return false;
  }
  if (o.http_port != 0 || o.https_port != 0) {
    monitor_ = std::make_unique<Monitor>(*this);
    if (!monitor_->start()) return false;
  }

  if (client_tls_enabled(o)) {
    const bool first_only =
        o.tls_handshake_first && o.tls_handshake_first_fallback.count() == 0;
    log_notice("TLS {} for client connections",
               o.allow_non_tls && !first_only ? "available" : "required");
    if (first_only) {
      log_warn("Clients that are not using \"TLS Handshake First\" option will fail to connect");
    }
  }
  if (Account* sys = accounts_.system()) {
    system_ = std::make_unique<SystemAccount>(*this, *sys);
    system_->start();
  }
  log_notice("Listening for client connections on {}:{}", o.host, client_port_);
  if (auth_required()) log_notice("Authentication required for client connections");
  write_ports_file();
  log_notice("Server is ready");
  accept_loop.post([this] { accept_next(); });
  return true;
}

int Server::monitor_port() const { return monitor_ ? monitor_->port() : 0; }

double Server::cpu_percent() const { return monitor_ ? monitor_->cpu_percent() : 0; }

void Server::accept_next() {
  net::EventLoop& target = loops_->next_loop();
  acceptor_->async_accept(
      target.io(), [this, &target](std::error_code ec, asio::ip::tcp::socket socket) {
        if (!ec) {
          // The connection is created and used only on its own loop. The shared_ptr closes the
          // socket even if that loop stops before the handler runs (asio handlers must be
          // copyable).
          auto s = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
          target.post([this, &target, s] { on_accepted(target, std::move(*s)); });
          accept_next();
          return;
        }
        if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
        log_error("Error accepting client connection: {}", ec.message());
        // Usually out of file descriptors: retry a little later rather than spin, without blocking
        // the loop's clients.
        accept_retry_->expires_after(kAcceptRetryDelay);
        accept_retry_->async_wait([this](std::error_code e) {
          if (!e && acceptor_->is_open()) accept_next();
        });
      });
}

void Server::on_accepted(net::EventLoop& loop, asio::ip::tcp::socket socket) {
  if (shutting_down_.load()) return;
  const uint64_t cid = next_cid_.fetch_add(1);
  auto* c = new ClientConnection(*this, loop, std::move(socket), cid);
  bool over_limit;
  {
    std::lock_guard lock(clients_mu_);
    over_limit = opts().max_connections > 0 && int64_t(clients_.size()) >= opts().max_connections;
    if (!over_limit) clients_.emplace(cid, c);
  }
  stats_.total_connections.fetch_add(1, std::memory_order_relaxed);
  LoopClients& lc = loop_clients_[size_t(loop.index())];
  c->intrusive_next = lc.head;
  if (lc.head) lc.head->intrusive_prev = c;
  lc.head = c;
  c->start();
  if (over_limit) {
    log_error("{} - cid:{} - maximum connections exceeded", c->snapshot_ip(), cid);
    c->reject_max_connections();
    return;
  }
  log_debug("{}:{} - cid:{} - Client connection created", c->snapshot_ip(), c->port(), cid);
}

void Server::client_closed(ClientConnection& c, ClosedState reason) {
  {
    std::lock_guard lock(clients_mu_);
    clients_.erase(c.cid());
  }
  LoopClients& lc = loop_clients_[size_t(c.loop().index())];
  if (c.intrusive_prev) c.intrusive_prev->intrusive_next = c.intrusive_next;
  if (c.intrusive_next) c.intrusive_next->intrusive_prev = c.intrusive_prev;
  if (lc.head == &c) lc.head = c.intrusive_next;
  c.intrusive_next = c.intrusive_prev = nullptr;
  log_debug("{}:{} - cid:{} - Client connection closed: {}", c.snapshot_ip(), c.port(), c.cid(),
            closed_state_name(reason));
}

size_t Server::num_clients() const {
  std::lock_guard lock(clients_mu_);
  return clients_.size();
}

void Server::start_housekeeping(int i) {
  net::EventLoop& loop = loops_->loop(i);
  LoopClients& lc = loop_clients_[size_t(i)];
  lc.timer = std::make_unique<asio::steady_timer>(loop.io());
  struct Tick {
    Server* s;
    int i;
    void operator()(std::error_code ec) const {
      if (ec) return;
      LoopClients& lc = s->loop_clients_[size_t(i)];
      const int64_t now = mono_nanos();
      // Service replies nobody answered in time (the response threshold) are forgotten.
      if (i == 0) {
        for (Account* a : s->accounts_.all()) {
          if (!a->service_exports().empty()) a->expire_service_replies(now);
        }
      }
      for (ClientConnection* c = lc.head; c != nullptr;) {
        ClientConnection* next = c->intrusive_next;  // c may unlink itself by closing
        c->housekeeping(now);
        c = next;
      }
      lc.timer->expires_after(kHousekeepingTick);
      lc.timer->async_wait(*this);
    }
  };
  lc.timer->expires_after(kHousekeepingTick);
  lc.timer->async_wait(Tick{this, i});
}

void Server::for_each_client(const std::function<void(ClientConnection&)>& fn) {
  loops_->run_on_all_and_wait([this, &fn](int i) {
    for (ClientConnection* c = loop_clients_[size_t(i)].head; c != nullptr;) {
      ClientConnection* next = c->intrusive_next;  // fn may close c, which unlinks it
      fn(*c);
      c = next;
    }
  });
}

void Server::write_ports_file() {
  if (opts().ports_file_dir.empty()) return;
  nlohmann::ordered_json j;
  std::string host = opts().host == "0.0.0.0" || opts().host == "::" ? "127.0.0.1" : opts().host;
  // nats-server's schemes: tls:// when clients must use TLS, https:// for HTTPS monitoring.
  const bool tls = client_tls_enabled(opts()) && !opts().allow_non_tls;
  j["nats"] = {fmt::format("{}://{}:{}", tls ? "tls" : "nats", host, client_port_)};
  if (monitor_) {
    j["monitoring"] = {fmt::format("{}://{}:{}", opts().https_port != 0 ? "https" : "http", host,
                                   monitor_->port())};
  }
  std::string exe = program_name_;
  if (auto slash = exe.rfind('/'); slash != std::string::npos) exe = exe.substr(slash + 1);
  ports_file_ = fmt::format("{}/{}_{}.ports", opts().ports_file_dir, exe, getpid());
  // Write to a temporary name and rename, so a reader never sees half a file.
  std::string tmp = ports_file_ + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << j.dump();
  }
  if (std::rename(tmp.c_str(), ports_file_.c_str()) != 0) {
    log_error("Error creating ports file: {}", ports_file_);
  }
}

bool Server::write_pid_file() {
  std::ofstream f(opts().pid_file, std::ios::trunc);
  f << getpid();
  return bool(f);
}

void Server::remove_pid_and_ports_files() {
  if (!ports_file_.empty()) ::unlink(ports_file_.c_str());
  if (!opts().pid_file.empty()) ::unlink(opts().pid_file.c_str());
}

void Server::run() {
  asio::io_context sig_io(1);
  asio::signal_set signals(sig_io, SIGINT, SIGTERM, SIGHUP);
  signals.add(SIGUSR1);
  signals.add(SIGUSR2);
  std::function<void(std::error_code, int)> on_signal = [&](std::error_code ec, int sig) {
    if (ec) return;
    switch (sig) {
      case SIGINT:
      case SIGTERM:
        log_debug("Trapped \"{}\" signal", sig == SIGINT ? "interrupt" : "terminated");
        if (!shutdown_thread_.joinable()) shutdown_thread_ = std::thread([this] { shutdown(); });
        return;
      case SIGHUP:
        reload();
        break;
      case SIGUSR1:
        log_notice("Reopening log file");
        Logger::instance().reopen();
        break;
      case SIGUSR2:
        if (!lame_duck_thread_.joinable())
          lame_duck_thread_ = std::thread([this] { enter_lame_duck_mode(); });
        break;
    }
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  std::thread sig_thread([&] { sig_io.run(); });
  {
    std::unique_lock lock(done_mu_);
    done_cv_.wait(lock, [this] { return done_; });
  }
  sig_io.stop();
  sig_thread.join();
  if (shutdown_thread_.joinable()) shutdown_thread_.join();
  if (lame_duck_thread_.joinable()) lame_duck_thread_.join();
}

void Server::shutdown() {
  if (shutting_down_.exchange(true)) {
    std::unique_lock lock(done_mu_);
    done_cv_.wait(lock, [this] { return done_; });
    return;
  }
  log_notice("Initiating Shutdown...");
  {
    std::lock_guard lock(done_mu_);  // wakes a lame duck sequence that is waiting
    done_cv_.notify_all();
  }
  if (monitor_) monitor_->stop();
  close_listener();
  // The SHUTDOWN event goes out while clients can still hear it; no events after it.
  if (system_) system_->stop();
  // Close clients on their own loops, then stop the loops.
  if (loops_started_) close_clients(ClosedState::kServerShutdown, SIZE_MAX);
  // Queued bcrypt checks are dropped; a running one finishes and posts its verdict to a loop
  // that is still alive, where the closed connection ignores it (see ClientConnection).
  if (workers_) workers_->stop();
  loops_->stop();
  remove_pid_and_ports_files();
  log_notice("Server Exiting..");
  std::lock_guard lock(done_mu_);
  done_ = true;
  done_cv_.notify_all();
}

void Server::close_clients(ClosedState reason, size_t max) {
  const size_t per_loop =
      max == SIZE_MAX ? SIZE_MAX : std::max<size_t>(1, max / size_t(loops_->size()));
  loops_->run_on_all_and_wait([this, reason, per_loop](int i) {
    size_t closed = 0;
    for (ClientConnection* c = loop_clients_[size_t(i)].head; c && closed < per_loop; ++closed) {
      ClientConnection* next = c->intrusive_next;
      c->close(reason);
      c = next;
    }
  });
}

void Server::close_listener() {
  if (!acceptor_) return;
  if (!loops_started_) {
    std::error_code ec;
    acceptor_->close(ec);
    return;
  }
  // The acceptor belongs to loop 0: close it there, and wait so nothing is accepted after.
  loops_->run_and_wait(0, [this] {
    std::error_code ec;
    acceptor_->close(ec);
    accept_retry_->cancel();
  });
}


bool Server::sleep_unless_shutdown(int64_t nanos) {
  std::unique_lock lock(done_mu_);
  return !done_cv_.wait_for(lock, std::chrono::nanoseconds(nanos),
                            [this] { return shutting_down_.load(); });
}

void Server::enter_lame_duck_mode() {
  if (lame_duck_.exchange(true) || shutting_down_.load()) return;
  log_notice("Entering lame duck mode, stop accepting new clients");
  close_listener();
  // Clients that understand async INFO learn that they should move elsewhere.
  for_each_client([](ClientConnection& c) { c.send_lame_duck_info(); });

  const int64_t grace = opts().lame_duck_grace_period.count();
  const int64_t duration = std::max<int64_t>(opts().lame_duck_duration.count() - grace, 0);
  if (!sleep_unless_shutdown(grace)) return;
  // Close the remaining clients in batches spread over the rest of the duration, so they
  // don't all reconnect to the other servers at the same instant.
  const size_t n = num_clients();
  if (n > 0 && !shutting_down_.load()) {
    constexpr int64_t kBatchInterval = 100'000'000;  // ns
    const int64_t batches = std::max<int64_t>(duration / kBatchInterval, 1);
    const size_t per_batch = std::max<size_t>(1, (n + size_t(batches) - 1) / size_t(batches));
    log_notice("Closing existing clients");
    while (num_clients() > 0 && !shutting_down_.load()) {
      close_clients(ClosedState::kServerShutdown, per_batch);
      if (!sleep_unless_shutdown(kBatchInterval)) return;
    }
  }
  shutdown();
}

}  // namespace nats
