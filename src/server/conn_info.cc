#include "server/conn_info.h"

#include <utility>

#include "base/clock.h"
#include "server/account.h"
#include "server/client_connection.h"

namespace nats {

ConnInfo make_conn_info(const ClientConnection& c, bool subs, bool details) {
  ConnInfo ci = c.conn_info(subs && !details);
  if (details) {
    ci.subs_detail = c.subscription_details();
    if (subs) {
      ci.subs.reserve(ci.subs_detail.size());
      for (const SubDetail& d : ci.subs_detail) ci.subs.push_back(d.subject);
    }
  }
  return ci;
}

void ClosedClients::add(const ClientConnection& c, ClosedState reason) {
  ConnInfo ci = make_conn_info(c, true, true);
  ci.stop_ns = wall_nanos();
  ci.reason = std::string(closed_state_name(reason));
  ci.tls_version.clear();
  ci.tls_cipher_suite.clear();
  ci.tls_first = false;
  ci.tls_peer_certs.clear();
  add(std::move(ci));
}

void ClosedClients::add(ConnInfo info) {
  std::lock_guard lock(mu_);
  if (capacity_ == 0) return;
  while (ring_.size() >= capacity_) ring_.pop_front();
  ring_.push_back(std::move(info));
}

std::vector<ConnInfo> ClosedClients::snapshot() const {
  std::lock_guard lock(mu_);
  return {ring_.begin(), ring_.end()};
}

size_t ClosedClients::size() const {
  std::lock_guard lock(mu_);
  return ring_.size();
}

void ClosedClients::set_capacity(size_t capacity) {
  std::lock_guard lock(mu_);
  capacity_ = capacity;
  while (ring_.size() > capacity_) ring_.pop_front();
}

}  // namespace nats
