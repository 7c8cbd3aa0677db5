// ConnectionImpl: the API side, called on user threads. The I/O thread's side is in
// io_session.cc.

#include "connection_impl.h"

#include "base/check.h"
#include "crypto/nuid.h"
#include "proto/msg_line.h"

namespace nats::client::detail {

namespace {

constexpr std::string_view kCrLf = "\r\n";

bool has_space(std::string_view s) { return s.find_first_of(" \t\r\n") != std::string_view::npos; }

// Subjects are dot-separated non-empty tokens without white space.
bool valid_subject(std::string_view s) {
  if (s.empty() || has_space(s) || s.front() == '.' || s.back() == '.') return false;
  return s.find("..") == std::string_view::npos;
}

Status closed_error() { return Status(Errc::kConnectionClosed, "nats: connection closed"); }

}  // namespace

ConnectionImpl::ConnectionImpl(Options opts, ServerPool pool, std::optional<Creds> creds,
                               std::unique_ptr<asio::ssl::context> tls_ctx)
    : opts_(std::move(opts)),
      pool_(std::move(pool)),
      creds_(std::move(creds)),
      work_(asio::make_work_guard(io_)),
      tls_ctx_(std::move(tls_ctx)),
      transport_(io_),
      resolver_(io_),
      ping_timer_(io_),
      sleep_timer_(io_),
      close_timer_(io_) {}

bool ConnectionImpl::on_delivery_thread() const {
  return dispatcher_ && dispatcher_->on_delivery_thread();
}

ConnectionImpl::~ConnectionImpl() {
  close();
  if (io_thread_.joinable()) io_thread_.join();
}

Status ConnectionImpl::start(Connection* owner) {
  owner_ = owner;
  dispatcher_ = std::make_unique<Dispatcher>();
  std::future<Status> first = first_connect_.get_future();
  asio::co_spawn(io_, lifecycle(), asio::detached);
  io_thread_ = std::thread([this] { io_.run(); });
  Status s = first.get();
  if (!s) close();
  return s;
}

// ---------------------------------------------------------------- publishing

void ConnectionImpl::wake_writer_locked() {
  if (state_ != ConnState::kConnected || flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [this] { kick_write(); });
}

void ConnectionImpl::append_locked(std::string_view bytes) {
  pending_.append(bytes);
  wake_writer_locked();
}

Status ConnectionImpl::publish(std::string_view subject, std::string_view reply,
                               const Headers* headers, std::string_view data) {
  if (!valid_subject(subject)) return Status(Errc::kInvalidSubject, "nats: invalid subject");
  if (has_space(reply)) return Status(Errc::kInvalidSubject, "nats: invalid reply subject");
  size_t header_len = 0;
  if (headers != nullptr) {
    if (const char* err = proto::validate_headers(*headers)) {
      return Status(Errc::kInvalidArgument, std::string("nats: ") + err);
    }
    header_len = proto::encoded_headers_size(*headers);
  }
  const size_t total = header_len + data.size();
  // "HPUB " subject " " reply " " hdr " " total CRLF, payload, CRLF
  const size_t need = 5 + subject.size() + 1 + reply.size() + 1 + 2 * 21 + 2 + total + 2;

  std::unique_lock lock(mu_);
  if (state_ == ConnState::kClosed) return closed_error();
  if (publishes_closed_) return Status(Errc::kDraining, "nats: connection draining");
  if (info_.max_payload > 0 && int64_t(total) > info_.max_payload) {
    return Status(Errc::kMaxPayload, "nats: maximum payload exceeded");
  }
  if (headers != nullptr && !info_.headers) {
    return Status(Errc::kHeadersNotSupported, "nats: headers not supported by this server");
  }
  if (state_ == ConnState::kConnected) {
    // Back-pressure: a publisher faster than the socket waits for the writer.
    if (pending_.size() >= opts_.write_buffer_limit) {
      ++space_waiters_;
      space_cv_.wait(lock, [this] {
        return pending_.size() < opts_.write_buffer_limit || state_ != ConnState::kConnected;
      });
      --space_waiters_;
      if (state_ == ConnState::kClosed) return closed_error();
    }
  }
  if (state_ != ConnState::kConnected && pending_.size() + need > opts_.reconnect_buffer_size) {
    return Status(Errc::kBufferFull, "nats: outbound buffer limit exceeded");
  }
  const size_t start = pending_.size();
  pending_.resize(start + need - total - 2);
  char* p = pending_.data() + start;
  p = proto::write_sv(p, headers != nullptr ? "HPUB " : "PUB ");
  p = proto::write_sv(p, subject);
  *p++ = ' ';
  if (!reply.empty()) {
    p = proto::write_sv(p, reply);
    *p++ = ' ';
  }
  if (headers != nullptr) {
    p = proto::write_uint(p, header_len);
    *p++ = ' ';
  }
  p = proto::write_uint(p, total);
  p = proto::write_sv(p, kCrLf);
  pending_.resize(size_t(p - pending_.data()));
  if (headers != nullptr) proto::encode_headers(*headers, pending_);
  pending_.append(data).append(kCrLf);
  ++out_msgs_;
  out_bytes_ += total;
  wake_writer_locked();
  return Status();
}

// ---------------------------------------------------------------- subscriptions

Result<Subscription> ConnectionImpl::subscribe(std::string_view subject, std::string_view queue,
                                               MsgHandler handler) {
  if (!valid_subject(subject)) return Status(Errc::kInvalidSubject, "nats: invalid subject");
  if (has_space(queue)) return Status(Errc::kInvalidArgument, "nats: invalid queue name");
  const uint64_t sid = ++next_sid_;
  auto sub =
      std::make_shared<SubState>(sid, std::string(subject), std::string(queue), std::move(handler),
                                 opts_.pending_msgs_limit, opts_.pending_bytes_limit);
  std::lock_guard subs_lock(subs_mu_);
  std::lock_guard lock(mu_);
  if (state_ == ConnState::kClosed) return closed_error();
  if (draining_) return Status(Errc::kDraining, "nats: connection draining");
  subs_.emplace(sid, sub);
  // While disconnected the reconnect resends every subscription in subs_.
  if (state_ == ConnState::kConnected) {
    std::string line = "SUB " + sub->subject + " ";
    if (!sub->queue.empty()) line += sub->queue + " ";
    line += std::to_string(sid);
    line += kCrLf;
    append_locked(line);
  }
  return Subscription(weak_from_this(), std::move(sub));
}

void ConnectionImpl::remove_subscription_locked(const std::shared_ptr<SubState>& sub) {
  // subs_mu_ is held: the retire item lands behind every batch holding this sub's messages.
  subs_.erase(sub->sid);
  dispatcher_->retire(sub);
}

Status ConnectionImpl::unsubscribe(const std::shared_ptr<SubState>& sub, int64_t max) {
  if (max < 0) return Status(Errc::kInvalidArgument, "nats: invalid auto-unsubscribe limit");
  {
    std::lock_guard subs_lock(subs_mu_);
    if (!subs_.contains(sub->sid)) {
      return Status(Errc::kInvalidSubscription, "nats: invalid subscription");
    }
    std::string line = "UNSUB " + std::to_string(sub->sid);
    if (max > 0) {
      sub->max_msgs.store(max, std::memory_order_relaxed);
      if (int64_t(sub->delivered.load()) >= max) {
        sub->finished.store(true);
        remove_subscription_locked(sub);
      }
      line += " " + std::to_string(max);
    } else {
      sub->closed.store(true, std::memory_order_release);
      remove_subscription_locked(sub);
    }
    line += kCrLf;
    std::lock_guard lock(mu_);
    if (state_ == ConnState::kConnected) append_locked(line);
  }
  sub->wake();
  return Status();
}

Result<Message> ConnectionImpl::next_msg(SubState& sub, std::chrono::milliseconds timeout) {
  if (!sub.is_sync()) {
    return Status(Errc::kInvalidSubscription, "nats: next_msg on a callback subscription");
  }
  const auto deadline = Clock::now() + timeout;
  std::unique_lock lock(sub.mu);
  ++sub.waiters;
  sub.cv.wait_until(lock, deadline, [&sub] {
    return !sub.queue_msgs.empty() || sub.closed.load() || sub.finished.load();
  });
  --sub.waiters;
  if (!sub.queue_msgs.empty()) {
    Message m = std::move(sub.queue_msgs.front());
    sub.queue_msgs.pop_front();
    sub.pending_msgs.fetch_sub(1, std::memory_order_relaxed);
    sub.pending_bytes.fetch_sub(int64_t(m.size()), std::memory_order_relaxed);
    return m;
  }
  if (sub.closed.load() || sub.finished.load()) {
    return Status(Errc::kInvalidSubscription, "nats: invalid subscription");
  }
  return Status(Errc::kTimeout, "nats: timeout");
}

Status ConnectionImpl::drain_subscription(const std::shared_ptr<SubState>& sub,
                                          std::chrono::milliseconds timeout) {
  if (dispatcher_->on_delivery_thread() && !sub->is_sync()) {
    return Status(Errc::kInvalidArgument, "nats: drain from a callback would wait for itself");
  }
  const auto deadline = Clock::now() + timeout;
  {
    std::lock_guard subs_lock(subs_mu_);
    if (!subs_.contains(sub->sid)) {
      return Status(Errc::kInvalidSubscription, "nats: invalid subscription");
    }
    std::lock_guard lock(mu_);
    if (state_ == ConnState::kConnected) {
      append_locked("UNSUB " + std::to_string(sub->sid) + std::string(kCrLf));
    }
  }
  // After the PONG every message the server sent before the UNSUB has been read and queued.
  Status s = flush(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  {
    std::lock_guard subs_lock(subs_mu_);
    sub->finished.store(true);
    if (subs_.contains(sub->sid)) remove_subscription_locked(sub);
  }
  sub->wake();
  if (!s) return s;
  if (!sub->is_sync()) {
    std::unique_lock lock(sub->mu);
    ++sub->waiters;
    const bool done = sub->cv.wait_until(
        lock, deadline, [&sub] { return sub->pending_msgs.load() == 0 || sub->closed.load(); });
    --sub->waiters;
    if (!done) return Status(Errc::kTimeout, "nats: drain timeout");
  }
  return Status();
}

// ---------------------------------------------------------------- request/reply

std::string ConnectionImpl::new_inbox() const {
  return opts_.inbox_prefix + "." + crypto::next_nuid();
}

Status ConnectionImpl::ensure_response_subscription() {
  std::lock_guard init(resp_init_mu_);
  if (resp_sid_.load(std::memory_order_acquire) != 0) return Status();
  std::string prefix = new_inbox() + ".";
  const uint64_t sid = ++next_sid_;
  // Kept in subs_ only so that a reconnect resends it; on_msg routes its sid first.
  auto sub = std::make_shared<SubState>(sid, prefix + "*", std::string(), MsgHandler(),
                                        opts_.pending_msgs_limit, opts_.pending_bytes_limit);
  std::lock_guard subs_lock(subs_mu_);
  std::lock_guard lock(mu_);
  if (state_ == ConnState::kClosed) return closed_error();
  resp_prefix_ = std::move(prefix);
  resp_sid_.store(sid, std::memory_order_release);
  subs_.emplace(sid, sub);
  if (state_ == ConnState::kConnected) {
    append_locked("SUB " + sub->subject + " " + std::to_string(sid) + std::string(kCrLf));
  }
  return Status();
}

Result<Message> ConnectionImpl::request(std::string_view subject, const Headers* headers,
                                        std::string_view data, std::chrono::milliseconds timeout) {
  if (Status s = ensure_response_subscription(); !s) return s;
  auto waiter = std::make_shared<Waiter>();
  std::string token;
  {
    std::lock_guard lock(req_mu_);
    token = std::to_string(++next_token_);
    requests_.emplace(token, waiter);
  }
  auto forget = [this, &token] {
    std::lock_guard lock(req_mu_);
    requests_.erase(token);
  };
  if (Status s = publish(subject, resp_prefix_ + token, headers, data); !s) {
    forget();
    return s;
  }
  if (!waiter->wait_until(Clock::now() + timeout)) {
    forget();
    return Status(Errc::kTimeout, "nats: timeout");
  }
  if (!waiter->status.is_ok()) return waiter->status;
  return std::move(*waiter->msg);
}

// ---------------------------------------------------------------- flush, drain, close

Status ConnectionImpl::flush(std::chrono::milliseconds timeout) {
  auto waiter = std::make_shared<Waiter>();
  {
    std::lock_guard lock(mu_);
    if (state_ == ConnState::kClosed) return closed_error();
    pending_.append("PING\r\n");
    ++pings_in_pending_;
    pongs_.push_back(waiter);
    wake_writer_locked();
  }
  if (!waiter->wait_until(Clock::now() + timeout)) {
    return Status(Errc::kTimeout, "nats: flush timeout");
  }
  return waiter->status;
}

Status ConnectionImpl::drain(std::chrono::milliseconds timeout) {
  if (dispatcher_->on_delivery_thread()) {
    return Status(Errc::kInvalidArgument, "nats: drain from a callback would wait for itself");
  }
  const auto deadline = Clock::now() + timeout;
  auto left = [deadline] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  };
  std::vector<std::shared_ptr<SubState>> subs;
  {
    std::lock_guard subs_lock(subs_mu_);
    std::lock_guard lock(mu_);
    if (state_ == ConnState::kClosed) return closed_error();
    if (draining_) return Status(Errc::kDraining, "nats: connection already draining");
    draining_ = true;
    for (auto& [sid, sub] : subs_) {
      subs.push_back(sub);
      if (state_ == ConnState::kConnected) {
        pending_.append("UNSUB " + std::to_string(sid) + std::string(kCrLf));
      }
    }
    wake_writer_locked();
  }
  // One round trip covers every UNSUB: after it, every message for them is queued here.
  Status result = flush(left());
  {
    std::lock_guard subs_lock(subs_mu_);
    for (auto& sub : subs) {
      sub->finished.store(true);
      if (subs_.contains(sub->sid)) remove_subscription_locked(sub);
    }
  }
  for (auto& sub : subs) {
    sub->wake();
    if (sub->is_sync() || !result) continue;
    std::unique_lock lock(sub->mu);
    ++sub->waiters;
    if (!sub->cv.wait_until(lock, deadline, [&sub] { return sub->pending_msgs.load() == 0; })) {
      result = Status(Errc::kTimeout, "nats: drain timeout");
    }
    --sub->waiters;
  }
  {
    std::lock_guard lock(mu_);
    publishes_closed_ = true;
  }
  if (result) result = flush(left());
  close();
  return result;
}

bool ConnectionImpl::mark_closed() {
  {
    std::lock_guard lock(mu_);
    if (state_ == ConnState::kClosed) return false;
    state_ = ConnState::kClosed;
  }
  space_cv_.notify_all();
  return true;
}

void ConnectionImpl::close() {
  if (!mark_closed()) return;
  if (io_thread_.joinable()) {
    NATS_CHECK(std::this_thread::get_id() != io_thread_.get_id());
    asio::post(io_, [this] { shutdown_io(); });
    io_thread_.join();
  }
  cleanup_closed();
}

void ConnectionImpl::close_and_wait() {
  close();
  // From a callback the delivery thread ends after that callback returns.
  if (dispatcher_ && !dispatcher_->on_delivery_thread()) dispatcher_->join();
}

void ConnectionImpl::cleanup_closed() {
  std::deque<std::shared_ptr<Waiter>> pongs;
  {
    std::lock_guard lock(mu_);
    pongs.swap(pongs_);
  }
  for (auto& w : pongs) {
    if (w) w->complete(closed_error());
  }
  {
    std::lock_guard lock(req_mu_);
    for (auto& [token, w] : requests_) w->complete(closed_error());
    requests_.clear();
  }
  {
    std::lock_guard subs_lock(subs_mu_);
    for (auto& [sid, sub] : subs_) {
      sub->closed.store(true);
      sub->wake();
      if (dispatcher_) dispatcher_->retire(sub);
    }
    subs_.clear();
  }
  if (dispatcher_) {
    if (ever_connected_) fire(opts_.closed_cb);
    dispatcher_->stop();
  }
}

void ConnectionImpl::fire(const ConnectionCallback& cb) {
  if (!cb) return;
  Connection* owner = owner_;
  dispatcher_->post([cb, owner] { cb(*owner); });
}

// ---------------------------------------------------------------- state

ConnState ConnectionImpl::state() const {
  std::lock_guard lock(mu_);
  if (draining_ && state_ != ConnState::kClosed) return ConnState::kDraining;
  return state_;
}

ServerInfo ConnectionImpl::server_info() const {
  std::lock_guard lock(mu_);
  return info_;
}

std::string ConnectionImpl::connected_url() const {
  std::lock_guard lock(mu_);
  return state_ == ConnState::kConnected ? connected_url_ : std::string();
}

ConnectionStats ConnectionImpl::stats() const {
  ConnectionStats s;
  s.in_msgs = in_msgs_.load(std::memory_order_relaxed);
  s.in_bytes = in_bytes_.load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  s.out_msgs = out_msgs_;
  s.out_bytes = out_bytes_;
  return s;
}

Status ConnectionImpl::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

}  // namespace nats::client::detail
