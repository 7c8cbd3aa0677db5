#include "server/sublist.h"

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>
#include <absl/strings/string_view.h>

#include <algorithm>
#include <array>
#include <mutex>

#include "base/check.h"
#include "server/subject.h"

namespace nats {

void SublistResult::clear() {
  psubs.clear();
  // Stacked in reverse so add_queue_group() hands them out in their old order: matching the
  // same subject again then puts every group back into the vector that already fits it.
  for (auto it = qsubs.rbegin(); it != qsubs.rend(); ++it) {
    it->clear();
    spare_qsubs_.push_back(std::move(*it));
  }
  qsubs.clear();
}

std::vector<Subscription*>& SublistResult::add_queue_group() {
  if (spare_qsubs_.empty()) return qsubs.emplace_back();
  qsubs.push_back(std::move(spare_qsubs_.back()));
  spare_qsubs_.pop_back();
  return qsubs.back();
}

void SublistStats::add(const SublistStats& other) {
  num_subscriptions += other.num_subscriptions;
  num_cache += other.num_cache;
  num_inserts += other.num_inserts;
  num_removes += other.num_removes;
  num_matches += other.num_matches;
  cache_hits += other.cache_hits;
  total_fanout += other.total_fanout;
  max_fanout = std::max(max_fanout, other.max_fanout);
  if (total_fanout > 0 && num_cache > 0) {
    avg_fanout = static_cast<double>(total_fanout) / num_cache;
  }
  if (num_matches > 0) cache_hit_rate = static_cast<double>(cache_hits) / num_matches;
}

// The trie and cache internals. Not in an anonymous namespace only because sublist.h names
// Level and Cache; nothing outside this file uses them.
namespace sublist_detail {

// Below this many members a set is searched linearly on removal; above, it keeps a position
// index, so that tearing down a node with thousands of subscribers stays linear overall.
constexpr size_t kIndexMin = 32;
// Result cache bounds, as in nats-server: past kCacheMax entries it is cut back to
// kCacheSweepTo. Each shard enforces its share.
constexpr size_t kCacheShards = 16;
constexpr size_t kCacheMax = 1024;     // entries
constexpr size_t kCacheSweepTo = 256;  // entries
constexpr size_t kCacheShardMax = kCacheMax / kCacheShards;
constexpr size_t kCacheShardSweepTo = kCacheSweepTo / kCacheShards;

// Subscriptions at one node, stored contiguously because match() copies them all far more
// often than insert/remove change them. Removal swaps the last member into the hole.
class SubSet {
 public:
  void add(Subscription* sub) {
    // A second insert of one subscription would make remove() leave a copy behind; that is a
    // caller bug, caught here while it is cheap to (a hash probe, or a scan of <= kIndexMin).
    if (index_) {
      NATS_CHECK(index_->emplace(sub, items_.size()).second);
    } else {
      NATS_CHECK(std::find(items_.begin(), items_.end(), sub) == items_.end());
    }
    items_.push_back(sub);
    if (!index_ && items_.size() > kIndexMin) {
      index_ = std::make_unique<absl::flat_hash_map<Subscription*, size_t>>();
      for (size_t i = 0; i < items_.size(); ++i) index_->emplace(items_[i], i);
    }
  }

  bool remove(Subscription* sub) {
    size_t pos;
    if (index_) {
      auto it = index_->find(sub);
      if (it == index_->end()) return false;
      pos = it->second;
      index_->erase(it);
    } else {
      auto it = std::find(items_.begin(), items_.end(), sub);
      if (it == items_.end()) return false;
      pos = static_cast<size_t>(it - items_.begin());
    }
    if (pos + 1 != items_.size()) {
      items_[pos] = items_.back();
      if (index_) (*index_)[items_[pos]] = pos;
    }
    items_.pop_back();
    // Hysteresis, so a set hovering around kIndexMin does not rebuild its index every time.
    if (index_ && items_.size() < kIndexMin / 2) index_.reset();
    return true;
  }

  std::span<Subscription* const> items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::vector<Subscription*> items_;
  std::unique_ptr<absl::flat_hash_map<Subscription*, size_t>> index_;  // sub -> position
};

struct QueueGroup {
  std::string name;
  SubSet members;
};

namespace {

// Debian's Abseil has its own string_view type, which the maps' heterogeneous lookup wants.
absl::string_view as_key(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Appends `from` to the end of `to`.
void append(std::vector<Subscription*>& to, std::span<Subscription* const> from) {
  to.insert(to.end(), from.begin(), from.end());
}

// match() rejects these up front so the trie walk may assume every token is non-empty.
bool is_matchable(std::string_view subject) {
  return !subject.empty() && subject.front() != kTokenSeparator &&
         subject.back() != kTokenSeparator && subject.find("..") == std::string_view::npos;
}

// Splits the first token off `rest`; false if it was the last one.
bool split_token(std::string_view& rest, std::string_view& token) {
  const size_t dot = rest.find(kTokenSeparator);
  if (dot == std::string_view::npos) {
    token = rest;
    return false;
  }
  token = rest.substr(0, dot);
  rest.remove_prefix(dot + 1);
  return true;
}

}  // namespace

struct Node {
  SubSet psubs;
  std::vector<QueueGroup> qsubs;  // few groups per subject in practice: searched linearly
  std::unique_ptr<Level> next;    // null until a longer subject passes through this node

  bool has_subs() const { return !psubs.empty() || !qsubs.empty(); }

  void add(Subscription* sub) {
    if (!sub->is_queue()) {
      psubs.add(sub);
      return;
    }
    for (QueueGroup& group : qsubs) {
      if (group.name == sub->queue) {
        group.members.add(sub);
        return;
      }
    }
    qsubs.push_back(QueueGroup{sub->queue, {}});
    qsubs.back().members.add(sub);
  }

  bool remove(Subscription* sub) {
    if (!sub->is_queue()) return psubs.remove(sub);
    for (auto it = qsubs.begin(); it != qsubs.end(); ++it) {
      if (it->name != sub->queue) continue;
      if (!it->members.remove(sub)) return false;
      if (it->members.empty()) qsubs.erase(it);
      return true;
    }
    return false;
  }

  // Appends this node's subscriptions to `out`, merging queue groups by name with those
  // other nodes already contributed: a queue group spans every subject that matches.
  void add_to(SublistResult& out) const {
    append(out.psubs, psubs.items());
    for (const QueueGroup& group : qsubs) {
      std::vector<Subscription*>* slot = nullptr;
      for (auto& existing : out.qsubs) {
        if (!existing.empty() && existing.front()->queue == group.name) {
          slot = &existing;
          break;
        }
      }
      if (slot == nullptr) slot = &out.add_queue_group();
      append(*slot, group.members.items());
    }
  }
};

struct Level {
  absl::flat_hash_map<std::string, std::unique_ptr<Node>> nodes;  // literal tokens
  std::unique_ptr<Node> pwc;                                      // the "*" child
  std::unique_ptr<Node> fwc;                                      // the ">" child

  bool empty() const { return nodes.empty() && !pwc && !fwc; }

  // The child for a subscription token, where "*" and ">" are wildcards.
  Node* find(std::string_view token) const {
    if (is_partial_wildcard(token)) return pwc.get();
    if (is_full_wildcard(token)) return fwc.get();
    return find_literal(token);
  }

  // The child for a published token: "*" and ">" are plain text here, and no literal child
  // ever has those names, so a published wildcard only meets subscribed wildcards.
  Node* find_literal(std::string_view token) const {
    auto it = nodes.find(as_key(token));
    return it == nodes.end() ? nullptr : it->second.get();
  }

  Node& find_or_add(std::string_view token) {
    std::unique_ptr<Node>* slot;
    if (is_partial_wildcard(token)) {
      slot = &pwc;
    } else if (is_full_wildcard(token)) {
      slot = &fwc;
    } else {
      auto it = nodes.find(as_key(token));
      if (it != nodes.end()) return *it->second;
      slot = &nodes.emplace(std::string(token), nullptr).first->second;
    }
    if (!*slot) *slot = std::make_unique<Node>();
    return **slot;
  }

  void erase(std::string_view token) {
    if (is_partial_wildcard(token)) {
      pwc.reset();
    } else if (is_full_wildcard(token)) {
      fwc.reset();
    } else {
      auto it = nodes.find(as_key(token));
      if (it != nodes.end()) nodes.erase(it);
    }
  }
};

namespace {

// Collects matches for the published subject `rest` (well formed) below `level`. Recurses only
// into "*" branches; the literal path is followed in the loop.
void match_level(const Level* level, std::string_view rest, SublistResult& out) {
  std::string_view token;
  while (level != nullptr) {
    const bool more = split_token(rest, token);
    if (level->fwc) level->fwc->add_to(out);
    const Node* pwc = level->pwc.get();
    const Node* node = level->find_literal(token);
    if (!more) {
      if (node) node->add_to(out);
      if (pwc) pwc->add_to(out);
      return;
    }
    if (pwc && pwc->next) match_level(pwc->next.get(), rest, out);
    level = node ? node->next.get() : nullptr;
  }
}

// match_level that stops at the first subscription found.
bool any_match_level(const Level* level, std::string_view rest) {
  std::string_view token;
  while (level != nullptr) {
    const bool more = split_token(rest, token);
    if (level->fwc && level->fwc->has_subs()) return true;
    const Node* pwc = level->pwc.get();
    const Node* node = level->find_literal(token);
    if (!more) return (node && node->has_subs()) || (pwc && pwc->has_subs());
    if (pwc && pwc->next && any_match_level(pwc->next.get(), rest)) return true;
    level = node ? node->next.get() : nullptr;
  }
  return false;
}

// Removes `sub` from the node its subject `rest` leads to below `level`, then prunes every node
// left with neither subscriptions nor children on the way back up. True if `sub` was found.
bool remove_from_level(Level& level, std::string_view rest, Subscription* sub) {
  std::string_view token;
  const bool more = split_token(rest, token);
  Node* node = level.find(token);
  if (node == nullptr) return false;
  if (more) {
    if (!node->next || !remove_from_level(*node->next, rest, sub)) return false;
    if (node->next->empty()) node->next.reset();
  } else if (!node->remove(sub)) {
    return false;
  }
  if (!node->has_subs() && !node->next) level.erase(token);
  return true;
}

void collect_all(const Level& level, std::vector<Subscription*>& out) {
  auto collect_node = [&out](const Node& node) {
    append(out, node.psubs.items());
    for (const QueueGroup& group : node.qsubs) append(out, group.members.items());
    if (node.next) collect_all(*node.next, out);
  };
  for (const auto& [token, node] : level.nodes) collect_node(*node);
  if (level.pwc) collect_node(*level.pwc);
  if (level.fwc) collect_node(*level.fwc);
}

size_t count_nodes(const Level& level) {
  size_t n = 0;
  auto count_node = [&n](const Node& node) {
    ++n;
    if (node.next) n += count_nodes(*node.next);
  };
  for (const auto& [token, node] : level.nodes) count_node(*node);
  if (level.pwc) count_node(*level.pwc);
  if (level.fwc) count_node(*level.fwc);
  return n;
}

}  // namespace

// A cached match result, flattened into one vector: plain subscribers first, then the members
// of each queue group back to back.
struct CachedResult {
  std::vector<Subscription*> subs;
  std::vector<uint32_t> group_ends;  // offset in `subs` just past each queue group
  uint32_t num_psubs = 0;

  explicit CachedResult(const SublistResult& r) {
    size_t total = r.psubs.size();
    for (const auto& group : r.qsubs) total += group.size();
    subs.reserve(total);
    group_ends.reserve(r.qsubs.size());
    subs = r.psubs;
    num_psubs = static_cast<uint32_t>(subs.size());
    for (const auto& group : r.qsubs) {
      subs.insert(subs.end(), group.begin(), group.end());
      group_ends.push_back(static_cast<uint32_t>(subs.size()));
    }
  }

  void copy_to(SublistResult& out) const {
    out.psubs.assign(subs.begin(), subs.begin() + num_psubs);
    uint32_t start = num_psubs;
    for (uint32_t end : group_ends) {
      out.add_queue_group().assign(subs.begin() + start, subs.begin() + end);
      start = end;
    }
  }

  bool empty() const { return subs.empty(); }
  // As nats-server counts it: a queue group is one recipient.
  size_t fanout() const { return num_psubs + group_ends.size(); }
};

// Published subject -> result. Sharded so that readers of different subjects rarely meet on a
// lock. Locking: a shard's mutex guards its map; entries are added only while the adder holds
// the sublist's mu_ shared, and removed by writers holding mu_ exclusively, so an entry never
// reflects a trie older than the last completed change. Lock order: mu_, then one shard.
struct Cache {
  struct alignas(64) Shard {
    std::mutex mu;
    absl::flat_hash_map<std::string, CachedResult> entries;
  };
  std::array<Shard, kCacheShards> shards;

  Shard& shard_for(std::string_view subject) {
    // Top bits: the map itself uses the low bits of the same hash for its control bytes.
    const size_t h = absl::Hash<absl::string_view>{}(as_key(subject));
    return shards[(h >> (sizeof(size_t) * 8 - 4)) % kCacheShards];
  }

  void clear() {
    for (Shard& shard : shards) {
      std::lock_guard lock(shard.mu);
      shard.entries.clear();
    }
  }
};
static_assert(kCacheShards == 16, "shard_for() takes the top 4 bits of the hash");

}  // namespace sublist_detail

// Everything in sublist_detail is private to this file; spare the Sublist methods the prefix.
using namespace sublist_detail;  // NOLINT(build/namespaces)

Sublist::Sublist(bool enable_cache)
    : root_(std::make_unique<Level>()),
      cache_(enable_cache ? std::make_unique<Cache>() : nullptr) {}

Sublist::~Sublist() = default;

SublistStatus Sublist::insert(Subscription* sub) {
  if (!is_valid_subject(sub->subject)) return SublistStatus::kInvalidSubject;
  std::unique_lock lock(mu_);
  Level* level = root_.get();
  Node* node = nullptr;
  SubjectTokenizer tokens(sub->subject);
  std::string_view token;
  while (tokens.next(token)) {
    if (node != nullptr) {
      if (!node->next) node->next = std::make_unique<Level>();
      level = node->next.get();
    }
    node = &level->find_or_add(token);
  }
  node->add(sub);
  ++inserts_;
  count_.fetch_add(1, std::memory_order_relaxed);
  invalidate_cache_locked(sub->subject);
  bump_generation_locked();
  return SublistStatus::kOk;
}

bool Sublist::remove(Subscription* sub) {
  std::unique_lock lock(mu_);
  if (!remove_locked(sub)) return false;
  invalidate_cache_locked(sub->subject);
  bump_generation_locked();
  return true;
}

size_t Sublist::remove_batch(std::span<Subscription* const> subs) {
  if (subs.empty()) return 0;
  std::unique_lock lock(mu_);
  size_t removed = 0;
  for (Subscription* sub : subs) removed += remove_locked(sub);
  // Cheaper than matching each subject against every cache entry.
  if (cache_) cache_->clear();
  bump_generation_locked();
  return removed;
}

bool Sublist::remove_locked(Subscription* sub) {
  if (!remove_from_level(*root_, sub->subject, sub)) return false;
  ++removes_;
  count_.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

void Sublist::invalidate_cache_locked(std::string_view pattern) {
  if (!cache_) return;
  if (subject_is_literal(pattern)) {
    Cache::Shard& shard = cache_->shard_for(pattern);
    std::lock_guard lock(shard.mu);
    auto it = shard.entries.find(as_key(pattern));
    if (it != shard.entries.end()) shard.entries.erase(it);
    return;
  }
  for (Cache::Shard& shard : cache_->shards) {
    std::lock_guard lock(shard.mu);
    for (auto it = shard.entries.begin(); it != shard.entries.end();) {
      if (subject_matches(pattern, it->first)) {
        shard.entries.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

void Sublist::bump_generation_locked() {
  // Release: whoever sees the new value also sees the trie and cache changes made before it.
  generation_.fetch_add(1, std::memory_order_release);
}

void Sublist::match(std::string_view subject, SublistResult& out) const {
  out.clear();
  matches_.fetch_add(1, std::memory_order_relaxed);
  if (!is_matchable(subject)) return;

  Cache::Shard* shard = nullptr;
  if (cache_) {
    shard = &cache_->shard_for(subject);
    std::lock_guard shard_lock(shard->mu);
    auto it = shard->entries.find(as_key(subject));
    if (it != shard->entries.end()) {
      it->second.copy_to(out);
      cache_hits_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }

  std::shared_lock lock(mu_);
  match_level(root_.get(), subject, out);
  if (shard == nullptr) return;
  // Still under mu_: no writer can have changed the trie since the walk, so the entry is fresh.
  std::lock_guard shard_lock(shard->mu);
  if (shard->entries.size() >= kCacheShardMax) {
    // Arbitrary victims, as nats-server does; a hot subject comes straight back.
    for (auto it = shard->entries.begin();
         it != shard->entries.end() && shard->entries.size() > kCacheShardSweepTo;) {
      shard->entries.erase(it++);
    }
  }
  shard->entries.try_emplace(std::string(subject), out);
}

bool Sublist::has_interest(std::string_view subject) const {
  if (!is_matchable(subject)) return false;
  if (cache_) {
    Cache::Shard& shard = cache_->shard_for(subject);
    std::lock_guard shard_lock(shard.mu);
    auto it = shard.entries.find(as_key(subject));
    if (it != shard.entries.end()) return !it->second.empty();
  }
  std::shared_lock lock(mu_);
  return any_match_level(root_.get(), subject);
}

void Sublist::all(std::vector<Subscription*>& out) const {
  std::shared_lock lock(mu_);
  collect_all(*root_, out);
}

size_t Sublist::num_nodes() const {
  std::shared_lock lock(mu_);
  return count_nodes(*root_);
}

size_t Sublist::cache_count() const {
  if (!cache_) return 0;
  size_t n = 0;
  for (Cache::Shard& shard : cache_->shards) {
    std::lock_guard lock(shard.mu);
    n += shard.entries.size();
  }
  return n;
}

SublistStats Sublist::stats() const {
  SublistStats st;
  {
    std::shared_lock lock(mu_);
    st.num_subscriptions = static_cast<uint32_t>(count());
    st.num_inserts = inserts_;
    st.num_removes = removes_;
  }
  st.num_matches = matches_.load(std::memory_order_relaxed);
  st.cache_hits = cache_hits_.load(std::memory_order_relaxed);
  if (st.num_matches > 0) {
    st.cache_hit_rate = static_cast<double>(st.cache_hits) / st.num_matches;
  }
  if (cache_) {
    for (Cache::Shard& shard : cache_->shards) {
      std::lock_guard lock(shard.mu);
      st.num_cache += static_cast<uint32_t>(shard.entries.size());
      for (const auto& [subject, result] : shard.entries) {
        const auto fanout = static_cast<uint32_t>(result.fanout());
        st.total_fanout += fanout;
        st.max_fanout = std::max(st.max_fanout, fanout);
      }
    }
    if (st.total_fanout > 0) st.avg_fanout = static_cast<double>(st.total_fanout) / st.num_cache;
  }
  return st;
}

}  // namespace nats
