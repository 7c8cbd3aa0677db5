#pragma once
// A handle to one subscription. Created by Connection::subscribe / subscribe_sync; move-only.
// Destroying the handle unsubscribes (so a subscription lives exactly as long as its handle),
// unless it was already unsubscribed, drained or closed. The handle may outlive its Connection:
// every call then reports kConnectionClosed.
//
// Thread safety: any thread may call any method, but next_msg() on one subscription from one
// thread at a time.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "nats/message.h"
#include "nats/status.h"

namespace nats::client {

namespace detail {
class ConnectionImpl;
struct SubState;
}  // namespace detail

class Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&&) noexcept = default;
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

  bool valid() const { return state_ != nullptr; }
  std::string_view subject() const;
  std::string_view queue() const;
  uint64_t sid() const;

  // Removes the interest now; messages not yet handed to the callback are dropped.
  Status unsubscribe();
  // Unsubscribes after `max` messages in total (counting those already received).
  Status auto_unsubscribe(int64_t max);
  // Stops the interest, lets every message already sent by the server be processed (callback
  // subscriptions: wait for the callbacks; sync: next_msg still returns them), then removes the
  // subscription. Must not be called from this subscription's own callback.
  Status drain(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Pull style (subscribe_sync only): the next message, or kTimeout; kInvalidSubscription once
  // the subscription is gone and its queue is empty; kSlowConsumer once after drops.
  Result<Message> next_msg(std::chrono::milliseconds timeout);

  // Messages received but not yet handed over (queued for the callback or next_msg).
  int64_t pending() const;
  // Messages handed to the subscription by the I/O thread so far.
  uint64_t delivered() const;
  // Messages dropped because the pending limits were reached.
  uint64_t dropped() const;
  void set_pending_limits(int64_t max_msgs, int64_t max_bytes);

 private:
  friend class detail::ConnectionImpl;
  Subscription(std::weak_ptr<detail::ConnectionImpl> conn, std::shared_ptr<detail::SubState> s)
      : conn_(std::move(conn)), state_(std::move(s)) {}

  std::weak_ptr<detail::ConnectionImpl> conn_;
  std::shared_ptr<detail::SubState> state_;
};

}  // namespace nats::client
