// nats bench SUBJECT --js: JetStream throughput. Publishers wait for the stream's acks (one at
// a time with --syncpub, else --pubbatch async publishes in flight then their acks) and report
// ack latency; subscribers read through ordered consumers (each sees every message), or share a
// durable pull (--pull, fetching --pullbatch) or push (--push, a queue group) consumer with
// explicit acks. The stream (--stream, default "benchstream" on SUBJECT) is made when missing
// and kept afterwards, as natscli does, so a later run can consume what this one published.
// Every client has its own connection.

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "bench_js.h"
#include "bench_stats.h"
#include "js_common.h"
#include "js_format.h"
#include "output.h"
#include "progress.h"

namespace nats::cli {

namespace {

constexpr auto kStallTimeout = std::chrono::seconds(10);  // no progress this long: give up
constexpr auto kFetchWait = std::chrono::seconds(1);

int64_t share(int64_t msgs, int clients, int i) { return msgs / clients + (i < msgs % clients); }

// One consumer's count and times; callbacks bump it on the delivery thread.
struct ConsumerCount {
  std::atomic<uint64_t> count{0};
  std::atomic<int64_t> first_ns{0};
  std::atomic<int64_t> last_ns{0};
  void seen() {
    const int64_t now = mono_nanos();
    if (count.fetch_add(1, std::memory_order_relaxed) == 0) first_ns.store(now);
    last_ns.store(now, std::memory_order_relaxed);
  }
};

bool ensure_stream(client::JetStream& js, const JsBenchRun& r, const JsBenchFlags& f) {
  auto info = js.stream_info(f.stream);
  if (!info && info.code() != client::Errc::kStreamNotFound) {
    print_js_error(fmt::format("could not look up stream {}", f.stream), info.status());
    return false;
  }
  if (!info) {
    client::StreamConfig cfg;
    cfg.name = f.stream;
    cfg.subjects = {r.subject};
    cfg.storage = f.storage == "memory" ? client::StorageType::kMemory : client::StorageType::kFile;
    cfg.num_replicas = f.replicas;
    cfg.max_bytes = parse_byte_size(f.max_bytes).value_or(-1);
    auto made = js.add_stream(cfg);
    if (!made) {
      print_js_error(fmt::format("could not create stream {}", f.stream), made.status());
      return false;
    }
    log_line(fmt::format("Created stream {} ({} storage, {} replicas, subject {})", f.stream,
                         f.storage, f.replicas, r.subject));
  } else {
    log_line(fmt::format("Using stream: {}", f.stream));
  }
  if (f.purge) {
    auto purged = js.purge_stream(f.stream);
    if (!purged) {
      print_js_error(fmt::format("could not purge stream {}", f.stream), purged.status());
      return false;
    }
    log_line(fmt::format("Purged {} messages from the stream", *purged));
  }
  return true;
}

// A fresh shared durable for --pull / --push.
bool make_durable(client::JetStream& js, const JsBenchRun& r, const JsBenchFlags& f,
                  const std::string& deliver_subject) {
  (void)js.delete_consumer(f.stream, f.consumer);
  client::ConsumerConfig c;
  c.durable_name = f.consumer;
  c.ack_policy = client::AckPolicy::kExplicit;
  c.filter_subject = r.subject;
  if (!deliver_subject.empty()) {
    c.deliver_subject = deliver_subject;
    c.deliver_group = f.consumer;
    c.max_ack_pending = f.pull_batch * std::max(1, r.subs);
  } else {
    c.max_ack_pending = std::max<int64_t>(f.pull_batch * std::max(1, r.subs), 1000);
  }
  auto made = js.add_consumer(f.stream, c);
  if (!made) {
    print_js_error(fmt::format("could not create consumer {}", f.consumer), made.status());
    return false;
  }
  log_line(fmt::format("Defined durable explicitly acked {} consumer: {}",
                       deliver_subject.empty() ? "pull" : "push", f.consumer));
  return true;
}

struct Publisher {
  JsSession s;
  BenchRun run;
  std::vector<int64_t> latencies;
};

void publish_sync(Publisher& p, const std::string& subject, const std::string& payload,
                  ProgressBar& progress, std::atomic<bool>& failed) {
  for (uint64_t n = 0; n < p.run.msgs && !failed && !interrupted(); ++n) {
    const int64_t t0 = mono_nanos();
    auto ack = p.s.js->publish(subject, payload);
    if (!ack) {
      print_js_error("publish failed", ack.status());
      failed = true;
      return;
    }
    p.latencies.push_back(mono_nanos() - t0);
    progress.add(1);
  }
}

// Sends a window of async publishes, then waits for their acks in order. Acks come back in
// order, so the moment a waited-for ack is seen is close to when it arrived.
void publish_async(Publisher& p, const std::string& subject, const std::string& payload, int window,
                   ProgressBar& progress, std::atomic<bool>& failed) {
  std::vector<client::PubAckFuture> futures;
  std::vector<int64_t> sent;
  for (uint64_t n = 0; n < p.run.msgs && !failed && !interrupted();) {
    futures.clear();
    sent.clear();
    for (int i = 0; i < window && n < p.run.msgs; ++i, ++n) {
      sent.push_back(mono_nanos());
      auto fut = p.s.js->publish_async(subject, payload);
      if (!fut) {
        print_js_error("async publish failed", fut.status());
        failed = true;
        return;
      }
      futures.push_back(std::move(fut.value()));
    }
    for (size_t i = 0; i < futures.size(); ++i) {
      auto ack = futures[i].wait(std::chrono::seconds(30));
      if (!ack) {
        print_js_error("publish ack failed", ack.status());
        failed = true;
        return;
      }
      p.latencies.push_back(mono_nanos() - sent[i]);
    }
    progress.add(futures.size());
  }
}

}  // namespace

void add_js_bench_flags(CLI::App* cmd, JsBenchFlags& f) {
  cmd->add_flag("--js", f.js, "Use JetStream");
  cmd->add_option("--stream", f.stream, "The stream to use (made on the subject when missing)")
      ->capture_default_str();
  cmd->add_option("--storage", f.storage, "JetStream storage (memory/file) for a stream it makes")
      ->check(CLI::IsMember({"memory", "file"}))
      ->capture_default_str();
  cmd->add_option("--replicas", f.replicas, "Number of replicas for a stream it makes")
      ->capture_default_str();
  cmd->add_option("--maxbytes", f.max_bytes, "The maximum size of a stream it makes")
      ->capture_default_str();
  cmd->add_flag("--purge", f.purge, "Purge the stream before running");
  cmd->add_flag("--delete-stream", f.delete_stream, "Delete the stream after running");
  cmd->add_flag("--syncpub", f.sync_pub, "Synchronously publish to the stream");
  cmd->add_option("--pubbatch", f.pub_batch, "Async publishes in flight before waiting for acks")
      ->capture_default_str();
  cmd->add_flag("--pull", f.pull, "Subscribers share a durable explicitly acked pull consumer");
  cmd->add_flag("--push", f.push,
                "Subscribers share a durable explicitly acked push consumer with a queue group");
  cmd->add_option("--pullbatch,--consumerbatch", f.pull_batch,
                  "Fetch size of the pull consumer, or max ack pending of the push consumer")
      ->capture_default_str();
  cmd->add_option("--consumer", f.consumer, "Name of the durable consumer (--pull, --push)")
      ->capture_default_str();
}

int run_js_bench(const GlobalFlags& g, const JsBenchRun& r, const JsBenchFlags& f) {
  if (f.pull && f.push) return print_error("--pull and --push cannot be combined");
  if (f.pub_batch < 1 || f.pull_batch < 1)
    return print_error("--pubbatch and --pullbatch must be positive");
  if (!parse_byte_size(f.max_bytes))
    return print_error("--maxbytes: '" + f.max_bytes + "' is not a size");
  const char* sub_kind = f.pull ? "pull" : f.push ? "push" : "ordered";
  fmt::print(
      "Starting JetStream benchmark [subject={}, msgs={}, msgsize={} B, pubs={}, subs={}, "
      "stream={}, storage={}, syncpub={}, pubbatch={}, consumers={}, pullbatch={}, purge={}]\n\n",
      r.subject, with_commas(uint64_t(r.msgs)), r.size, r.pubs, r.subs, f.stream, f.storage,
      f.sync_pub, f.pub_batch, sub_kind, f.pull_batch, f.purge);

  auto admin = connect_jetstream(g);
  if (!admin) return 1;
  if (!ensure_stream(*admin->js, r, f)) return 1;

  // Consumers first, so they are there when the first message is.
  const bool shared = f.pull || f.push;
  std::vector<JsSession> sub_sessions;
  std::vector<std::unique_ptr<ConsumerCount>> counts;
  std::vector<client::PushSubscription> pushes;
  std::vector<std::unique_ptr<client::OrderedConsumer>> ordered;
  std::vector<std::thread> pullers;
  std::atomic<uint64_t> shared_total{0};
  std::atomic<bool> failed{false};
  const uint64_t expected = uint64_t(r.msgs);
  if (r.subs > 0) {
    std::string deliver;
    if (f.push) deliver = admin->nc->new_inbox();
    if (shared && !make_durable(*admin->js, r, f, deliver)) return 1;
    for (int i = 0; i < r.subs; ++i) {
      auto s = connect_jetstream(g);
      if (!s) return 1;
      auto c = std::make_unique<ConsumerCount>();
      ConsumerCount* raw = c.get();
      if (f.push) {
        client::ConsumerConfig cfg;
        cfg.durable_name = f.consumer;
        cfg.deliver_subject = deliver;
        cfg.deliver_group = f.consumer;
        auto sub = s->js->subscribe(f.stream, cfg, [raw, &shared_total](client::JsMessage m) {
          (void)m.ack();
          raw->seen();
          shared_total.fetch_add(1, std::memory_order_relaxed);
        });
        if (!sub) return print_js_error("could not bind to the push consumer", sub.status());
        sub->subscription().set_pending_limits(int64_t(1) << 40, int64_t(1) << 40);
        pushes.push_back(std::move(sub.value()));
      } else if (!f.pull) {
        client::OrderedConsumerOptions o;
        o.filter_subject = r.subject;
        auto oc = s->js->ordered_consumer(f.stream, o, [raw](client::JsMessage) { raw->seen(); });
        if (!oc) return print_js_error("could not create an ordered consumer", oc.status());
        ordered.push_back(std::move(oc.value()));
      }
      sub_sessions.push_back(std::move(*s));
      counts.push_back(std::move(c));
    }
    if (f.pull) {
      for (int i = 0; i < r.subs; ++i) {
        pullers.emplace_back([&, i] {
          auto pull = sub_sessions[size_t(i)].js->pull_consumer(f.stream, f.consumer);
          if (!pull) {
            print_js_error("could not bind to the pull consumer", pull.status());
            failed = true;
            return;
          }
          while (shared_total.load() < expected && !failed && !interrupted()) {
            auto msgs = pull->fetch(f.pull_batch, kFetchWait);
            if (!msgs) {
              if (msgs.code() == client::Errc::kTimeout) continue;
              print_js_error("fetch failed", msgs.status());
              failed = true;
              return;
            }
            for (auto& m : *msgs) {
              (void)m.ack();
              counts[size_t(i)]->seen();
              shared_total.fetch_add(1);
            }
          }
        });
      }
    }
  }

  std::vector<std::unique_ptr<Publisher>> pubs;
  for (int i = 0; i < r.pubs; ++i) {
    auto p = std::make_unique<Publisher>();
    auto s = connect_jetstream(g);
    if (!s) {
      failed = true;
      break;
    }
    p->s = std::move(*s);
    p->run.msgs = uint64_t(share(r.msgs, r.pubs, i));
    p->run.bytes = p->run.msgs * uint64_t(r.size);
    p->latencies.reserve(p->run.msgs);
    pubs.push_back(std::move(p));
  }
  const std::string payload(size_t(r.size), 'j');
  {
    ProgressBar progress("Publishing", uint64_t(r.msgs),
                         r.pubs > 0 && progress_wanted(r.no_progress));
    std::vector<std::thread> threads;
    for (auto& p : pubs) {
      threads.emplace_back([&, raw = p.get()] {
        raw->run.start_ns = mono_nanos();
        if (f.sync_pub) {
          publish_sync(*raw, r.subject, payload, progress, failed);
        } else {
          publish_async(*raw, r.subject, payload, f.pub_batch, progress, failed);
        }
        raw->run.end_ns = mono_nanos();
      });
    }
    for (auto& t : threads) t.join();
    progress.stop();
  }

  // Subscribers: until every one has its messages (shared consumers: all of them together).
  auto sub_done = [&] {
    if (shared) return shared_total.load() >= expected;
    for (const auto& c : counts) {
      if (c->count.load() < expected) return false;
    }
    return true;
  };
  uint64_t last_total = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (r.subs > 0 && !failed && !sub_done()) {
    if (interrupted()) {
      failed = true;
      break;
    }
    uint64_t total = 0;
    for (const auto& c : counts) total += c->count.load();
    if (total != last_total) {
      last_total = total;
      last_progress = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_progress > kStallTimeout) {
      print_error(fmt::format("consumers stalled at {} messages", total));
      failed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& t : pullers) t.join();
  for (auto& o : ordered) o->stop();
  pushes.clear();
  if (shared && r.subs > 0) (void)admin->js->delete_consumer(f.stream, f.consumer);
  if (f.delete_stream) {
    if (client::Status st = admin->js->delete_stream(f.stream); !st) {
      print_js_error("could not delete the stream", st);
    } else {
      log_line(fmt::format("Deleted stream {}", f.stream));
    }
  }
  if (failed) return 1;

  std::vector<BenchRun> pub_runs;
  std::vector<int64_t> lat;
  for (auto& p : pubs) {
    pub_runs.push_back(p->run);
    lat.insert(lat.end(), p->latencies.begin(), p->latencies.end());
  }
  std::vector<BenchRun> sub_runs;
  for (const auto& c : counts) {
    const uint64_t n = c->count.load();
    sub_runs.push_back(BenchRun{n, n * uint64_t(r.size), c->first_ns.load(), c->last_ns.load()});
  }
  std::vector<BenchRun> all = pub_runs;
  all.insert(all.end(), sub_runs.begin(), sub_runs.end());
  const char* what = r.pubs > 0 && r.subs > 0 ? "Pub/Sub" : r.pubs > 0 ? "Pub" : "Sub";
  fmt::print("\nNATS JetStream {} stats: {}\n", what, throughput(combine(all)));
  auto print_runs = [](const char* label, const std::vector<BenchRun>& runs) {
    if (runs.empty()) return;
    fmt::print(" {} stats: {}\n", label, throughput(combine(runs)));
    if (runs.size() < 2) return;
    for (size_t i = 0; i < runs.size(); ++i) {
      fmt::print("  [{}] {} ({} msgs)\n", i + 1, throughput(runs[i]), with_commas(runs[i].msgs));
    }
  };
  print_runs("Pub", pub_runs);
  print_runs("Sub", sub_runs);
  if (!lat.empty()) {
    LatencySummary s = summarize_latency(lat);
    fmt::print(" Ack latency{}: {}\n", f.sync_pub ? "" : " (async window)", format_latency(s));
  }
  return 0;
}

}  // namespace nats::cli
