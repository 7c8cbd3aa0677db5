#pragma once
// HTTP monitoring: nats-server's /varz, /connz, /subsz, /routez, /healthz ... plus /metrics in
// Prometheus text format.
//
// Created and started by Server::start() when http_port is set; stopped by Server::shutdown().
// The monitor runs on its own thread with its own io_context, never on a message loop: some
// handlers (/connz, /subsz) read connection state by posting to every loop and waiting
// (Server::for_each_client), which would deadlock on a loop thread. Requests are served one at
// a time on that thread; responses are written asynchronously, one request per connection.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "server/http_request.h"
#include "server/monitor_util.h"

namespace nats {

class Server;

class Monitor {
 public:
  explicit Monitor(Server& server);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // Binds opts().http_host:opts().http_port (-1 = a random port) and starts the monitor thread.
  // Logs "Starting http monitor on HOST:PORT"; false (after log_fatal) if it can't listen.
  bool start();
  // Stops serving and joins the thread: no handler runs once it returns. HTTP connections still
  // open are dropped when the Monitor is destroyed. Any thread but the monitor's own; idempotent.
  void stop();
  // The bound port; 0 before start().
  int port() const { return port_; }

  // Process CPU use in percent of one core, sampled once a second. Any thread.
  double cpu_percent() const { return cpu_percent_.load(std::memory_order_relaxed); }

  // Builds the response to one request; monitor thread (it may wait for the loops). Public
  // for tests.
  http::Response handle(const http::Request& req);

 private:
  class Session;

  void accept_next();
  void arm_cpu_sampler();
  void sample_cpu();
  void count_request(const std::string& endpoint);

  http::Response handle_root();
  http::Response handle_varz(const http::Request& req);
  http::Response handle_connz(const http::Request& req);
  http::Response handle_subsz(const http::Request& req);
  http::Response handle_routez(const http::Request& req);
  http::Response handle_gatewayz(const http::Request& req);
  http::Response handle_leafz(const http::Request& req);
  http::Response handle_accountz(const http::Request& req);
  http::Response handle_jsz(const http::Request& req);
  http::Response handle_healthz(const http::Request& req);
  http::Response handle_metrics(const http::Request& req);

  Server& server_;
  std::unique_ptr<asio::ssl::context> tls_;  // HTTPS monitoring; null for plain HTTP
  asio::io_context io_{1};
  asio::ip::tcp::acceptor acceptor_{io_};
  asio::steady_timer cpu_timer_{io_};
  std::thread thread_;
  std::mutex stop_mu_;
  bool stopped_ = false;  // guarded by stop_mu_
  int port_ = 0;
  std::string base_path_;    // normalized http_base_path
  size_t num_sessions_ = 0;  // monitor thread only

  // Requests served per endpoint (/varz's http_req_stats), keyed like nats-server.
  std::mutex stats_mu_;
  std::map<std::string, uint64_t> req_stats_;  // guarded by stats_mu_

  // Process CPU use, sampled once a second on the monitor thread as nats-server does.
  std::atomic<double> cpu_percent_{0};
  int64_t last_cpu_ns_ = 0;   // process CPU time at the last sample
  int64_t last_mono_ns_ = 0;  // when it was taken
};

}  // namespace nats
