#pragma once
// A client's interest in a subject. Created by the owning connection's loop on SUB, inserted in
// its account's Sublist, removed on UNSUB/close. The sublist and match results hold raw
// pointers; memory is reclaimed only after every loop has passed a quiescent point (see
// docs/threading.md), so a match result stays valid for the rest of the read batch that made it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/subject.h"

namespace nats {

class ClientConnection;
class Account;
struct Subscription;
namespace proto {
struct PubArgs;
}

// A subscriber inside the server (the system account's services). Called on the loop of the
// client whose message matched, in the middle of that client's read batch, with the client
// itself: a handler may read the publisher's state (it is on its owner loop) but must not
// block or close it. Whatever it keeps of `args` or `msg` it must copy.
class InternalHandler {
 public:
  virtual void on_internal_msg(Subscription& sub, ClientConnection& from, const proto::PubArgs& args,
                               std::string_view msg) = 0;

 protected:
  ~InternalHandler() = default;
};
struct StreamImport;
struct ServiceImport;

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
  // Subscribe deny clauses of the owner's permissions that this (wildcard or queue)
  // subscription overlaps, checked for each message (nats-server's checkDenySub). Null for
  // nearly every subscription, so the message path pays one pointer load. Owned; set before
  // the subscription is inserted in the sublist, and replaced only by the owner loop on a
  // config reload, which retires the old list through the loop (producers may hold it for
  // the rest of their read batch).
  std::atomic<const std::vector<std::string>*> deny_filter{nullptr};

  Subscription() = default;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { delete deny_filter.load(std::memory_order_relaxed); }

  // Accounts (server/account.h). A *shadow* subscription stands for `shadow_of` (a client's
  // subscription in an importing account) in an exporting account's sublist: deliveries through
  // it are renamed by `stream_import` and counted on `shadow_of`. The parent owns its shadows
  // (owner loop only) and removes them with itself.
  Subscription* shadow_of = nullptr;
  const StreamImport* stream_import = nullptr;
  std::vector<std::unique_ptr<Subscription>> shadows;
  // Internal subscriptions have no client: a service import in the importer's sublist, or the
  // `_R_.<prefix>.>` reply subscription of an exporting account. Set before insertion, never
  // changed.
  ServiceImport* service_import = nullptr;
  Account* reply_account = nullptr;
  // Or a handler inside the server (server/system_account.h); `account` is the sublist's owner.
  InternalHandler* internal_handler = nullptr;
  Account* account = nullptr;

  bool is_queue() const { return !queue.empty(); }
  // Must a message on `subject` be kept from this subscription? Any thread.
  bool delivery_denied(std::string_view subject) const {
    const std::vector<std::string>* filter = deny_filter.load(std::memory_order_acquire);
    if (filter == nullptr) return false;
    for (const std::string& pattern : *filter) {
      if (subject_matches(pattern, subject)) return true;
    }
    return false;
  }
};

}  // namespace nats
