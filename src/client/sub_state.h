#pragma once
// The shared state of one subscription.
//
// Created by ConnectionImpl::subscribe on the caller's thread and kept in the connection's
// subscription map (under subs_mu_) and by the user's Subscription handle. The I/O thread
// counts and queues messages; the delivery thread (callback subscriptions) or the user's
// next_msg thread (sync subscriptions) takes them. Memory is reclaimed through the shared_ptr:
// when a subscription leaves the map, the I/O side queues a "retire" item behind its last
// message on the delivery thread, so a raw SubState* in a queued delivery is always valid.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "nats/connection.h"

namespace nats::client::detail {

struct SubState {
  SubState(uint64_t sid_, std::string subject_, std::string queue_, MsgHandler handler_,
           int64_t max_pending_msgs, int64_t max_pending_bytes)
      : sid(sid_),
        subject(std::move(subject_)),
        queue(std::move(queue_)),
        handler(std::move(handler_)),
        pending_msgs_limit(max_pending_msgs),
        pending_bytes_limit(max_pending_bytes) {}

  const uint64_t sid;
  const std::string subject;
  const std::string queue;
  const MsgHandler handler;  // empty for subscribe_sync

  // Auto-unsubscribe limit (0: none); set by the user, read by the I/O thread.
  std::atomic<int64_t> max_msgs{0};
  // Messages the I/O thread accepted for this subscription (I/O thread writes).
  std::atomic<uint64_t> delivered{0};
  std::atomic<uint64_t> dropped{0};
  // Queued and not yet handed to the callback / next_msg.
  std::atomic<int64_t> pending_msgs{0};
  std::atomic<int64_t> pending_bytes{0};
  std::atomic<int64_t> pending_msgs_limit;
  std::atomic<int64_t> pending_bytes_limit;
  // Set once the pending limits were hit and not yet reported as a slow consumer.
  std::atomic<bool> slow{false};

  // Unsubscribed by the user or the connection closed: queued messages are dropped.
  std::atomic<bool> closed{false};
  // No more messages will arrive (auto-unsubscribe reached, drained): what is queued is still
  // delivered, then the subscription is finished.
  std::atomic<bool> finished{false};

  // Sync subscriptions: the queue next_msg reads. Also the condition drain() waits on for
  // callback subscriptions (pending_msgs reaching 0).
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Message> queue_msgs;
  bool slow_reported_to_next_msg = false;  // under mu
  int waiters = 0;                         // threads waiting on cv, under mu

  bool is_sync() const { return !handler; }
  // Wakes next_msg / drain waiters; the cheap check keeps the I/O thread from signalling
  // nobody.
  void wake() {
    std::lock_guard lock(mu);
    if (waiters > 0) cv.notify_all();
  }
};

}  // namespace nats::client::detail
