#pragma once
// Sublist: the subject routing table of one account. A trie with one level per subject token;
// each level has literal children plus at most one "*" child and one ">" child, and each node
// holds the plain subscriptions and queue groups whose subject ends there.
//
// Threading: any thread may call any method. Writers (insert/remove, from the loops owning the
// subscribing connections) take an exclusive lock; match() takes a shared lock, or only a short
// per-shard lock when the subject is in the internal result cache. Every change bumps
// generation() once it is fully visible, so a per-connection cache can be validated by reading
// generation() *before* calling match() and tagging the result with that value.
//
// Lifetime: the sublist borrows Subscription pointers. A pointer handed out by match() may refer
// to a subscription removed concurrently; reclaiming it is the owner's job (see subscription.h).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/subscription.h"

namespace nats {

namespace sublist_detail {
struct Level;
struct Cache;
}  // namespace sublist_detail

// The subscriptions interested in one published subject. Plain subscribers each get the
// message; each entry of `qsubs` is one queue group (all members share Subscription::queue),
// of which one member gets it.
//
// Reuse one result across calls: clear() keeps every buffer, including the queue group vectors,
// so a warmed-up result makes match() allocation-free.
struct SublistResult {
  std::vector<Subscription*> psubs;
  std::vector<std::vector<Subscription*>> qsubs;

  void clear();
  bool empty() const { return psubs.empty() && qsubs.empty(); }
  // Appends an empty group to `qsubs`, recycling a vector released by clear().
  std::vector<Subscription*>& add_queue_group();

 private:
  std::vector<std::vector<Subscription*>> spare_qsubs_;
};

enum class SublistStatus : uint8_t {
  kOk,
  kInvalidSubject,  // the subscription's subject fails is_valid_subject()
};

// Figures for /subsz, with nats-server's meanings. Fan-out is measured over the result cache:
// the number of plain subscribers plus queue groups per cached subject.
struct SublistStats {
  uint32_t num_subscriptions = 0;
  uint32_t num_cache = 0;
  uint64_t num_inserts = 0;
  uint64_t num_removes = 0;
  uint64_t num_matches = 0;
  double cache_hit_rate = 0;  // cache hits / num_matches
  uint32_t max_fanout = 0;
  double avg_fanout = 0;
  // Raw figures behind the ratios, so add() can sum several accounts.
  uint64_t cache_hits = 0;
  uint64_t total_fanout = 0;

  // Folds in another account's stats, recomputing the ratios from the raw figures.
  void add(const SublistStats& other);
};

class Sublist {
 public:
  // The result cache mirrors nats-server's: it helps when the same subjects are published over
  // and over, and costs a trie walk plus a copy on every miss. Turn it off for accounts that
  // publish mostly unique subjects (nats-server's `no_sublist_cache`).
  explicit Sublist(bool enable_cache = true);
  ~Sublist();
  Sublist(const Sublist&) = delete;
  Sublist& operator=(const Sublist&) = delete;

  // Adds `sub` under sub->subject (and sub->queue if set). Each subscription is inserted at
  // most once (a second insert traps) and its subject and queue must not change until it has
  // been removed.
  [[nodiscard]] SublistStatus insert(Subscription* sub);
  // False if `sub` was not in the sublist.
  bool remove(Subscription* sub);
  // Removes many at once (a closing connection): one lock, one cache flush, one generation
  // bump. Returns how many were found.
  size_t remove_batch(std::span<Subscription* const> subs);

  // Fills `out` (cleared first) with every subscription matching the published `subject`.
  // A subject that is empty or has an empty token matches nothing. Order is unspecified.
  void match(std::string_view subject, SublistResult& out) const;
  // Cheaper than match() when only the yes/no matters (e.g. for dropping unwanted messages).
  // Not counted in stats(), so it cannot skew the cache hit rate.
  bool has_interest(std::string_view subject) const;

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  size_t count() const { return count_.load(std::memory_order_relaxed); }
  // Appends every subscription to `out`, for monitoring and for replaying interest to routes.
  void all(std::vector<Subscription*>& out) const;
  SublistStats stats() const;
  size_t cache_count() const;
  bool cache_enabled() const { return cache_ != nullptr; }
  // Number of trie nodes; 0 once every subscription has been removed. For tests and debugging.
  size_t num_nodes() const;

 private:
  bool remove_locked(Subscription* sub);
  void invalidate_cache_locked(std::string_view pattern);
  void bump_generation_locked();

  mutable std::shared_mutex mu_;
  std::unique_ptr<sublist_detail::Level> root_;  // guarded by mu_
  uint64_t inserts_ = 0;                         // guarded by mu_
  uint64_t removes_ = 0;                         // guarded by mu_
  // Null if disabled. Has its own locks, see sublist_detail::Cache.
  const std::unique_ptr<sublist_detail::Cache> cache_;
  std::atomic<size_t> count_{0};                     // written under mu_, read anywhere
  alignas(64) std::atomic<uint64_t> generation_{0};  // written under mu_, read anywhere
  // Bumped by every reader: kept off the lines the other fields share.
  alignas(64) mutable std::atomic<uint64_t> matches_{0};
  mutable std::atomic<uint64_t> cache_hits_{0};
};

}  // namespace nats
