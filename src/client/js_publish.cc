// Publishing to streams: synchronous (request/reply) and asynchronous (a shared reply
// subscription, a bounded number of acks in flight).
//
// Threads: publish() and publish_async() run on the caller's thread. Async acks arrive on the
// connection's delivery thread (AsyncPubState::on_ack), which completes the waiting
// PubAckFuture and frees a slot for publishers waiting on `space`.

#include <charconv>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "js_internal.h"
#include "nats/connection.h"
#include "nats/jetstream.h"

namespace nats::client {

namespace detail {

struct PubAckWaiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Result<PubAck> result = Status(Errc::kTimeout, "nats: no pub ack yet");

  void complete(Result<PubAck> r) {
    {
      std::lock_guard lock(mu);
      if (done) return;
      done = true;
      result = std::move(r);
    }
    cv.notify_all();
  }
};

// Shared by the JetStream and the reply subscription's callback, so an ack that is being
// handled while the JetStream goes away still finds its state.
struct AsyncPubState {
  Connection* nc = nullptr;
  int max_pending = 0;

  std::mutex sub_mu;  // makes the reply subscription once
  Subscription sub;
  std::string prefix;  // "<inbox>." ; each publish replies to prefix + token

  std::mutex mu;
  std::condition_variable space;  // a slot came free, or everything is done
  std::unordered_map<uint64_t, std::shared_ptr<PubAckWaiter>> pending;
  uint64_t next_token = 0;
  uint64_t errors = 0;
  bool closed = false;

  // Delivery thread.
  void on_ack(const Message& m);
  void fail_all(const Status& why);
};

Result<PubAck> ack_from_reply(const Message& reply) {
  if (reply.status() == proto::kStatusNoResponders) {
    return Status(Errc::kNoResponders, "nats: no response from stream");
  }
  Json j = parse_json(reply.data());
  if (j.is_discarded() || !j.is_object()) {
    return Status(Errc::kProtocol, "nats: invalid jetstream publish response");
  }
  if (Status s = api_error_of(j); !s) return s;
  PubAck ack = pub_ack_from(j);
  if (ack.stream.empty() || ack.seq == 0) {
    return Status(Errc::kProtocol, "nats: invalid jetstream publish response");
  }
  return ack;
}

void AsyncPubState::on_ack(const Message& m) {
  std::string_view token = m.subject().substr(std::min(prefix.size(), m.subject().size()));
  uint64_t id = 0;
  if (std::from_chars(token.data(), token.data() + token.size(), id).ec != std::errc()) return;
  Result<PubAck> r = ack_from_reply(m);  // parsed outside the lock
  const bool failed = !r;
  {
    std::lock_guard lock(mu);
    auto it = pending.find(id);
    if (it == pending.end()) return;  // a duplicate, or the context went away
    // The future before the slot, in one critical section: once wait_for_completion() sees
    // nothing pending, every future is complete and the error count final.
    it->second->complete(std::move(r));
    pending.erase(it);
    if (failed) ++errors;
  }
  space.notify_all();
}

void AsyncPubState::fail_all(const Status& why) {
  std::unordered_map<uint64_t, std::shared_ptr<PubAckWaiter>> left;
  {
    std::lock_guard lock(mu);
    closed = true;
    left.swap(pending);
  }
  space.notify_all();
  for (auto& [id, w] : left) w->complete(why);
}

std::shared_ptr<AsyncPubState> make_async_pub_state(Connection* nc, int max_pending) {
  auto s = std::make_shared<AsyncPubState>();
  s->nc = nc;
  s->max_pending = max_pending > 0 ? max_pending : 4000;
  return s;
}

}  // namespace detail

namespace {

// The headers a publish carries: the caller's plus those for the options.
Headers publish_headers(const PubOptions& o) {
  Headers h = o.headers;
  if (!o.msg_id.empty()) h.set(kMsgIdHdr, o.msg_id);
  if (!o.expected_stream.empty()) h.set(kExpectedStreamHdr, o.expected_stream);
  if (o.expected_last_seq) h.set(kExpectedLastSeqHdr, std::to_string(*o.expected_last_seq));
  if (o.expected_last_subject_seq) {
    h.set(kExpectedLastSubjSeqHdr, std::to_string(*o.expected_last_subject_seq));
  }
  if (!o.expected_last_msg_id.empty()) h.set(kExpectedLastMsgIdHdr, o.expected_last_msg_id);
  return h;
}

}  // namespace

JetStream::~JetStream() {
  {
    std::lock_guard lock(async_->sub_mu);
    async_->sub.unsubscribe();
  }
  async_->fail_all(Status(Errc::kConnectionClosed, "nats: jetstream context destroyed"));
}

Result<PubAck> JetStream::publish(std::string_view subject, std::string_view data,
                                  const PubOptions& opts) {
  const Headers h = publish_headers(opts);
  const auto timeout = opts.timeout.count() > 0 ? opts.timeout : ctx_.timeout;
  for (int attempt = 0;; ++attempt) {
    auto reply = h.empty() ? ctx_.nc->request(subject, data, timeout)
                           : ctx_.nc->request(subject, h, data, timeout);
    if (reply) return detail::ack_from_reply(*reply);
    // No responders: the stream may be starting (or moving); nats.go retries the same way.
    if (reply.code() != Errc::kNoResponders || attempt >= opts.retry_attempts) {
      if (reply.code() == Errc::kNoResponders) {
        return Status(Errc::kNoResponders, "nats: no response from stream");
      }
      return reply.status();
    }
    std::this_thread::sleep_for(opts.retry_wait);
  }
}

Result<PubAckFuture> JetStream::publish_async(std::string_view subject, std::string_view data,
                                              const PubOptions& opts) {
  detail::AsyncPubState& st = *async_;
  {
    std::lock_guard lock(st.sub_mu);
    if (!st.sub.valid()) {
      st.prefix = ctx_.nc->new_inbox() + ".";
      std::weak_ptr<detail::AsyncPubState> weak = async_;
      auto sub = ctx_.nc->subscribe(st.prefix + "*", [weak](Message m) {
        if (auto s = weak.lock()) s->on_ack(m);
      });
      if (!sub) return sub.status();
      sub->set_pending_limits(-1, -1);  // acks must never be dropped as a slow consumer
      st.sub = std::move(sub.value());
    }
  }
  const auto timeout = opts.timeout.count() > 0 ? opts.timeout : ctx_.timeout;
  auto w = std::make_shared<detail::PubAckWaiter>();
  uint64_t id = 0;
  {
    std::unique_lock lock(st.mu);
    auto has_room = [&] {
      return st.closed || static_cast<int>(st.pending.size()) < st.max_pending;
    };
    if (!has_room()) {
      // The delivery thread completes acks: waiting on it for itself would never end.
      if (ctx_.nc->in_callback() || !st.space.wait_for(lock, timeout, has_room)) {
        return Status(Errc::kTooManyPending, "nats: too many async publishes in flight");
      }
    }
    if (st.closed) return Status(Errc::kConnectionClosed, "nats: jetstream context destroyed");
    id = ++st.next_token;
    st.pending.emplace(id, w);
  }
  const Headers h = publish_headers(opts);
  const std::string reply = st.prefix + std::to_string(id);
  Status s = h.empty() ? ctx_.nc->publish(subject, reply, data)
                       : ctx_.nc->publish(subject, reply, h, data);
  if (!s) {
    std::lock_guard lock(st.mu);
    st.pending.erase(id);
    st.space.notify_all();
    return s;
  }
  return PubAckFuture(std::move(w));
}

Status JetStream::wait_for_completion(std::chrono::milliseconds timeout) {
  std::unique_lock lock(async_->mu);
  if (!async_->space.wait_for(lock, timeout, [&] { return async_->pending.empty(); })) {
    return Status(Errc::kTimeout, "nats: async publishes still waiting for acks");
  }
  return Status();
}

int64_t JetStream::publish_async_pending() const {
  std::lock_guard lock(async_->mu);
  return static_cast<int64_t>(async_->pending.size());
}

uint64_t JetStream::publish_async_errors() const {
  std::lock_guard lock(async_->mu);
  return async_->errors;
}

Result<PubAck> PubAckFuture::wait(std::chrono::milliseconds timeout) const {
  if (!w_) return Status(Errc::kInvalidArgument, "nats: empty PubAckFuture");
  std::unique_lock lock(w_->mu);
  if (!w_->cv.wait_for(lock, timeout, [&] { return w_->done; })) {
    return Status(Errc::kTimeout, "nats: timeout waiting for pub ack");
  }
  return w_->result;
}

bool PubAckFuture::done() const {
  if (!w_) return false;
  std::lock_guard lock(w_->mu);
  return w_->done;
}

}  // namespace nats::client
