// Push consumers: a callback subscription on the consumer's deliver subject (queue group =
// deliver group). The callback runs on the connection's delivery thread; it answers the
// server's flow-control requests and stalled-consumer heartbeats itself and hands only real
// messages to the user's handler.
//
//   status 100 with a reply subject           flow control: reply (empty) to resume delivery
//   status 100 without, "Idle Heartbeat"      alive; Nats-Consumer-Stalled: <subject> asks for a
//                                             reply there (flow control answer got lost)

#include <atomic>

#include "js_internal.h"
#include "nats/connection.h"

namespace nats::client {

namespace detail {

struct PushState {
  JsContext ctx;
  std::string stream;
  std::string consumer;
  JsMsgHandler handler;
  Subscription sub;
  std::atomic<uint64_t> fc_replies{0};
  std::atomic<uint64_t> heartbeats{0};

  void on_msg(Message m) {  // delivery thread
    if (m.status() == 0) {
      handler(JsMessage(std::move(m), ctx.nc));
      return;
    }
    if (m.status() != 100) return;
    if (!m.reply().empty()) {
      ctx.nc->publish(m.reply(), "");
      fc_replies.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    heartbeats.fetch_add(1, std::memory_order_relaxed);
    if (auto stalled = m.headers().get("Nats-Consumer-Stalled"); stalled && !stalled->empty()) {
      ctx.nc->publish(*stalled, "");
    }
  }
};

}  // namespace detail

Result<PushSubscription> JetStream::subscribe(std::string_view stream, ConsumerConfig cfg,
                                              JsMsgHandler handler) {
  if (!handler) return Status(Errc::kInvalidArgument, "nats: no message handler");
  auto st = std::make_shared<detail::PushState>();
  st->ctx = ctx_;
  st->stream = std::string(stream);
  st->handler = std::move(handler);

  bool bound = false;
  if (!cfg.durable_name.empty()) {
    auto existing = consumer_info(stream, cfg.durable_name);
    if (existing) {
      if (existing->config.deliver_subject.empty()) {
        return Status(Errc::kInvalidArgument, "nats: consumer is pull based");
      }
      cfg.deliver_subject = existing->config.deliver_subject;
      cfg.deliver_group = existing->config.deliver_group;
      st->consumer = existing->name;
      bound = true;
    } else if (existing.code() != Errc::kConsumerNotFound) {
      return existing.status();
    }
  }
  if (cfg.deliver_subject.empty()) cfg.deliver_subject = ctx_.nc->new_inbox();

  // Subscribe before the consumer exists so that nothing it sends first is lost.
  std::weak_ptr<detail::PushState> weak = st;
  auto sub = ctx_.nc->subscribe(cfg.deliver_subject, cfg.deliver_group, [weak](Message m) {
    if (auto s = weak.lock()) s->on_msg(std::move(m));
  });
  if (!sub) return sub.status();
  st->sub = std::move(sub.value());
  if (!bound) {
    auto info = add_consumer(stream, cfg);
    if (!info) {
      st->sub.unsubscribe();
      return info.status();
    }
    st->consumer = info->name;
  }
  return PushSubscription(std::move(st));
}

PushSubscription::~PushSubscription() {
  if (state_) state_->sub.unsubscribe();
}

const std::string& PushSubscription::stream() const { return state_->stream; }
const std::string& PushSubscription::consumer() const { return state_->consumer; }
Subscription& PushSubscription::subscription() { return state_->sub; }
Status PushSubscription::unsubscribe() {
  if (!state_) return Status(Errc::kInvalidSubscription, "nats: invalid subscription");
  return state_->sub.unsubscribe();
}
uint64_t PushSubscription::flow_control_replies() const {
  return state_ ? state_->fc_replies.load(std::memory_order_relaxed) : 0;
}
uint64_t PushSubscription::heartbeats() const {
  return state_ ? state_->heartbeats.load(std::memory_order_relaxed) : 0;
}

}  // namespace nats::client
