#pragma once
// Receiving from JetStream consumers: pull (fetch, consume), push (subscribe) and ordered.
// Made by JetStream (nats/jetstream.h). Each borrows the Connection: destroy them before it.
//
// Threads: fetch() runs on the caller's thread; consume(), push subscriptions and ordered
// consumers call their handler on the connection's delivery thread, like any callback
// subscription. Status messages of the server (heartbeats, flow control, 404/408/409) are
// handled inside and never reach a handler.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nats/jetstream_types.h"
#include "nats/js_message.h"
#include "nats/status.h"
#include "nats/subscription.h"

namespace nats::client {

class Connection;
using JsMsgHandler = std::function<void(JsMessage)>;

namespace detail {
// What every JetStream piece needs to talk to the API; copied, never shared.
struct JsContext {
  Connection* nc = nullptr;
  std::string prefix;  // "$JS.API." or "$JS.<domain>.API."
  std::chrono::milliseconds timeout{5000};
};
struct ConsumeState;
struct OrderedState;
struct PushState;
}  // namespace detail

// ---------------------------------------------------------------- pull

struct ConsumeOptions {
  int batch = 100;                              // messages asked for per pull request
  int64_t max_bytes = 0;                        // per pull request; 0: no limit
  std::chrono::milliseconds expires{30000};     // how long each pull request waits
  std::chrono::milliseconds idle_heartbeat{0};  // 0: expires / 2, at most 30 s
  int threshold = 0;                            // refill below this many; 0: batch / 2
  std::function<void(const Status&)> error_cb;  // missed heartbeats, consumer deleted, ...
};

// A running consume(): messages flow to the handler until stop() or destruction.
class ConsumeContext {
 public:
  ConsumeContext() = default;
  ConsumeContext(ConsumeContext&&) noexcept;
  ConsumeContext& operator=(ConsumeContext&&) noexcept;
  ~ConsumeContext();
  // Stops pulling and unsubscribes; the handler is not called after it returns, unless
  // stop() runs inside that handler (then after the current call returns).
  void stop();
  bool running() const;

 private:
  friend class PullConsumer;
  explicit ConsumeContext(std::shared_ptr<detail::ConsumeState> s);
  std::shared_ptr<detail::ConsumeState> state_;
};

// A pull consumer bound to (stream, consumer). Its fetches share one inbox subscription
// "<inbox>.*", each pull request with its own reply token, so a late status of an expired
// request cannot end a later fetch. One fetch at a time per PullConsumer.
class PullConsumer {
 public:
  PullConsumer(PullConsumer&&) noexcept = default;
  PullConsumer& operator=(PullConsumer&&) noexcept = default;
  ~PullConsumer();

  const std::string& stream() const { return stream_; }
  const std::string& consumer() const { return consumer_; }

  // Up to `batch` messages, waiting at most `max_wait` for them: returns what arrived by then
  // (at least one), kTimeout when nothing did, kConsumerDeleted / kApiError on a 409.
  Result<std::vector<JsMessage>> fetch(
      int batch, std::chrono::milliseconds max_wait = std::chrono::seconds(5));
  // Only what is available now: kNoMessages when nothing is.
  Result<std::vector<JsMessage>> fetch_no_wait(int batch);
  // Keeps pull requests topped up and calls `handler` for each message (delivery thread).
  Result<ConsumeContext> consume(JsMsgHandler handler, ConsumeOptions opts = {});

 private:
  friend class JetStream;
  PullConsumer(detail::JsContext ctx, std::string stream, std::string consumer);
  Result<std::vector<JsMessage>> pull(int batch, std::chrono::milliseconds max_wait, bool no_wait);

  detail::JsContext ctx_;
  std::string stream_;
  std::string consumer_;
  std::string inbox_;  // "<inbox>." ; requests reply to inbox_ + token
  uint64_t next_token_ = 0;
  Subscription sub_;  // sync, on inbox_ + "*", made by the first fetch
};

// ---------------------------------------------------------------- push

// A subscription to a push consumer's deliver subject. Destroying it unsubscribes (and, for a
// consumer it created without a durable name, the server then removes the consumer).
class PushSubscription {
 public:
  PushSubscription() = default;
  PushSubscription(PushSubscription&&) noexcept = default;
  PushSubscription& operator=(PushSubscription&&) noexcept = default;
  ~PushSubscription();

  const std::string& stream() const;
  const std::string& consumer() const;
  Subscription& subscription();
  Status unsubscribe();
  // Flow-control requests answered and heartbeats seen so far.
  uint64_t flow_control_replies() const;
  uint64_t heartbeats() const;

 private:
  friend class JetStream;
  explicit PushSubscription(std::shared_ptr<detail::PushState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::PushState> state_;
};

// ---------------------------------------------------------------- ordered

struct OrderedConsumerOptions {
  std::string filter_subject;
  DeliverPolicy deliver_policy = DeliverPolicy::kAll;
  uint64_t opt_start_seq = 0;
  std::string opt_start_time;
  bool headers_only = false;
  std::chrono::milliseconds idle_heartbeat{5000};  // two missed: the consumer is recreated
  std::function<void(const Status&)> error_cb;     // a reset that failed (retried later)
};

// Every message of a stream (or filter), in order, exactly once per OrderedConsumer: an
// ephemeral push consumer with flow control and heartbeats, no acks, in memory. A gap in the
// consumer sequence, a heartbeat naming a sequence we did not see, or two missed heartbeats
// (the consumer was deleted, the server restarted) recreate the consumer from the stream
// sequence after the last message handed to the handler.
class OrderedConsumer {
 public:
  ~OrderedConsumer();
  OrderedConsumer(const OrderedConsumer&) = delete;
  OrderedConsumer& operator=(const OrderedConsumer&) = delete;
  // Stops delivery and deletes the server-side consumer.
  void stop();
  // The name of the current server-side consumer (changes with every reset).
  std::string consumer() const;
  uint64_t resets() const;
  uint64_t delivered() const;
  // Messages the first consumer had waiting when it was made (its num_pending): a watcher
  // knows the initial values are all in once it has seen that many (0: none to wait for).
  uint64_t initial_pending() const;

 private:
  friend class JetStream;
  explicit OrderedConsumer(std::shared_ptr<detail::OrderedState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::OrderedState> state_;
};

}  // namespace nats::client
