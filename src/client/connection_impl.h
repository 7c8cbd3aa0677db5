#pragma once
// The inside of a Connection. Threads and what they own:
//
//  - user threads call the API (publish, subscribe, request, flush, drain, close). Publishing
//    appends the protocol bytes to pending_ under mu_ and, the first time after a write started,
//    posts one wake-up to the I/O thread; it never touches the socket.
//  - the I/O thread runs io_ (Asio): connect and handshake, the read loop (parse in place,
//    route messages), the writer (swaps pending_ into writing_ and writes it in one go, so
//    every publish made during a write rides in the next single write), PINGs, reconnects.
//    It runs no user code. It owns transport_, parser_, writing_, read_buf_, batch_.
//  - the delivery thread (Dispatcher) runs every user callback, in order.
//
// Locks, always taken in this order, never the other way: resp_init_mu_ -> subs_mu_ ->
// req_mu_ -> mu_ (-> SubState::mu, Dispatcher's lock, each alone). The I/O thread holds subs_mu_
// for a whole read batch, so one lookup per message needs no lock of its own, and hands the
// batch to the Dispatcher before letting go, which keeps retire items behind the messages of
// the subscriptions they release.

#include <absl/container/flat_hash_map.h>

#include <asio.hpp>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "creds.h"
#include "dispatcher.h"
#include "nats/connection.h"
#include "proto/server_parser.h"
#include "server_pool.h"
#include "sub_state.h"
#include "transport.h"

namespace nats::client::detail {

struct Handshake;

// One thread waiting for one answer (a PONG for flush, a reply for a request).
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Status status;
  std::optional<Message> msg;

  void complete(Status s, std::optional<Message> m = std::nullopt) {
    {
      std::lock_guard lock(mu);
      if (done) return;
      done = true;
      status = std::move(s);
      msg = std::move(m);
    }
    cv.notify_all();
  }
  // False on timeout.
  bool wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu);
    return cv.wait_until(lock, deadline, [this] { return done; });
  }
};

class ConnectionImpl : public std::enable_shared_from_this<ConnectionImpl> {
 public:
  ConnectionImpl(Options opts, ServerPool pool, std::optional<Creds> creds,
                 std::unique_ptr<asio::ssl::context> tls_ctx);
  ~ConnectionImpl();

  // Starts the threads and waits for the first connection (or its failure).
  Status start(Connection* owner);

  Status publish(std::string_view subject, std::string_view reply, const Headers* headers,
                 std::string_view data);
  Result<Subscription> subscribe(std::string_view subject, std::string_view queue,
                                 MsgHandler handler);
  // max 0: now; otherwise after `max` messages in total.
  Status unsubscribe(const std::shared_ptr<SubState>& sub, int64_t max);
  Status drain_subscription(const std::shared_ptr<SubState>& sub, std::chrono::milliseconds t);
  Result<Message> next_msg(SubState& sub, std::chrono::milliseconds timeout);
  Result<Message> request(std::string_view subject, const Headers* headers, std::string_view data,
                          std::chrono::milliseconds timeout);
  Status flush(std::chrono::milliseconds timeout);
  Status drain(std::chrono::milliseconds timeout);
  void close();
  // Closes, then (unless called from a callback) waits until the delivery thread ran its last
  // callback, so nothing calls back into a Connection after this returns.
  void close_and_wait();
  bool on_delivery_thread() const;

  std::string new_inbox() const;
  ConnState state() const;
  ServerInfo server_info() const;
  std::string connected_url() const;
  std::vector<std::string> servers() const { return pool_.urls(); }
  std::vector<std::string> discovered_servers() const { return pool_.discovered_urls(); }
  ConnectionStats stats() const;
  Status last_error() const;

  // ---- ServerParser handler (I/O thread) ----
  bool on_info(std::string_view json);
  bool on_msg(const proto::MsgArgs& args, std::string_view headers, std::string_view payload);
  bool on_ping();
  bool on_pong();
  bool on_ok() { return true; }
  bool on_err(std::string_view text);

 private:
  using Clock = std::chrono::steady_clock;

  // ---- I/O thread (io_session.cc) ----
  asio::awaitable<void> lifecycle();
  asio::awaitable<Status> connect_any(bool initial);
  asio::awaitable<Status> try_server(const ServerUrl& url);
  asio::awaitable<void> read_loop();
  asio::awaitable<void> ping_loop(uint64_t epoch);
  bool process_input(const char* data, size_t len);
  void kick_write();
  void on_write_done(const asio::error_code& ec);
  void after_handshake(const ServerUrl& url, ServerInfo info);
  void on_disconnect();
  void shutdown_io();
  // Reconnecting gave up: the I/O thread closes the connection itself.
  void give_up(Status why);
  // Handshake reads: parses until the handler stops (INFO, PONG, -ERR), keeping what follows.
  asio::awaitable<Status> read_handshake(Handshake& h);
  // The TLS client handshake with this server (makes tls_ctx_ the first time).
  asio::awaitable<Status> start_tls(const ServerUrl& url);
  // An INFO after the handshake: lame duck mode, new connect_urls.
  void apply_info(ServerInfo info);
  void handle_response(std::string_view subject, std::string_view headers,
                       std::string_view payload);
  // Queues a connection event or an async error for the delivery thread, in order with the
  // messages of the current read batch.
  void queue_event(std::function<void()> event);
  void report_async_error(Status error, std::string subject);

  // ---- any thread (connection_impl.cc) ----
  // Appends under mu_ (held by the caller) and makes sure the I/O thread will write it.
  void append_locked(std::string_view bytes);
  void wake_writer_locked();
  Status ensure_response_subscription();
  void remove_subscription_locked(const std::shared_ptr<SubState>& sub);
  void fire(const ConnectionCallback& cb);
  // Sets state_ to kClosed; false when it already was.
  bool mark_closed();
  // Fails every waiter, closes every subscription, runs closed_cb, stops the delivery thread.
  void cleanup_closed();

  const Options opts_;
  ServerPool pool_;
  const std::optional<Creds> creds_;
  Connection* owner_ = nullptr;

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  // Made by connect() when the options ask for TLS, else on the I/O thread when a server first
  // requires it; then only read.
  std::unique_ptr<asio::ssl::context> tls_ctx_;
  Transport transport_;
  asio::ip::tcp::resolver resolver_;  // host names of the server URLs; cancelled at close
  asio::steady_timer ping_timer_;
  asio::steady_timer sleep_timer_;  // waits between reconnect rounds
  asio::steady_timer close_timer_;  // bounds the last write at close
  std::thread io_thread_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::promise<Status> first_connect_;

  // I/O thread only.
  proto::ServerParser parser_;
  std::vector<char> read_buf_;
  std::string handshake_leftover_;  // bytes read after the handshake's PONG
  std::string writing_;
  bool write_in_flight_ = false;
  bool sock_ready_ = false;  // handshake done, socket usable
  bool closing_io_ = false;
  std::atomic<bool> ever_connected_{false};
  bool need_kick_ = false;           // the read batch queued bytes (a PONG)
  bool dropped_on_purpose_ = false;  // we closed the socket (stale, protocol error), reason set
  int pings_out_ = 0;
  uint64_t epoch_ = 0;  // bumps with every connection
  std::optional<ServerUrl> current_server_;
  std::vector<Delivery> batch_;

  std::atomic<uint64_t> in_msgs_{0};
  std::atomic<uint64_t> in_bytes_{0};
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<uint64_t> next_sid_{0};

  // Subscriptions.
  mutable std::mutex subs_mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<SubState>> subs_;

  // Requests: one wildcard subscription "<inbox>.<nuid>.*", a token per request.
  std::mutex resp_init_mu_;
  std::string resp_prefix_;            // "<inbox>.<nuid>.", written once before resp_sid_
  std::atomic<uint64_t> resp_sid_{0};  // 0: not created yet
  std::mutex req_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Waiter>> requests_;
  uint64_t next_token_ = 0;  // under req_mu_

  // Write side and state.
  mutable std::mutex mu_;
  std::condition_variable space_cv_;  // publishers waiting for write-buffer space
  int space_waiters_ = 0;
  ConnState state_ = ConnState::kConnecting;
  bool draining_ = false;
  bool publishes_closed_ = false;  // the last step of drain
  std::string pending_;            // protocol bytes not yet handed to the socket
  bool flush_posted_ = false;      // a wake-up for the writer is on its way
  int pings_in_pending_ = 0;       // PINGs inside pending_ (their waiters survive a disconnect)
  std::deque<std::shared_ptr<Waiter>> pongs_;  // one per PING sent; nullptr for keep-alives
  ServerInfo info_;
  std::string connected_url_;
  Status last_error_;
  uint64_t out_msgs_ = 0;
  uint64_t out_bytes_ = 0;
};

}  // namespace nats::client::detail
