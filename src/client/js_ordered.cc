// Ordered consumer: an ephemeral push consumer (flow control, heartbeats, ack none, max
// deliver 1, memory storage, one replica) that is thrown away and made again whenever
// delivery is not exactly "the next consumer sequence":
//   - a message whose consumer sequence is not the one expected (a gap),
//   - a heartbeat whose Nats-Last-Consumer is not the last sequence we saw,
//   - no message and no heartbeat for two heartbeat intervals (consumer deleted, server gone).
// The new consumer starts at the stream sequence after the last message handed to the user.
//
// Threads: messages arrive on the delivery thread (on_msg); a watchdog thread checks for
// silence. Both reset under `mu`; a reset is a few requests (answered by the I/O thread, so
// holding `mu` over them cannot deadlock). Each subscription carries a generation, so a message
// of an old subscription still queued after a reset is ignored. The user's handler runs on the
// delivery thread without `mu` held.

#include <condition_variable>
#include <mutex>
#include <thread>

#include "js_internal.h"
#include "nats/connection.h"

namespace nats::client {

namespace detail {

namespace {
using Clock = std::chrono::steady_clock;
constexpr int kStatusControl = 100;  // heartbeats and flow control
}  // namespace

struct OrderedState : std::enable_shared_from_this<OrderedState> {
  JsContext ctx;
  std::string stream;
  OrderedConsumerOptions opts;
  JsMsgHandler handler;

  mutable std::mutex mu;
  std::condition_variable cv;
  Subscription sub;
  std::string consumer;
  uint64_t generation = 0;
  uint64_t expected_cseq = 1;  // the next consumer sequence to accept
  uint64_t last_sseq = 0;      // stream sequence of the last message handed over
  Clock::time_point last_seen;
  bool stopped = false;
  bool in_handler = false;
  uint64_t resets = 0;
  uint64_t delivered = 0;
  uint64_t initial_pending = 0;
  std::thread watchdog;

  Status create_locked();
  Status reset_locked();
  void on_msg(uint64_t gen, Message m);  // delivery thread
  void run_watchdog();
};

Status OrderedState::create_locked() {
  const uint64_t gen = ++generation;
  ConsumerConfig cfg;
  cfg.deliver_subject = ctx.nc->new_inbox();
  cfg.flow_control = true;
  cfg.idle_heartbeat = opts.idle_heartbeat;
  cfg.ack_policy = AckPolicy::kNone;
  cfg.max_deliver = 1;
  cfg.mem_storage = true;
  cfg.num_replicas = 1;
  cfg.filter_subject = opts.filter_subject;
  cfg.headers_only = opts.headers_only;
  if (last_sseq > 0) {
    cfg.deliver_policy = DeliverPolicy::kByStartSequence;
    cfg.opt_start_seq = last_sseq + 1;
  } else {
    cfg.deliver_policy = opts.deliver_policy;
    cfg.opt_start_seq = opts.opt_start_seq;
    cfg.opt_start_time = opts.opt_start_time;
  }
  std::weak_ptr<OrderedState> weak = weak_from_this();
  auto s = ctx.nc->subscribe(cfg.deliver_subject, [weak, gen](Message m) {
    if (auto st = weak.lock()) st->on_msg(gen, std::move(m));
  });
  if (!s) return s.status();
  sub = std::move(s.value());
  expected_cseq = 1;
  last_seen = Clock::now();
  auto info = create_consumer(ctx, stream, cfg);
  if (!info) {
    sub.unsubscribe();
    return info.status();
  }
  consumer = info->name;
  if (gen == 1) initial_pending = info->num_pending;
  return Status();
}

Status OrderedState::reset_locked() {
  ++resets;
  sub.unsubscribe();
  if (!consumer.empty()) {
    // Best effort: the old one may be gone already, and an ephemeral without interest is
    // removed by the server anyway.
    delete_consumer(ctx, stream, consumer);
    consumer.clear();
  }
  return create_locked();
}

void OrderedState::on_msg(uint64_t gen, Message m) {
  std::unique_lock lock(mu);
  if (stopped || gen != generation) return;
  last_seen = Clock::now();
  Status failed;
  if (m.status() == kStatusControl) {
    if (!m.reply().empty()) {
      ctx.nc->publish(m.reply(), "");  // flow control
      return;
    }
    if (auto stalled = m.headers().get("Nats-Consumer-Stalled"); stalled && !stalled->empty()) {
      ctx.nc->publish(*stalled, "");
    }
    auto last = m.headers().get("Nats-Last-Consumer");
    if (last && std::to_string(expected_cseq - 1) != *last) failed = reset_locked();
  } else if (m.status() != 0) {
    return;
  } else {
    auto md = parse_js_metadata(m.reply());
    if (!md) return;
    if (md->consumer_seq != expected_cseq) {
      failed = reset_locked();
    } else {
      ++expected_cseq;
      last_sseq = md->stream_seq;
      ++delivered;
      in_handler = true;
      lock.unlock();
      handler(JsMessage(std::move(m), ctx.nc));
      lock.lock();
      in_handler = false;
      // Only stop() waits for a handler to return; waking the helper thread for every
      // message would cost a futex call and a context switch each.
      if (stopped) cv.notify_all();
      return;
    }
  }
  lock.unlock();
  if (!failed && opts.error_cb) opts.error_cb(failed);
}

void OrderedState::run_watchdog() {
  std::unique_lock lock(mu);
  while (!stopped) {
    if (cv.wait_for(lock, opts.idle_heartbeat, [&] { return stopped; })) break;
    if (Clock::now() - last_seen <= 2 * opts.idle_heartbeat) continue;
    Status s = reset_locked();
    if (!s) {
      last_seen = Clock::now();  // try again after another two intervals
      lock.unlock();
      if (opts.error_cb) opts.error_cb(s);
      lock.lock();
    }
  }
}

}  // namespace detail

Result<std::unique_ptr<OrderedConsumer>> JetStream::ordered_consumer(std::string_view stream,
                                                                     OrderedConsumerOptions opts,
                                                                     JsMsgHandler handler) {
  if (!handler) return Status(Errc::kInvalidArgument, "nats: no message handler");
  if (opts.idle_heartbeat.count() <= 0) {
    return Status(Errc::kInvalidArgument, "nats: ordered consumer needs an idle heartbeat");
  }
  auto st = std::make_shared<detail::OrderedState>();
  st->ctx = ctx_;
  st->stream = std::string(stream);
  st->opts = std::move(opts);
  st->handler = std::move(handler);
  {
    std::lock_guard lock(st->mu);
    if (Status s = st->create_locked(); !s) return s;
  }
  st->watchdog = std::thread([st] { st->run_watchdog(); });
  return std::unique_ptr<OrderedConsumer>(new OrderedConsumer(std::move(st)));
}

OrderedConsumer::~OrderedConsumer() { stop(); }

void OrderedConsumer::stop() {
  auto& st = *state_;
  std::string consumer;
  {
    std::unique_lock lock(st.mu);
    if (st.stopped) return;
    st.stopped = true;
    st.sub.unsubscribe();
    consumer = std::move(st.consumer);
    st.cv.notify_all();
    if (!st.ctx.nc->in_callback()) st.cv.wait(lock, [&] { return !st.in_handler; });
  }
  if (st.watchdog.joinable()) st.watchdog.join();
  if (!consumer.empty()) detail::delete_consumer(st.ctx, st.stream, consumer);
}

std::string OrderedConsumer::consumer() const {
  std::lock_guard lock(state_->mu);
  return state_->consumer;
}
uint64_t OrderedConsumer::resets() const {
  std::lock_guard lock(state_->mu);
  return state_->resets;
}
uint64_t OrderedConsumer::initial_pending() const {
  std::lock_guard lock(state_->mu);
  return state_->initial_pending;
}
uint64_t OrderedConsumer::delivered() const {
  std::lock_guard lock(state_->mu);
  return state_->delivered;
}

}  // namespace nats::client
