// ConnectionImpl: the I/O thread's side. Everything here runs on io_thread_ (inside io_), and
// none of it runs user code: events and messages go to the Dispatcher.

#include <asio/experimental/as_tuple.hpp>

#include "base/ascii.h"
#include "connection_impl.h"
#include "crypto/random.h"
#include "handshake.h"
#include "tls_config.h"

namespace nats::client::detail {

namespace {

constexpr auto kUse = asio::experimental::as_tuple(asio::use_awaitable);
constexpr size_t kReadBufferSize = 64 * 1024;            // bytes per read
constexpr size_t kMaxIdleWriteBuffer = 4 * 1024 * 1024;  // keep at most this much capacity
constexpr int kMaxBackoffDoublings = 16;

Message make_message(std::string_view subject, std::string_view reply, std::string_view headers,
                     std::string_view payload) {
  std::optional<Headers> decoded;
  if (!headers.empty()) decoded = proto::decode_headers(headers).headers;
  return Message(subject, reply, payload, std::move(decoded), headers.size());
}

// The quoted subject in `Permissions Violation for Publish to "foo.bar"`.
std::string quoted_subject(std::string_view text) {
  const size_t open = text.find('"');
  if (open == std::string_view::npos) return {};
  const size_t close = text.find('"', open + 1);
  if (close == std::string_view::npos) return {};
  return std::string(text.substr(open + 1, close - open - 1));
}

}  // namespace

// What the handshake reads: the first INFO, then the PONG that answers our PING (or the -ERR
// that refuses our CONNECT). Each interesting operation stops the parse so the coroutine can act.
struct Handshake {
  std::optional<std::string> info_json;
  std::optional<std::string> err;
  bool pong = false;
  bool ping = false;
  bool unexpected = false;

  bool on_info(std::string_view json) {
    info_json = std::string(json);
    return false;
  }
  bool on_msg(const proto::MsgArgs&, std::string_view, std::string_view) {
    unexpected = true;
    return false;
  }
  bool on_ping() {
    ping = true;
    return true;
  }
  bool on_pong() {
    pong = true;
    return false;
  }
  bool on_ok() { return true; }
  bool on_err(std::string_view text) {
    err = std::string(text);
    return false;
  }
};

// ---------------------------------------------------------------- connecting

asio::awaitable<void> ConnectionImpl::lifecycle() {
  read_buf_.resize(kReadBufferSize);
  bool initial = true;
  while (true) {
    Status s = co_await connect_any(initial);
    if (!s) {
      if (initial) {
        first_connect_.set_value(s);
      } else if (!closing_io_) {
        give_up(s);
      }
      co_return;
    }
    ever_connected_ = true;
    if (initial) {
      first_connect_.set_value(Status());
    } else {
      reconnects_.fetch_add(1, std::memory_order_relaxed);
      fire(opts_.reconnected_cb);
    }
    initial = false;
    asio::co_spawn(io_, ping_loop(epoch_), asio::detached);
    co_await read_loop();
    if (closing_io_) co_return;
    on_disconnect();
    if (!opts_.allow_reconnect) {
      give_up(Status(Errc::kConnectionClosed, "nats: connection lost, reconnect disabled"));
      co_return;
    }
  }
}

asio::awaitable<Status> ConnectionImpl::connect_any(bool initial) {
  Status last(Errc::kNoServers, "nats: no servers available for connection");
  bool auth_failed = false;
  for (int round = 0;; ++round) {
    const int max_attempts = initial ? -1 : opts_.max_reconnect_attempts;
    const std::vector<ServerUrl> candidates = pool_.candidates(max_attempts);
    if (candidates.empty()) co_return last;
    for (const ServerUrl& url : candidates) {
      if (closing_io_) co_return Status(Errc::kConnectionClosed, "nats: connection closed");
      Status s = co_await try_server(url);
      if (s) co_return s;
      if (!initial) pool_.record_failure(url);
      auth_failed = auth_failed || s.code() == Errc::kAuthorization;
      last = s;
    }
    if (initial) {
      // One pass on the first connect, as the official clients do.
      if (auth_failed) co_return Status(Errc::kAuthorization, last.message());
      co_return last.code() == Errc::kTimeout || last.code() == Errc::kIo
          ? Status(Errc::kNoServers,
                   "nats: no servers available for connection (" + last.message() + ")")
          : last;
    }
    // Back off: reconnect_wait doubling each round up to reconnect_wait_max, plus jitter.
    auto wait = opts_.reconnect_wait * (int64_t(1) << std::min(round, kMaxBackoffDoublings));
    wait = std::min(wait, std::max(opts_.reconnect_wait_max, opts_.reconnect_wait));
    if (opts_.reconnect_jitter.count() > 0) {
      wait += std::chrono::milliseconds(
          crypto::random_below(uint64_t(opts_.reconnect_jitter.count()) + 1));
    }
    // shutdown_io() may have run while the last attempt failed: its cancel() would miss a wait
    // started now.
    if (closing_io_) co_return Status(Errc::kConnectionClosed, "nats: connection closed");
    sleep_timer_.expires_after(wait);
    co_await sleep_timer_.async_wait(kUse);
    if (closing_io_) co_return Status(Errc::kConnectionClosed, "nats: connection closed");
  }
}

asio::awaitable<Status> ConnectionImpl::read_handshake(Handshake& h) {
  while (true) {
    if (!handshake_leftover_.empty()) {
      std::string input;
      input.swap(handshake_leftover_);
      const auto r = parser_.parse(input.data(), input.size(), h);
      if (r.status == proto::ServerParseStatus::kStopped) {
        handshake_leftover_.assign(input, r.consumed);
        co_return Status();
      }
      if (r.status != proto::ServerParseStatus::kOk) co_return Status(Errc::kProtocol, r.error);
      continue;
    }
    auto [ec, n] = co_await transport_.async_read_some(asio::buffer(read_buf_), kUse);
    if (ec) co_return Status(Errc::kIo, "nats: " + ec.message());
    const auto r = parser_.parse(read_buf_.data(), n, h);
    if (r.status == proto::ServerParseStatus::kStopped) {
      handshake_leftover_.assign(read_buf_.data() + r.consumed, n - r.consumed);
      co_return Status();
    }
    if (r.status != proto::ServerParseStatus::kOk) {
      co_return Status(Errc::kProtocol, "nats: protocol error: " + r.error);
    }
  }
}

asio::awaitable<Status> ConnectionImpl::start_tls(const ServerUrl& url) {
  if (!tls_ctx_) {
    auto ctx = make_tls_context(opts_.tls);
    if (!ctx) co_return ctx.status();
    tls_ctx_ = std::move(ctx.value());
  }
  std::string verify_name;
  if (!opts_.tls.skip_verify) {
    verify_name = opts_.tls.server_name.empty() ? url.host : opts_.tls.server_name;
  }
  co_return co_await transport_.upgrade_to_tls(*tls_ctx_, verify_name);
}

asio::awaitable<Status> ConnectionImpl::try_server(const ServerUrl& url) {
  transport_.close();
  parser_.reset();
  handshake_leftover_.clear();
  dropped_on_purpose_ = false;
  ++epoch_;
  // The whole attempt (resolve, connect, INFO, CONNECT, PONG) has connect_timeout: when it
  // runs out the socket is closed, which ends whatever operation is pending.
  auto timed_out = std::make_shared<bool>(false);
  auto finished = std::make_shared<bool>(false);
  asio::steady_timer deadline(io_);
  deadline.expires_after(opts_.connect_timeout);
  deadline.async_wait([this, timed_out, finished](const asio::error_code& ec) {
    if (ec || *finished) return;
    *timed_out = true;
    resolver_.cancel();
    transport_.close();
  });
  auto fail = [&](Status s) {
    *finished = true;
    deadline.cancel();
    transport_.close();
    if (*timed_out) return Status(Errc::kTimeout, "nats: timeout connecting to " + url.host_port());
    return s;
  };

  auto [rec, endpoints] =
      co_await resolver_.async_resolve(url.host, std::to_string(url.port), kUse);
  if (rec)
    co_return fail(Status(Errc::kIo, "nats: cannot resolve " + url.host + ": " + rec.message()));
  auto [cec, endpoint] = co_await transport_.async_connect(endpoints, kUse);
  if (cec) {
    co_return fail(
        Status(Errc::kIo, "nats: cannot connect to " + url.host_port() + ": " + cec.message()));
  }
  transport_.set_no_delay();

  // TLS comes before INFO when the server is told to expect it (handshake_first), otherwise
  // right after INFO when either side asks for it.
  if (opts_.tls.handshake_first) {
    if (Status s = co_await start_tls(url); !s) co_return fail(s);
  }
  Handshake h;
  if (Status s = co_await read_handshake(h); !s) co_return fail(s);
  if (!h.info_json) co_return fail(Status(Errc::kProtocol, "nats: expected INFO from the server"));
  auto info = parse_server_info(*h.info_json);
  if (!info) co_return fail(info.status());
  const bool want_tls = opts_.tls.wanted() || url.scheme == "tls";
  if (!transport_.is_tls() && (want_tls || info->tls_required)) {
    if (!info->tls_required && !info->tls_available) {
      co_return fail(
          Status(Errc::kTls, "nats: secure connection not available from " + url.host_port()));
    }
    // The server says nothing more until the handshake: bytes after INFO would be a protocol
    // violation, and they could not be part of the encrypted stream anyway.
    if (!handshake_leftover_.empty()) {
      co_return fail(Status(Errc::kProtocol, "nats: unexpected data before the TLS handshake"));
    }
    if (Status s = co_await start_tls(url); !s) co_return fail(s);
  }
  auto cj = connect_json(opts_, url, *info, creds_ ? &*creds_ : nullptr, transport_.is_tls());
  if (!cj) co_return fail(cj.status());
  const std::string hello = "CONNECT " + cj.value() + "\r\nPING\r\n";
  if (auto [wec, wn] = co_await transport_.async_write(asio::buffer(hello), kUse); wec) {
    co_return fail(Status(Errc::kIo, "nats: " + wec.message()));
  }
  while (!h.pong) {
    h.info_json.reset();
    if (Status s = co_await read_handshake(h); !s) co_return fail(s);
    if (h.err) {
      const bool auth = ascii_lower(*h.err).find("authorization") != std::string::npos ||
                        ascii_lower(*h.err).find("authentication") != std::string::npos;
      co_return fail(Status(auth ? Errc::kAuthorization : Errc::kServerError, "nats: " + *h.err));
    }
    if (h.unexpected) co_return fail(Status(Errc::kProtocol, "nats: message before PONG"));
    if (h.info_json) {
      if (auto newer = parse_server_info(*h.info_json)) info = std::move(newer);
    }
  }
  *finished = true;
  deadline.cancel();
  after_handshake(url, std::move(info.value()));
  if (h.ping) {
    std::lock_guard lock(mu_);
    pending_.insert(0, "PONG\r\n");
  }
  kick_write();
  co_return Status();
}

void ConnectionImpl::after_handshake(const ServerUrl& url, ServerInfo info) {
  pings_out_ = 0;
  current_server_ = url;
  pool_.record_success(url);
  const bool discovered =
      !opts_.ignore_discovered_servers && pool_.add_discovered(info.connect_urls);
  // Resend every subscription (with what is left of its auto-unsubscribe limit) ahead of what
  // was published while disconnected, so those messages reach them.
  std::string resend;
  std::lock_guard subs_lock(subs_mu_);
  for (const auto& [sid, sub] : subs_) {
    if (sub->closed.load()) continue;
    resend += "SUB " + sub->subject + " ";
    if (!sub->queue.empty()) resend += sub->queue + " ";
    resend += std::to_string(sid) + "\r\n";
    if (const int64_t max = sub->max_msgs.load(); max > 0) {
      const int64_t left = max - int64_t(sub->delivered.load());
      if (left > 0) resend += "UNSUB " + std::to_string(sid) + " " + std::to_string(left) + "\r\n";
    }
  }
  std::lock_guard lock(mu_);
  connected_url_ = transport_.is_tls() ? "tls://" + url.host_port() : url.to_string();
  info_ = std::move(info);
  resend += pending_;
  pending_.swap(resend);
  if (state_ != ConnState::kClosed) state_ = ConnState::kConnected;
  flush_posted_ = false;
  sock_ready_ = true;
  if (discovered) fire(opts_.discovered_servers_cb);
}

void ConnectionImpl::on_disconnect() {
  sock_ready_ = false;
  transport_.close();
  ping_timer_.cancel();
  parser_.reset();
  std::vector<std::shared_ptr<Waiter>> failed;
  {
    std::lock_guard lock(mu_);
    if (state_ != ConnState::kClosed) state_ = ConnState::kReconnecting;
    // PINGs still in pending_ are sent after the reconnect, so their waiters (at the back)
    // stay; the others' PINGs died with the socket.
    const size_t keep = std::min(size_t(pings_in_pending_), pongs_.size());
    while (pongs_.size() > keep) {
      failed.push_back(std::move(pongs_.front()));
      pongs_.pop_front();
    }
    flush_posted_ = false;
  }
  space_cv_.notify_all();
  for (auto& w : failed) {
    if (w) w->complete(Status(Errc::kDisconnected, "nats: connection lost"));
  }
  if (current_server_) pool_.move_to_back(*current_server_);
  fire(opts_.disconnected_cb);
}

void ConnectionImpl::give_up(Status why) {
  {
    std::lock_guard lock(mu_);
    last_error_ = why;
  }
  closing_io_ = true;
  transport_.close();
  ping_timer_.cancel();
  if (mark_closed()) cleanup_closed();
  work_.reset();
}

void ConnectionImpl::shutdown_io() {
  closing_io_ = true;
  resolver_.cancel();
  sleep_timer_.cancel();
  ping_timer_.cancel();
  work_.reset();
  if (!sock_ready_) {
    transport_.close();
    return;
  }
  // One bounded attempt to write what was published before close().
  kick_write();
  if (!write_in_flight_) {
    transport_.close();
    return;
  }
  close_timer_.expires_after(opts_.connect_timeout);
  close_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) transport_.close();
  });
}

// ---------------------------------------------------------------- reading

asio::awaitable<void> ConnectionImpl::read_loop() {
  if (!handshake_leftover_.empty()) {
    std::string input;
    input.swap(handshake_leftover_);
    if (!process_input(input.data(), input.size())) co_return;
  }
  while (true) {
    auto [ec, n] = co_await transport_.async_read_some(asio::buffer(read_buf_), kUse);
    if (ec) {
      if (!closing_io_ && !dropped_on_purpose_) {
        std::lock_guard lock(mu_);
        last_error_ = Status(Errc::kIo, "nats: " + ec.message());
      }
      co_return;
    }
    if (!process_input(read_buf_.data(), n)) co_return;
  }
}

bool ConnectionImpl::process_input(const char* data, size_t len) {
  proto::ServerParseResult r;
  {
    std::lock_guard subs_lock(subs_mu_);
    r = parser_.parse(data, len, *this);
    dispatcher_->push_batch(batch_);
  }
  if (need_kick_) {
    need_kick_ = false;
    kick_write();
  }
  if (r.status == proto::ServerParseStatus::kOk) return true;
  {
    std::lock_guard lock(mu_);
    last_error_ = Status(Errc::kProtocol, "nats: protocol error: " + r.error);
  }
  dropped_on_purpose_ = true;
  transport_.close();
  return false;
}

bool ConnectionImpl::on_msg(const proto::MsgArgs& args, std::string_view headers,
                            std::string_view payload) {
  in_msgs_.fetch_add(1, std::memory_order_relaxed);
  in_bytes_.fetch_add(uint64_t(args.total_len), std::memory_order_relaxed);
  uint64_t sid = 0;
  for (char c : args.sid) {
    if (c < '0' || c > '9') return true;  // not one of ours
    sid = sid * 10 + uint64_t(c - '0');
  }
  if (sid == resp_sid_.load(std::memory_order_acquire)) {
    handle_response(args.subject, headers, payload);
    return true;
  }
  auto it = subs_.find(sid);
  if (it == subs_.end()) return true;  // unsubscribed; the server had it in flight
  SubState* sub = it->second.get();
  if (sub->closed.load(std::memory_order_relaxed)) return true;
  const int64_t max = sub->max_msgs.load(std::memory_order_relaxed);
  const uint64_t n = sub->delivered.load(std::memory_order_relaxed) + 1;
  if (max > 0 && int64_t(n) > max) return true;
  sub->delivered.store(n, std::memory_order_relaxed);

  const int64_t size = args.total_len;
  if (sub->pending_msgs.load(std::memory_order_relaxed) >= sub->pending_msgs_limit.load() ||
      sub->pending_bytes.load(std::memory_order_relaxed) + size > sub->pending_bytes_limit.load()) {
    sub->dropped.fetch_add(1, std::memory_order_relaxed);
    if (!sub->slow.exchange(true)) {
      report_async_error(Status(Errc::kSlowConsumer, "nats: slow consumer, messages dropped"),
                         sub->subject);
    }
  } else {
    // Only a write when it changes: this line runs for every message.
    if (sub->slow.load(std::memory_order_relaxed))
      sub->slow.store(false, std::memory_order_relaxed);
    sub->pending_msgs.fetch_add(1, std::memory_order_relaxed);
    sub->pending_bytes.fetch_add(size, std::memory_order_relaxed);
    Message m = make_message(args.subject, args.reply, headers, payload);
    if (sub->is_sync()) {
      std::lock_guard lock(sub->mu);
      sub->queue_msgs.push_back(std::move(m));
      if (sub->waiters > 0) sub->cv.notify_one();
    } else {
      batch_.push_back(Delivery{sub, std::move(m), nullptr, nullptr});
    }
  }
  if (max > 0 && int64_t(n) == max) {
    // The auto-unsubscribe limit: what is queued is still delivered, then it is gone.
    std::shared_ptr<SubState> done = std::move(it->second);
    subs_.erase(it);
    done->finished.store(true);
    done->wake();
    batch_.push_back(Delivery{nullptr, Message(), std::move(done), nullptr});
  }
  return true;
}

void ConnectionImpl::handle_response(std::string_view subject, std::string_view headers,
                                     std::string_view payload) {
  if (subject.size() <= resp_prefix_.size()) return;
  const std::string token(subject.substr(resp_prefix_.size()));
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(req_mu_);
    auto it = requests_.find(token);
    if (it == requests_.end()) return;  // timed out already
    waiter = std::move(it->second);
    requests_.erase(it);
  }
  Message m = make_message(subject, {}, headers, payload);
  if (m.status() == proto::kStatusNoResponders && payload.empty()) {
    waiter->complete(Status(Errc::kNoResponders, "nats: no responders available for request"));
  } else {
    waiter->complete(Status(), std::move(m));
  }
}

bool ConnectionImpl::on_info(std::string_view json) {
  auto info = parse_server_info(json);
  if (!info) return true;  // keep what we had; an unreadable async INFO is not fatal
  apply_info(std::move(info.value()));
  return true;
}

void ConnectionImpl::apply_info(ServerInfo info) {
  const bool ldm = info.lame_duck_mode;
  const bool discovered =
      !opts_.ignore_discovered_servers && pool_.add_discovered(info.connect_urls);
  {
    std::lock_guard lock(mu_);
    info_ = std::move(info);
  }
  Connection* owner = owner_;
  auto notify = [this, owner](const ConnectionCallback& cb) {
    if (cb) queue_event([cb, owner] { cb(*owner); });
  };
  if (ldm) notify(opts_.lame_duck_cb);
  if (discovered) notify(opts_.discovered_servers_cb);
}

bool ConnectionImpl::on_ping() {
  std::lock_guard lock(mu_);
  pending_.append("PONG\r\n");
  need_kick_ = true;
  return true;
}

bool ConnectionImpl::on_pong() {
  pings_out_ = 0;
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(mu_);
    if (pongs_.empty()) return true;
    waiter = std::move(pongs_.front());
    pongs_.pop_front();
  }
  if (waiter) waiter->complete(Status());
  return true;
}

bool ConnectionImpl::on_err(std::string_view text) {
  const std::string lower = ascii_lower(text);
  Errc code = Errc::kServerError;
  std::string subject;
  if (lower.starts_with("permissions violation")) {
    code = Errc::kPermissionViolation;
    subject = quoted_subject(text);
  } else if (lower.find("authorization") != std::string::npos ||
             lower.find("authentication") != std::string::npos) {
    code = Errc::kAuthorization;
  }
  report_async_error(Status(code, "nats: " + std::string(text)), std::move(subject));
  return true;
}

void ConnectionImpl::queue_event(std::function<void()> event) {
  batch_.push_back(Delivery{nullptr, Message(), nullptr, std::move(event)});
}

void ConnectionImpl::report_async_error(Status error, std::string subject) {
  {
    std::lock_guard lock(mu_);
    last_error_ = error;
  }
  if (!opts_.error_cb) return;
  Connection* owner = owner_;
  queue_event([cb = opts_.error_cb, owner, error = std::move(error), subject = std::move(subject)] {
    cb(*owner, error, subject);
  });
}

// ---------------------------------------------------------------- writing and pings

void ConnectionImpl::kick_write() {
  if (write_in_flight_ || !sock_ready_) return;  // the write's completion or the handshake kicks
  {
    std::lock_guard lock(mu_);
    flush_posted_ = false;
    if (pending_.empty()) return;
    writing_.swap(pending_);
    pings_in_pending_ = 0;
    if (space_waiters_ > 0) space_cv_.notify_all();
  }
  write_in_flight_ = true;
  transport_.async_write(asio::buffer(writing_),
                         [this](const asio::error_code& ec, size_t) { on_write_done(ec); });
}

void ConnectionImpl::on_write_done(const asio::error_code& ec) {
  write_in_flight_ = false;
  writing_.clear();
  if (writing_.capacity() > kMaxIdleWriteBuffer) std::string().swap(writing_);
  if (ec) {
    transport_.close();  // the read loop sees it and starts the reconnect
    return;
  }
  kick_write();
  if (closing_io_ && !write_in_flight_) {
    close_timer_.cancel();
    transport_.close();
  }
}

asio::awaitable<void> ConnectionImpl::ping_loop(uint64_t epoch) {
  while (true) {
    ping_timer_.expires_after(opts_.ping_interval);
    auto [ec] = co_await ping_timer_.async_wait(kUse);
    if (ec || epoch != epoch_ || closing_io_ || !sock_ready_) co_return;
    if (++pings_out_ > opts_.max_pings_out) {
      {
        std::lock_guard lock(mu_);
        last_error_ = Status(Errc::kServerError, "nats: stale connection");
      }
      dropped_on_purpose_ = true;
      transport_.close();
      co_return;
    }
    {
      std::lock_guard lock(mu_);
      pending_.append("PING\r\n");
      ++pings_in_pending_;
      pongs_.push_back(nullptr);
    }
    kick_write();
  }
}

}  // namespace nats::client::detail
