// Pull consumers: fetch (the caller's thread reads a sync subscription) and consume (a
// callback subscription on the delivery thread plus a small timer thread for heartbeats).
//
// A pull request is a publish to $JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer> with
// {"batch","expires","no_wait","idle_heartbeat","max_bytes"}, replying to one of our inbox
// subjects. Messages come back with their own subject and a $JS.ACK reply; the server's status
// messages come on the reply subject itself:
//   100 Idle Heartbeat                  the request is alive, nothing to send
//   404 No Messages                     a no_wait request found nothing (more)
//   408 Request Timeout                 the request expired (Nats-Pending-Messages: not served)
//   409 Consumer Deleted / Exceeded MaxWaiting / Message Size Exceeds MaxBytes / ...
// Each request has its own reply token, so a status can be tied to the request it ends.

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "js_internal.h"
#include "nats/connection.h"

namespace nats::client {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStatusHeartbeat = 100;
constexpr int kStatusNoMessages = 404;
constexpr int kStatusRequestTimeout = 408;
constexpr int kStatusConflict = 409;
// The server's 408 should reach us before our own deadline: ask for a little less.
constexpr auto kExpiresMargin = std::chrono::milliseconds(50);

std::string next_subject(const detail::JsContext& ctx, std::string_view stream,
                         std::string_view consumer) {
  std::string s = ctx.prefix + "CONSUMER.MSG.NEXT.";
  s.append(stream).append(".").append(consumer);
  return s;
}

// A 409's description as an error: the consumer going away has its own code.
Status conflict_status(const Message& m) {
  std::string_view d = m.headers().description();
  if (d.find("Consumer Deleted") != std::string_view::npos) {
    return Status(Errc::kConsumerDeleted, "nats: consumer deleted");
  }
  return Status(Errc::kApiError, ApiError{m.status(), 0, std::string(d)});
}

// Nats-Pending-Messages of a 408/409: how many of the request's messages were not sent.
int64_t unserved(const Message& m, int64_t fallback) {
  auto v = m.headers().get("Nats-Pending-Messages");
  if (!v) return fallback;
  int64_t n = 0;
  if (std::from_chars(v->data(), v->data() + v->size(), n).ec != std::errc()) return fallback;
  return n;
}

}  // namespace

// ---------------------------------------------------------------- fetch

PullConsumer::PullConsumer(detail::JsContext ctx, std::string stream, std::string consumer)
    : ctx_(std::move(ctx)),
      stream_(std::move(stream)),
      consumer_(std::move(consumer)),
      inbox_(ctx_.nc->new_inbox() + ".") {}

PullConsumer::~PullConsumer() = default;

Result<PullConsumer> JetStream::pull_consumer(std::string_view stream, std::string_view consumer) {
  // One round trip now tells a missing stream or consumer apart, instead of a fetch timing out.
  auto info = consumer_info(stream, consumer);
  if (!info) return info.status();
  if (!info->config.deliver_subject.empty()) {
    return Status(Errc::kInvalidArgument, "nats: consumer is push based");
  }
  return PullConsumer(ctx_, std::string(stream), std::string(consumer));
}

Result<std::vector<JsMessage>> PullConsumer::fetch(int batch, std::chrono::milliseconds max_wait) {
  return pull(batch, max_wait, false);
}

Result<std::vector<JsMessage>> PullConsumer::fetch_no_wait(int batch) {
  return pull(batch, ctx_.timeout, true);
}

Result<std::vector<JsMessage>> PullConsumer::pull(int batch, std::chrono::milliseconds max_wait,
                                                  bool no_wait) {
  if (batch <= 0) return Status(Errc::kInvalidArgument, "nats: batch must be positive");
  if (!sub_.valid()) {
    auto sub = ctx_.nc->subscribe_sync(inbox_ + "*");
    if (!sub) return sub.status();
    sub_ = std::move(sub.value());
  }
  std::vector<JsMessage> out;
  const std::string reply = inbox_ + std::to_string(++next_token_);
  detail::Json req{{"batch", batch}};
  if (no_wait) {
    req["no_wait"] = true;
  } else {
    auto expires = max_wait > 2 * kExpiresMargin ? max_wait - kExpiresMargin : max_wait;
    req["expires"] = std::chrono::nanoseconds(expires).count();
  }
  if (Status s = ctx_.nc->publish(next_subject(ctx_, stream_, consumer_), reply, req.dump()); !s) {
    return s;
  }
  const auto deadline = Clock::now() + max_wait;
  while (static_cast<int>(out.size()) < batch) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    auto m = sub_.next_msg(left);
    if (!m) {
      if (m.code() == Errc::kTimeout) break;
      if (m.code() == Errc::kSlowConsumer) continue;  // dropped ones come back after ack_wait
      return m.status();
    }
    if (m->status() == 0) {
      out.emplace_back(std::move(*m), ctx_.nc);
      continue;
    }
    // A status of an older request that timed out on our side: not about this one.
    if (m->subject() != reply) continue;
    const int code = m->status();
    if (code == kStatusHeartbeat) continue;
    if (code == kStatusNoMessages || code == kStatusRequestTimeout) break;
    if (code == proto::kStatusNoResponders) {
      return Status(Errc::kNoResponders, "nats: no responders for pull request");
    }
    if (code == kStatusConflict) {
      if (!out.empty()) break;  // hand over what came before it
      return conflict_status(*m);
    }
    return Status(Errc::kApiError, ApiError{code, 0, std::string(m->headers().description())});
  }
  if (out.empty()) {
    if (no_wait) return Status(Errc::kNoMessages, "nats: no messages");
    return Status(Errc::kTimeout, "nats: timeout");
  }
  return out;
}

// ---------------------------------------------------------------- consume

namespace detail {

// Shared by the ConsumeContext, the subscription's callback (through a weak_ptr, so the
// callback does not keep it alive) and the timer thread.
struct ConsumeState {
  JsContext ctx;
  std::string next_subject;
  std::string inbox;  // "<inbox>."
  ConsumeOptions opts;
  JsMsgHandler handler;
  std::chrono::milliseconds heartbeat{0};

  std::mutex mu;
  std::condition_variable cv;   // the timer's sleep; a handler that returned (for stop)
  Subscription sub;             // under mu
  int64_t pending = 0;          // messages asked for and not yet received
  uint64_t token = 0;           // reply token of the last request
  Clock::time_point last_seen;  // the last message or heartbeat
  bool stopped = false;
  bool in_handler = false;  // the delivery thread is inside handler
  std::thread timer;

  // Tops the outstanding requests up to opts.batch once they fell to the threshold.
  Status refill_locked(bool force);
  void on_msg(Message m);  // delivery thread
  void run_timer();        // timer thread
  void report(const Status& s) {
    if (opts.error_cb) opts.error_cb(s);
  }
};

Status ConsumeState::refill_locked(bool force) {
  const int threshold = opts.threshold > 0 ? opts.threshold : std::max(1, opts.batch / 2);
  if (stopped || (!force && pending > threshold)) return Status();
  const int64_t want = opts.batch - pending;
  if (want <= 0) return Status();
  Json req{{"batch", want},
           {"expires", std::chrono::nanoseconds(opts.expires).count()},
           {"idle_heartbeat", std::chrono::nanoseconds(heartbeat).count()}};
  if (opts.max_bytes > 0) req["max_bytes"] = opts.max_bytes;
  Status s = ctx.nc->publish(next_subject, inbox + std::to_string(++token), req.dump());
  if (s) pending += want;
  return s;
}

void ConsumeState::on_msg(Message m) {
  std::unique_lock lock(mu);
  if (stopped) return;
  last_seen = Clock::now();
  Status error;
  if (m.status() == 0) {
    pending = std::max<int64_t>(0, pending - 1);
    in_handler = true;
    lock.unlock();
    handler(JsMessage(std::move(m), ctx.nc));
    lock.lock();
    in_handler = false;
    // Only stop() waits for a handler to return; waking the helper thread for every
    // message would cost a futex call and a context switch each.
    if (stopped) cv.notify_all();
  } else {
    switch (m.status()) {
      case kStatusHeartbeat:
        return;
      case kStatusNoMessages:
      case kStatusRequestTimeout:
        // The request ended; without the header we cannot tell how much of it was left, and
        // asking again for too much is harmless (the server queues requests).
        pending = std::max<int64_t>(0, pending - unserved(m, pending));
        break;
      case kStatusConflict:
        error = conflict_status(m);
        pending = std::max<int64_t>(0, pending - unserved(m, pending));
        if (error.code() == Errc::kConsumerDeleted) stopped = true;
        break;
      default:
        error = Status(Errc::kApiError,
                       ApiError{m.status(), 0, std::string(m.headers().description())});
        break;
    }
  }
  if (Status s = refill_locked(false); !s && error) error = s;
  lock.unlock();
  if (!error) report(error);
}

void ConsumeState::run_timer() {
  std::unique_lock lock(mu);
  while (!stopped) {
    if (cv.wait_for(lock, heartbeat, [&] { return stopped; })) break;
    // Two heartbeats missed: the requests are gone (server restart, consumer moved, lost
    // connection). Ask afresh; what the old requests would still deliver is welcome too.
    if (Clock::now() - last_seen > 2 * heartbeat) {
      last_seen = Clock::now();
      pending = 0;
      Status s = refill_locked(true);
      lock.unlock();
      report(Status(Errc::kTimeout, "nats: missed heartbeats of pull requests"));
      if (!s) report(s);
      lock.lock();
    }
  }
}

}  // namespace detail

Result<ConsumeContext> PullConsumer::consume(JsMsgHandler handler, ConsumeOptions opts) {
  if (!handler) return Status(Errc::kInvalidArgument, "nats: no message handler");
  if (opts.batch <= 0) return Status(Errc::kInvalidArgument, "nats: batch must be positive");
  auto st = std::make_shared<detail::ConsumeState>();
  st->ctx = ctx_;
  st->next_subject = next_subject(ctx_, stream_, consumer_);
  st->inbox = ctx_.nc->new_inbox() + ".";
  st->handler = std::move(handler);
  st->heartbeat = opts.idle_heartbeat.count() > 0 ? opts.idle_heartbeat
                                                  : std::min<std::chrono::milliseconds>(
                                                        opts.expires / 2, std::chrono::seconds(30));
  st->opts = std::move(opts);
  std::weak_ptr<detail::ConsumeState> weak = st;
  auto sub = ctx_.nc->subscribe(st->inbox + "*", [weak](Message m) {
    if (auto s = weak.lock()) s->on_msg(std::move(m));
  });
  if (!sub) return sub.status();
  std::lock_guard lock(st->mu);
  st->sub = std::move(sub.value());
  st->last_seen = Clock::now();
  if (Status s = st->refill_locked(true); !s) return s;
  st->timer = std::thread([st] { st->run_timer(); });
  return ConsumeContext(st);
}

ConsumeContext::ConsumeContext(std::shared_ptr<detail::ConsumeState> s) : state_(std::move(s)) {}
ConsumeContext::ConsumeContext(ConsumeContext&&) noexcept = default;
ConsumeContext& ConsumeContext::operator=(ConsumeContext&& other) noexcept {
  if (this != &other) {
    stop();
    state_ = std::move(other.state_);
  }
  return *this;
}
ConsumeContext::~ConsumeContext() { stop(); }

bool ConsumeContext::running() const {
  if (!state_) return false;
  std::lock_guard lock(state_->mu);
  return !state_->stopped;
}

void ConsumeContext::stop() {
  if (!state_) return;
  auto st = std::move(state_);
  const bool on_delivery = st->ctx.nc->in_callback();
  {
    std::unique_lock lock(st->mu);
    st->stopped = true;
    st->sub.unsubscribe();
    st->cv.notify_all();
    // From another thread, wait for a running handler; on the delivery thread it is us.
    if (!on_delivery) st->cv.wait(lock, [&] { return !st->in_handler; });
  }
  if (st->timer.joinable()) st->timer.join();
}

}  // namespace nats::client
