#include "server/sublist.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/subject.h"

namespace nats {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

// Owns the subscriptions a test inserts, so their addresses stay put for the whole test.
class SubPool {
 public:
  Subscription* make(std::string subject, std::string queue = {}) {
    auto sub = std::make_unique<Subscription>();
    sub->subject = std::move(subject);
    sub->queue = std::move(queue);
    sub->sid = std::to_string(subs_.size() + 1);
    subs_.push_back(std::move(sub));
    return subs_.back().get();
  }

 private:
  std::vector<std::unique_ptr<Subscription>> subs_;
};

// A match result as sets, independent of order: plain subscribers, and queue name -> members.
struct Interest {
  std::multiset<Subscription*> psubs;
  std::map<std::string, std::multiset<Subscription*>> groups;
  bool operator==(const Interest&) const = default;
};

// Converts a result, checking the grouping contract on the way: every group is non-empty, all
// its members share one queue name, and no name appears in two groups.
Interest to_interest(const SublistResult& r) {
  Interest in;
  in.psubs.insert(r.psubs.begin(), r.psubs.end());
  for (const auto& group : r.qsubs) {
    EXPECT_FALSE(group.empty());
    if (group.empty()) continue;
    const std::string& name = group.front()->queue;
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(in.groups.count(name), 0u) << "queue group " << name << " split in two";
    for (Subscription* s : group) EXPECT_EQ(s->queue, name);
    in.groups[name].insert(group.begin(), group.end());
  }
  for (Subscription* s : r.psubs) EXPECT_FALSE(s->is_queue());
  return in;
}

// What a match must return, found by testing every subscription on its own.
Interest brute_force(const std::vector<Subscription*>& subs, std::string_view subject) {
  Interest in;
  for (Subscription* s : subs) {
    if (!subject_matches(s->subject, subject)) continue;
    if (s->is_queue()) {
      in.groups[s->queue].insert(s);
    } else {
      in.psubs.insert(s);
    }
  }
  return in;
}

// Every behaviour must hold with and without the result cache.
class SublistTest : public ::testing::TestWithParam<bool> {
 protected:
  SublistTest() : sl_(GetParam()) {}

  Subscription* add(std::string subject, std::string queue = {}) {
    Subscription* s = pool_.make(std::move(subject), std::move(queue));
    EXPECT_EQ(sl_.insert(s), SublistStatus::kOk) << s->subject;
    return s;
  }

  std::vector<Subscription*> psubs(std::string_view subject) {
    sl_.match(subject, result_);
    return result_.psubs;
  }

  SubPool pool_;
  Sublist sl_;
  SublistResult result_;
};

INSTANTIATE_TEST_SUITE_P(Cache, SublistTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Cached" : "NoCache"; });

TEST_P(SublistTest, StartsEmpty) {
  EXPECT_EQ(sl_.count(), 0u);
  EXPECT_EQ(sl_.num_nodes(), 0u);
  EXPECT_EQ(sl_.cache_enabled(), GetParam());
  EXPECT_THAT(psubs("foo"), IsEmpty());
}

TEST_P(SublistTest, InsertCounts) {
  add("foo");
  add("bar");
  add("foo.bar");
  EXPECT_EQ(sl_.count(), 3u);
}

TEST_P(SublistTest, LiteralMatch) {
  Subscription* foo = add("foo");
  Subscription* foobar = add("foo.bar.baz");
  EXPECT_THAT(psubs("foo"), UnorderedElementsAre(foo));
  EXPECT_THAT(psubs("foo.bar.baz"), UnorderedElementsAre(foobar));
  EXPECT_THAT(psubs("foo.bar"), IsEmpty());
  EXPECT_THAT(psubs("foo.bar.baz.qux"), IsEmpty());
  EXPECT_THAT(psubs("bar"), IsEmpty());
}

TEST_P(SublistTest, PartialWildcardMatchesOneToken) {
  Subscription* lit = add("a.b.c");
  Subscription* s1 = add("a.*.c");
  Subscription* s2 = add("*.b.*");
  Subscription* s3 = add("a.b.*");
  Subscription* end = add("a.*");
  EXPECT_THAT(psubs("a.b.c"), UnorderedElementsAre(lit, s1, s2, s3));
  EXPECT_THAT(psubs("a.x.c"), UnorderedElementsAre(s1));
  EXPECT_THAT(psubs("a.b"), UnorderedElementsAre(end));
  EXPECT_THAT(psubs("a.b.c.d"), IsEmpty());
}

TEST_P(SublistTest, FullWildcardMatchesOneOrMoreTokens) {
  Subscription* lit = add("a.b.c");
  Subscription* all = add(">");
  Subscription* under_a = add("a.>");
  Subscription* mixed = add("a.*.>");
  EXPECT_THAT(psubs("a"), UnorderedElementsAre(all));
  EXPECT_THAT(psubs("a.b"), UnorderedElementsAre(all, under_a));
  EXPECT_THAT(psubs("a.b.c"), UnorderedElementsAre(lit, all, under_a, mixed));
  EXPECT_THAT(psubs("a.b.c.d.e"), UnorderedElementsAre(all, under_a, mixed));
  EXPECT_THAT(psubs("b.c"), UnorderedElementsAre(all));
}

TEST_P(SublistTest, TwoTokenPublishDoesNotMatchSingleTokenSub) {
  Subscription* foo = add("foo");
  EXPECT_THAT(psubs("foo"), UnorderedElementsAre(foo));
  EXPECT_THAT(psubs("foo.bar"), IsEmpty());
}

TEST_P(SublistTest, WildcardCharactersInsideTokensAreLiteral) {
  for (std::string subject : {"foo.*-", "foo.>-"}) {
    Subscription* s = add(subject);
    EXPECT_THAT(psubs("foo.bar"), IsEmpty());
    EXPECT_THAT(psubs(subject), UnorderedElementsAre(s));
  }
}

TEST_P(SublistTest, PublishedWildcardsOnlyMeetSubscribedWildcards) {
  add("foo.bar");
  Subscription* star = add("foo.*");
  Subscription* full = add("foo.>");
  // nats-server does not stop a client publishing to "foo.*"; it is routed like any token.
  EXPECT_THAT(psubs("foo.*"), UnorderedElementsAre(star, full));
}

TEST_P(SublistTest, EmptyTokensMatchNothing) {
  add(">");
  add(">", "queue");
  for (std::string_view subject : {"", ".", ".foo", "..foo", "foo..", "foo.", "foo..bar"}) {
    sl_.match(subject, result_);
    EXPECT_TRUE(result_.empty()) << subject;
    EXPECT_FALSE(sl_.has_interest(subject)) << subject;
  }
}

TEST_P(SublistTest, InvalidSubjectsRejected) {
  for (std::string subject :
       {"", ".", ".foo", "foo.", "foo..bar", "foo.>.bar", ">.bar", "foo.>.>", "foo bar"}) {
    Subscription* s = pool_.make(subject);
    EXPECT_EQ(sl_.insert(s), SublistStatus::kInvalidSubject) << subject;
    EXPECT_FALSE(sl_.remove(s)) << subject;
  }
  EXPECT_EQ(sl_.count(), 0u);
  EXPECT_EQ(sl_.num_nodes(), 0u);
}

TEST_P(SublistTest, RemoveStopsDelivery) {
  Subscription* foo = add("foo");
  Subscription* wild = add("*");
  EXPECT_THAT(psubs("foo"), UnorderedElementsAre(foo, wild));
  EXPECT_TRUE(sl_.remove(foo));
  EXPECT_FALSE(sl_.remove(foo));
  EXPECT_EQ(sl_.count(), 1u);
  EXPECT_THAT(psubs("foo"), UnorderedElementsAre(wild));
  EXPECT_TRUE(sl_.remove(wild));
  EXPECT_THAT(psubs("foo"), IsEmpty());
  EXPECT_EQ(sl_.count(), 0u);
}

TEST_P(SublistTest, RemoveOfUnknownSubscriptionLeavesOthers) {
  add("foo.*-");
  Subscription* stranger = pool_.make("foo.bar");
  EXPECT_FALSE(sl_.remove(stranger));
  Subscription* same_subject = pool_.make("foo.*-");
  EXPECT_FALSE(sl_.remove(same_subject));
  EXPECT_EQ(sl_.count(), 1u);
}

TEST_P(SublistTest, RemovePrunesEveryNode) {
  std::vector<Subscription*> subs;
  for (std::string subject : {"a.b.c.d", "a.b.c", "a.*.c", "a.>", ">", "*.*.*.*", "x.y"}) {
    subs.push_back(add(subject));
    subs.push_back(add(subject, "q"));
  }
  EXPECT_GT(sl_.num_nodes(), 0u);
  std::shuffle(subs.begin(), subs.end(), std::mt19937(7));
  for (Subscription* s : subs) EXPECT_TRUE(sl_.remove(s));
  EXPECT_EQ(sl_.count(), 0u);
  EXPECT_EQ(sl_.num_nodes(), 0u);
}

TEST_P(SublistTest, ChurnDoesNotGrowTheTrie) {
  add("keep.me");
  const size_t baseline = sl_.num_nodes();
  for (int i = 0; i < 1000; ++i) {
    Subscription* s = add("_INBOX." + std::to_string(i) + ".*");
    EXPECT_FALSE(psubs("_INBOX." + std::to_string(i) + ".x").empty());
    EXPECT_TRUE(sl_.remove(s));
  }
  EXPECT_EQ(sl_.num_nodes(), baseline);
}

TEST_P(SublistTest, QueueGroupsAreGroupedByName) {
  Subscription* plain = add("foo");
  Subscription* bar1 = add("foo", "bar");
  Subscription* baz1 = add("foo", "baz");
  Subscription* bar2 = add("foo", "bar");
  Subscription* baz2 = add("foo", "baz");
  sl_.match("foo", result_);
  Interest want;
  want.psubs = {plain};
  want.groups = {{"bar", {bar1, bar2}}, {"baz", {baz1, baz2}}};
  EXPECT_EQ(to_interest(result_), want);

  EXPECT_TRUE(sl_.remove(plain));
  EXPECT_TRUE(sl_.remove(bar1));
  sl_.match("foo", result_);
  want.psubs.clear();
  want.groups = {{"bar", {bar2}}, {"baz", {baz1, baz2}}};
  EXPECT_EQ(to_interest(result_), want);

  EXPECT_TRUE(sl_.remove(bar2));  // last member: the group disappears
  sl_.match("foo", result_);
  want.groups = {{"baz", {baz1, baz2}}};
  EXPECT_EQ(to_interest(result_), want);

  EXPECT_TRUE(sl_.remove(baz1));
  EXPECT_TRUE(sl_.remove(baz2));
  sl_.match("foo", result_);
  EXPECT_TRUE(result_.empty());
}

TEST_P(SublistTest, QueueGroupSpansLiteralAndWildcardSubjects) {
  Subscription* lit = add("orders.new", "workers");
  Subscription* star = add("orders.*", "workers");
  Subscription* full = add("orders.>", "workers");
  Subscription* other = add("orders.*", "audit");
  sl_.match("orders.new", result_);
  Interest want;
  want.groups = {{"workers", {lit, star, full}}, {"audit", {other}}};
  EXPECT_EQ(to_interest(result_), want);
  ASSERT_EQ(result_.qsubs.size(), 2u);
}

TEST_P(SublistTest, ManySubscribersOnOneSubject) {
  std::vector<Subscription*> subs, queue;
  for (int i = 0; i < 1000; ++i) {
    subs.push_back(add("big"));
    queue.push_back(add("big", "q"));
  }
  std::mt19937 rng(1);
  std::shuffle(subs.begin(), subs.end(), rng);
  std::shuffle(queue.begin(), queue.end(), rng);
  for (int i = 0; i < 990; ++i) {
    EXPECT_TRUE(sl_.remove(subs.back()));
    EXPECT_TRUE(sl_.remove(queue.back()));
    subs.pop_back();
    queue.pop_back();
  }
  sl_.match("big", result_);
  EXPECT_THAT(result_.psubs, UnorderedElementsAreArray(subs));
  ASSERT_EQ(result_.qsubs.size(), 1u);
  EXPECT_THAT(result_.qsubs[0], UnorderedElementsAreArray(queue));
}

TEST_P(SublistTest, HasInterest) {
  EXPECT_FALSE(sl_.has_interest("foo"));
  Subscription* s = add("foo.*.baz", "q");
  EXPECT_TRUE(sl_.has_interest("foo.bar.baz"));
  EXPECT_FALSE(sl_.has_interest("foo.bar"));
  EXPECT_FALSE(sl_.has_interest("foo.bar.baz.x"));
  Subscription* f = add("foo.>");
  EXPECT_TRUE(sl_.has_interest("foo.bar"));
  EXPECT_TRUE(sl_.has_interest("foo.bar.baz.x"));
  EXPECT_TRUE(sl_.remove(f));
  EXPECT_TRUE(sl_.remove(s));
  EXPECT_FALSE(sl_.has_interest("foo.bar.baz"));
}

TEST_P(SublistTest, AllListsEverySubscription) {
  std::vector<Subscription*> want;
  for (std::string subject : {"a", "a.b", "a.*", "a.>", "*", ">"}) {
    want.push_back(add(subject));
    want.push_back(add(subject, "q"));
  }
  std::vector<Subscription*> got;
  sl_.all(got);
  EXPECT_THAT(got, UnorderedElementsAreArray(want));
}

TEST_P(SublistTest, RemoveBatch) {
  Subscription* keep = add("a.b");
  std::vector<Subscription*> batch = {add("a.b"), add("a.*"), add("a.>", "q"), add("x")};
  sl_.match("a.b", result_);  // fill the cache
  batch.push_back(pool_.make("never.inserted"));
  const uint64_t gen = sl_.generation();
  EXPECT_EQ(sl_.remove_batch(batch), 4u);
  EXPECT_GT(sl_.generation(), gen);
  EXPECT_EQ(sl_.count(), 1u);
  EXPECT_THAT(psubs("a.b"), UnorderedElementsAre(keep));
  EXPECT_THAT(psubs("x"), IsEmpty());
  EXPECT_TRUE(sl_.remove(keep));
  EXPECT_EQ(sl_.num_nodes(), 0u);
}

TEST_P(SublistTest, GenerationChangesOnEveryUpdate) {
  uint64_t gen = sl_.generation();
  Subscription* s = add("foo");
  EXPECT_GT(sl_.generation(), gen);
  gen = sl_.generation();
  psubs("foo");
  EXPECT_EQ(sl_.generation(), gen) << "matching is not a change";
  EXPECT_TRUE(sl_.remove(s));
  EXPECT_GT(sl_.generation(), gen);
  gen = sl_.generation();
  EXPECT_FALSE(sl_.remove(s));
  EXPECT_EQ(sl_.generation(), gen) << "a failed remove is not a change";
}

TEST_P(SublistTest, ReusedResultDoesNotReallocate) {
  add("foo.bar");
  add("foo.*");
  add("foo.>", "q1");
  add("foo.bar", "q2");
  add("foo.*", "q2");
  sl_.match("foo.bar", result_);
  ASSERT_EQ(result_.qsubs.size(), 2u);
  const auto* psubs_data = result_.psubs.data();
  std::set<const Subscription* const*> group_data;
  for (const auto& g : result_.qsubs) group_data.insert(g.data());
  for (int i = 0; i < 3; ++i) {
    sl_.match("foo.bar", result_);
    EXPECT_EQ(result_.psubs.data(), psubs_data);
    std::set<const Subscription* const*> now;
    for (const auto& g : result_.qsubs) now.insert(g.data());
    EXPECT_EQ(now, group_data);
  }
}

// The cache must never serve a result older than the last insert or remove.
TEST_P(SublistTest, CachedResultsFollowUpdates) {
  Subscription* lit = add("a.b.c.d");
  EXPECT_THAT(psubs("a.b.c.d"), UnorderedElementsAre(lit));
  Subscription* pwc = add("a.b.*.d");
  Subscription* fwc = add("a.b.>");
  EXPECT_THAT(psubs("a.b.c.d"), UnorderedElementsAre(lit, pwc, fwc));
  EXPECT_TRUE(sl_.remove(lit));
  EXPECT_THAT(psubs("a.b.c.d"), UnorderedElementsAre(pwc, fwc));
  EXPECT_TRUE(sl_.remove(fwc));
  EXPECT_THAT(psubs("a.b.c.d"), UnorderedElementsAre(pwc));
  EXPECT_TRUE(sl_.remove(pwc));
  EXPECT_THAT(psubs("a.b.c.d"), IsEmpty());
  // Short subjects and lone wildcards must invalidate cached entries too.
  EXPECT_THAT(psubs("a"), IsEmpty());
  Subscription* a = add("a");
  EXPECT_THAT(psubs("a"), UnorderedElementsAre(a));
  Subscription* star = add("*");
  EXPECT_THAT(psubs("a"), UnorderedElementsAre(a, star));
  Subscription* all = add(">");
  EXPECT_THAT(psubs("a"), UnorderedElementsAre(a, star, all));
  EXPECT_TRUE(sl_.remove(star));
  EXPECT_THAT(psubs("a"), UnorderedElementsAre(a, all));
  EXPECT_TRUE(sl_.remove(all));
  EXPECT_TRUE(sl_.remove(a));
  EXPECT_THAT(psubs("a"), IsEmpty());
  Subscription* q = add("a.b.c.d", "q");
  sl_.match("a.b.c.d", result_);
  ASSERT_EQ(result_.qsubs.size(), 1u);
  EXPECT_THAT(result_.qsubs[0], UnorderedElementsAre(q));
  EXPECT_TRUE(sl_.has_interest("a.b.c.d"));
}

TEST_P(SublistTest, CacheIsBounded) {
  add(">");
  for (int i = 0; i < 4096; ++i) psubs("foo." + std::to_string(i));
  EXPECT_LE(sl_.cache_count(), 1024u);
  if (GetParam()) {
    EXPECT_GT(sl_.cache_count(), 0u);
  } else {
    EXPECT_EQ(sl_.cache_count(), 0u);
  }
}

TEST_P(SublistTest, Stats) {
  Subscription* a = add("foo");
  add("foo", "q");
  add("foo", "q");
  add("*", "r");
  EXPECT_TRUE(sl_.remove(a));
  for (int i = 0; i < 4; ++i) psubs("foo");
  psubs("bar");
  const SublistStats st = sl_.stats();
  EXPECT_EQ(st.num_subscriptions, 3u);
  EXPECT_EQ(st.num_inserts, 4u);
  EXPECT_EQ(st.num_removes, 1u);
  EXPECT_EQ(st.num_matches, 5u);
  if (GetParam()) {
    // "foo" is cached after the first match and "bar" once: 3 hits out of 5.
    EXPECT_EQ(st.num_cache, 2u);
    EXPECT_DOUBLE_EQ(st.cache_hit_rate, 3.0 / 5.0);
    EXPECT_EQ(st.max_fanout, 2u);  // "foo": groups q and r
    EXPECT_DOUBLE_EQ(st.avg_fanout, 1.5);
  } else {
    EXPECT_EQ(st.num_cache, 0u);
    EXPECT_EQ(st.cache_hit_rate, 0.0);
    EXPECT_EQ(st.max_fanout, 0u);
  }

  SublistStats total;
  total.add(st);
  total.add(st);
  EXPECT_EQ(total.num_subscriptions, 6u);
  EXPECT_EQ(total.num_matches, 10u);
  EXPECT_DOUBLE_EQ(total.cache_hit_rate, st.cache_hit_rate);
  EXPECT_DOUBLE_EQ(total.avg_fanout, st.avg_fanout);
}

TEST(SublistDeathTest, InsertingTheSameSubscriptionTwiceTraps) {
  Sublist sl;
  Subscription sub;
  sub.subject = "foo";
  ASSERT_EQ(sl.insert(&sub), SublistStatus::kOk);
  EXPECT_DEATH((void)sl.insert(&sub), "NATS_CHECK failed");
}

// Random subjects over a tiny alphabet, so that literals, "*" and ">" collide a lot.
class SubjectGen {
 public:
  explicit SubjectGen(uint32_t seed) : rng_(seed) {}

  std::string pattern() {
    const int n = 1 + static_cast<int>(rng_() % 4);
    std::string s;
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += '.';
      const uint32_t r = rng_() % 100;
      if (i == n - 1 && r < 10) {
        s += '>';
      } else if (r < 25) {
        s += '*';
      } else {
        s += token();
      }
    }
    return s;
  }

  std::string literal() {
    const int n = 1 + static_cast<int>(rng_() % 5);
    std::string s;
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += '.';
      // "e" is never subscribed literally: only wildcards reach it.
      s += rng_() % 10 == 0 ? std::string("e") : token();
    }
    return s;
  }

  std::string queue() {
    static const char* const kQueues[] = {"", "", "", "q1", "q2", "q3"};
    return kQueues[rng_() % 6];
  }

  std::mt19937& rng() { return rng_; }

 private:
  std::string token() {
    static const char* const kTokens[] = {"a", "b", "c", "d", "*x", ">y"};
    return kTokens[rng_() % 6];
  }
  std::mt19937 rng_;
};

TEST_P(SublistTest, RandomizedAgainstBruteForce) {
  SubjectGen gen(12345);
  std::vector<Subscription*> live;
  for (int i = 0; i < 3000; ++i) live.push_back(add(gen.pattern(), gen.queue()));

  size_t checks = 0, with_interest = 0, with_groups = 0;
  // During churn, publish to a small pool so the cache mostly hits and stale entries would show.
  std::vector<std::string> hot;
  for (int i = 0; i < 40; ++i) hot.push_back(gen.literal());
  auto check_all = [&](int rounds, bool from_hot = false) {
    for (int i = 0; i < rounds; ++i) {
      const std::string subject = from_hot ? hot[gen.rng()() % hot.size()] : gen.literal();
      sl_.match(subject, result_);
      const Interest want = brute_force(live, subject);
      ++checks;
      with_interest += !want.psubs.empty() || !want.groups.empty();
      with_groups += want.groups.size() > 1;
      ASSERT_EQ(to_interest(result_), want) << subject;
      ASSERT_EQ(sl_.has_interest(subject), !want.psubs.empty() || !want.groups.empty()) << subject;
    }
  };
  check_all(3000);

  // Remove a random half, interleaving inserts, and check again (the cache must keep up).
  std::shuffle(live.begin(), live.end(), gen.rng());
  for (int i = 0; i < 1500; ++i) {
    ASSERT_TRUE(sl_.remove(live.back()));
    live.pop_back();
    if (i % 10 == 0) live.push_back(add(gen.pattern(), gen.queue()));
    check_all(2, /*from_hot=*/true);
  }
  EXPECT_EQ(sl_.count(), live.size());
  check_all(3000);

  // Guard against a generator so sparse that the comparison proves little.
  EXPECT_GT(with_interest, checks / 2);
  EXPECT_GT(with_groups, checks / 10);

  for (Subscription* s : live) ASSERT_TRUE(sl_.remove(s));
  EXPECT_EQ(sl_.count(), 0u);
  EXPECT_EQ(sl_.num_nodes(), 0u);
}

// Two readers match while a writer churns subscriptions. Readers check what must hold at every
// instant: the permanent subscriptions are always delivered, and everything returned matches.
TEST_P(SublistTest, ConcurrentReadersAndWriter) {
  Subscription* always = add(">");
  Subscription* always_q = add("*.*", "stable");
  SubjectGen gen(99);
  std::vector<std::string> publish;
  for (int i = 0; i < 64; ++i) {
    std::string s = gen.literal();
    if (num_tokens(s) == 2) publish.push_back(s);
  }
  publish.push_back("a.b");
  // Churned subscriptions are created up front: nothing is freed while readers run.
  std::vector<Subscription*> churn;
  for (int i = 0; i < 2000; ++i) churn.push_back(pool_.make(gen.pattern(), gen.queue()));

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<uint64_t> matches{0};
  auto reader = [&](uint32_t seed) {
    std::mt19937 rng(seed);
    SublistResult r;
    while (!stop.load(std::memory_order_relaxed)) {
      const std::string& subject = publish[rng() % publish.size()];
      sl_.match(subject, r);
      bool ok = std::find(r.psubs.begin(), r.psubs.end(), always) != r.psubs.end();
      bool saw_stable = false;
      for (Subscription* s : r.psubs) ok = ok && subject_matches(s->subject, subject);
      for (const auto& group : r.qsubs) {
        ok = ok && !group.empty();
        for (Subscription* s : group) {
          ok = ok && s->queue == group.front()->queue && subject_matches(s->subject, subject);
          saw_stable = saw_stable || s == always_q;
        }
      }
      ok = ok && saw_stable && sl_.has_interest(subject);
      if (!ok) failures.fetch_add(1);
      matches.fetch_add(1, std::memory_order_relaxed);
    }
  };
  std::thread r1(reader, 1), r2(reader, 2);

  std::mt19937 rng(3);
  std::vector<Subscription*> in;
  // Keep writing until the readers have had a fair share of the time as well.
  for (int round = 0; round < 20000 || matches.load(std::memory_order_relaxed) < 50000; ++round) {
    if (in.size() < 500 && (in.empty() || rng() % 2 == 0)) {
      Subscription* s = churn[rng() % churn.size()];
      if (std::find(in.begin(), in.end(), s) != in.end()) continue;
      ASSERT_EQ(sl_.insert(s), SublistStatus::kOk);
      in.push_back(s);
    } else if (rng() % 50 == 0) {
      const size_t n = std::min<size_t>(in.size(), 10);
      EXPECT_EQ(sl_.remove_batch(std::span(in).last(n)), n);
      in.resize(in.size() - n);
    } else {
      const size_t i = rng() % in.size();
      EXPECT_TRUE(sl_.remove(in[i]));
      in[i] = in.back();
      in.pop_back();
    }
  }
  stop = true;
  r1.join();
  r2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(matches.load(), 0u);
  EXPECT_EQ(sl_.count(), in.size() + 2);
  sl_.remove_batch(in);
  EXPECT_TRUE(sl_.remove(always));
  EXPECT_TRUE(sl_.remove(always_q));
  EXPECT_EQ(sl_.num_nodes(), 0u);
}

}  // namespace
}  // namespace nats
