#pragma once
// A client's interest in a subject. Created by the owning connection's loop on SUB, inserted in
// its account's Sublist, removed on UNSUB/close. The sublist and match results hold raw
// pointers; memory is reclaimed only after every loop has passed a quiescent point (see
// docs/threading.md), so a match result stays valid for the rest of the read batch that made it.

#include <atomic>
#include <cstdint>
#include <string>

namespace nats {

class ClientConnection;

struct Subscription {
  ClientConnection* client = nullptr;  // owner; null for tests and internal subscribers
  std::string subject;
  std::string queue;  // empty: not a queue subscription
  std::string sid;
  // Auto-unsubscribe: deliver at most max_msgs (0 = unlimited). Both are written only under
  // the owning connection's out_mu_ (deliveries from any loop take it); atomics so that
  // monitoring and the queue-member choice may read them without it.
  std::atomic<uint64_t> max_msgs{0};
  std::atomic<uint64_t> delivered{0};
  std::atomic<bool> closed{false};  // set once removed; deliveries skip a closed subscription

  bool is_queue() const { return !queue.empty(); }
};

}  // namespace nats
