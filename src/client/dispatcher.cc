#include "dispatcher.h"

namespace nats::client::detail {

Dispatcher::Dispatcher() : thread_([this] { run(); }) {}

Dispatcher::~Dispatcher() {
  stop();
  if (thread_.joinable()) {
    if (on_delivery_thread()) {
      thread_.detach();  // NATS_CHECKed by the owner; never reached in correct use
    } else {
      thread_.join();
    }
  }
}

void Dispatcher::push_batch(std::vector<Delivery>& batch) {
  if (batch.empty()) return;
  bool wake;
  {
    std::lock_guard lock(mu_);
    wake = queue_.empty();
    if (queue_.empty()) {
      queue_.swap(batch);
    } else {
      for (Delivery& d : batch) queue_.push_back(std::move(d));
    }
  }
  batch.clear();
  if (wake) cv_.notify_one();
}

void Dispatcher::post(std::function<void()> event) {
  Delivery d;
  d.event = std::move(event);
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(d));
  }
  cv_.notify_one();
}

void Dispatcher::retire(std::shared_ptr<SubState> sub) {
  Delivery d;
  d.retired = std::move(sub);
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(d));
  }
  cv_.notify_one();
}

void Dispatcher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
}

void Dispatcher::join() {
  if (thread_.joinable() && !on_delivery_thread()) thread_.join();
}

void Dispatcher::deliver(Delivery& d) {
  if (d.event) {
    d.event();
    return;
  }
  if (d.retired) {
    d.retired.reset();
    return;
  }
  SubState* sub = d.sub;
  const int64_t bytes = int64_t(d.msg.size());
  if (!sub->closed.load(std::memory_order_acquire)) sub->handler(std::move(d.msg));
  sub->pending_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  if (sub->pending_msgs.fetch_sub(1, std::memory_order_acq_rel) == 1) sub->wake();  // drain
}

void Dispatcher::run() {
  std::vector<Delivery> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      batch.swap(queue_);
    }
    for (Delivery& d : batch) deliver(d);
    batch.clear();
  }
}

}  // namespace nats::client::detail
