// Micro benchmarks for the subject routing table. Reported time is per match (or per
// insert+remove pair). Run: build/bench/sublist_bench --benchmark_min_time=0.5

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "server/sublist.h"

namespace nats {
namespace {

constexpr size_t kSubs = 10000;

// Builds kSubs subscriptions over four-token subjects "t1.t2.t3.t4" drawn from a small
// vocabulary; with `wildcards`, about one token in five is "*" and one subject in ten ends
// with ">", so that a match walks several branches of the trie.
struct Fixture {
  std::vector<std::unique_ptr<Subscription>> subs;
  std::vector<std::string> publish;  // literal subjects, most with interest

  explicit Fixture(bool wildcards) {
    static const char* const kTokens[] = {"synadia", "nats", "jetstream", "nkeys", "jwt",
                                          "deny",    "auth", "drain",     "kv",    "obj"};
    std::mt19937 rng(42);
    auto token = [&] { return std::string(kTokens[rng() % 10]); };
    for (size_t i = 0; i < kSubs; ++i) {
      auto sub = std::make_unique<Subscription>();
      for (int t = 0; t < 4; ++t) {
        if (t > 0) sub->subject += '.';
        const uint32_t r = rng() % 100;
        if (wildcards && t == 3 && r < 10) {
          sub->subject += '>';
        } else if (wildcards && r < 20) {
          sub->subject += '*';
        } else {
          sub->subject += token();
        }
      }
      if (rng() % 10 == 0) sub->queue = "workers";
      subs.push_back(std::move(sub));
    }
    for (int i = 0; i < 256; ++i) {
      publish.push_back(token() + "." + token() + "." + token() + "." + token());
    }
  }

  void insert_all(Sublist& sl) {
    for (auto& s : subs) {
      if (sl.insert(s.get()) != SublistStatus::kOk) std::abort();
    }
  }
};

// One hot subject over and over: with the cache this is the lookup-and-copy hit path a
// connection's own cache would otherwise cover; without it, a plain trie walk.
void BM_MatchLiteralHot(benchmark::State& state) {
  const bool cache = state.range(0) != 0;
  Fixture f(/*wildcards=*/false);
  Sublist sl(cache);
  f.insert_all(sl);
  const std::string subject = f.subs[0]->subject;
  SublistResult r;
  for (auto _ : state) {
    sl.match(subject, r);
    benchmark::DoNotOptimize(r.psubs.data());
  }
  state.counters["fanout"] = static_cast<double>(r.psubs.size() + r.qsubs.size());
}
BENCHMARK(BM_MatchLiteralHot)->Arg(1)->Arg(0)->ArgName("cache");

// 256 different subjects against 10k subscriptions with wildcards. All fit the cache.
void BM_MatchWildcards10k(benchmark::State& state) {
  const bool cache = state.range(0) != 0;
  Fixture f(/*wildcards=*/true);
  Sublist sl(cache);
  f.insert_all(sl);
  SublistResult r;
  size_t i = 0, delivered = 0;
  for (auto _ : state) {
    sl.match(f.publish[i++ & 255], r);
    delivered += r.psubs.size() + r.qsubs.size();
    benchmark::DoNotOptimize(r.psubs.data());
  }
  state.counters["avg_fanout"] =
      static_cast<double>(delivered) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_MatchWildcards10k)->Arg(1)->Arg(0)->ArgName("cache");

// Every subject new to the cache (think reply inboxes): the miss path plus cache upkeep.
void BM_MatchUniqueSubjects(benchmark::State& state) {
  const bool cache = state.range(0) != 0;
  Fixture f(/*wildcards=*/true);
  Sublist sl(cache);
  f.insert_all(sl);
  std::vector<std::string> subjects;
  for (int i = 0; i < 100000; ++i) subjects.push_back(f.publish[i & 255] + "." + std::to_string(i));
  SublistResult r;
  size_t i = 0;
  for (auto _ : state) {
    sl.match(subjects[i++ % subjects.size()], r);
    benchmark::DoNotOptimize(r.psubs.data());
  }
}
BENCHMARK(BM_MatchUniqueSubjects)->Arg(1)->Arg(0)->ArgName("cache");

// Two threads matching the same sublist: shared-lock and cache-shard contention.
void BM_MatchWildcardsShared(benchmark::State& state) {
  static Fixture* f = nullptr;
  static Sublist* sl = nullptr;
  if (state.thread_index() == 0) {
    f = new Fixture(/*wildcards=*/true);
    sl = new Sublist(state.range(0) != 0);
    f->insert_all(*sl);
  }
  SublistResult r;
  size_t i = static_cast<size_t>(state.thread_index()) * 97;
  for (auto _ : state) {
    sl->match(f->publish[i++ & 255], r);
    benchmark::DoNotOptimize(r.psubs.data());
  }
  if (state.thread_index() == 0) {
    delete sl;
    delete f;
  }
}
BENCHMARK(BM_MatchWildcardsShared)->Arg(1)->Arg(0)->ArgName("cache")->Threads(2)->UseRealTime();

// Subscribe then unsubscribe one subscription in a 10k-subscription sublist (with cache
// invalidation), as an inbox-per-request client does.
void BM_InsertRemove(benchmark::State& state) {
  const bool cache = state.range(0) != 0;
  Fixture f(/*wildcards=*/true);
  Sublist sl(cache);
  f.insert_all(sl);
  SublistResult r;
  for (const auto& s : f.publish) sl.match(s, r);  // populate the cache
  Subscription literal, wildcard;
  literal.subject = "_INBOX.abcdefgh.12345";
  wildcard.subject = "_INBOX.abcdefgh.*";
  for (auto _ : state) {
    if (sl.insert(&literal) != SublistStatus::kOk) std::abort();
    sl.remove(&literal);
    if (sl.insert(&wildcard) != SublistStatus::kOk) std::abort();
    sl.remove(&wildcard);
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_InsertRemove)->Arg(1)->Arg(0)->ArgName("cache");

// Building the whole table: 10k inserts.
void BM_Insert10k(benchmark::State& state) {
  Fixture f(/*wildcards=*/true);
  for (auto _ : state) {
    Sublist sl;
    f.insert_all(sl);
    benchmark::DoNotOptimize(sl.count());
  }
  state.SetItemsProcessed(state.iterations() * kSubs);
}
BENCHMARK(BM_Insert10k);

}  // namespace
}  // namespace nats
