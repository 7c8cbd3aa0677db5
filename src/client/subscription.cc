#include "nats/subscription.h"

#include "connection_impl.h"

namespace nats::client {

namespace {
Status gone() { return Status(Errc::kConnectionClosed, "nats: connection closed"); }
}  // namespace

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    if (state_) (void)unsubscribe();
    conn_ = std::move(other.conn_);
    state_ = std::move(other.state_);
  }
  return *this;
}

Subscription::~Subscription() {
  if (!state_) return;
  if (state_->closed.load() || state_->finished.load()) return;
  (void)unsubscribe();
}

// Both branches as string_view: `cond ? std::string : ""` would make a temporary string and
// return a view of it.
std::string_view Subscription::subject() const {
  return state_ ? std::string_view(state_->subject) : std::string_view();
}
std::string_view Subscription::queue() const {
  return state_ ? std::string_view(state_->queue) : std::string_view();
}
uint64_t Subscription::sid() const { return state_ ? state_->sid : 0; }

Status Subscription::unsubscribe() {
  if (!state_) return Status(Errc::kInvalidSubscription, "nats: invalid subscription");
  auto conn = conn_.lock();
  if (!conn) return gone();
  return conn->unsubscribe(state_, 0);
}

Status Subscription::auto_unsubscribe(int64_t max) {
  if (!state_) return Status(Errc::kInvalidSubscription, "nats: invalid subscription");
  if (max <= 0) return Status(Errc::kInvalidArgument, "nats: auto-unsubscribe needs max > 0");
  auto conn = conn_.lock();
  if (!conn) return gone();
  return conn->unsubscribe(state_, max);
}

Status Subscription::drain(std::chrono::milliseconds timeout) {
  if (!state_) return Status(Errc::kInvalidSubscription, "nats: invalid subscription");
  auto conn = conn_.lock();
  if (!conn) return gone();
  return conn->drain_subscription(state_, timeout);
}

Result<Message> Subscription::next_msg(std::chrono::milliseconds timeout) {
  if (!state_) return Status(Errc::kInvalidSubscription, "nats: invalid subscription");
  auto conn = conn_.lock();
  if (!conn) return gone();
  return conn->next_msg(*state_, timeout);
}

int64_t Subscription::pending() const { return state_ ? state_->pending_msgs.load() : 0; }
uint64_t Subscription::delivered() const { return state_ ? state_->delivered.load() : 0; }
uint64_t Subscription::dropped() const { return state_ ? state_->dropped.load() : 0; }

void Subscription::set_pending_limits(int64_t max_msgs, int64_t max_bytes) {
  if (!state_) return;
  if (max_msgs > 0) state_->pending_msgs_limit.store(max_msgs);
  if (max_bytes > 0) state_->pending_bytes_limit.store(max_bytes);
}

}  // namespace nats::client
