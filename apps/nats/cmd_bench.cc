// nats bench SUBJECT: core NATS throughput and latency.
//   --pub N --sub M          N publishers share --msgs; every subscriber expects all of them
//   --request / --reply      publishers send requests one at a time and time each answer;
//                            subscribers answer them (a queue group, so each is answered once)
// Every client has its own connection, as in natscli.

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "bench_js.h"
#include "bench_stats.h"
#include "commands.h"
#include "progress.h"

namespace nats::cli {

namespace {

constexpr auto kStallTimeout = std::chrono::seconds(10);  // no progress this long: give up
constexpr std::string_view kReplyGroup = "nats-bench-reply";
constexpr uint64_t kProgressBatch = 1024;  // publishes between updates of the shared counter

struct BenchFlags {
  std::string subject;
  int pubs = 1;
  int subs = 0;
  int64_t msgs = 100000;
  int64_t size = 128;
  bool request = false;
  bool reply = false;
  bool no_progress = false;
  JsBenchFlags js;  // --js and its flags (cmd_bench_js.cc)
};

struct Subscriber {
  std::unique_ptr<client::Connection> nc;
  client::Subscription sub;
  std::atomic<uint64_t> count{0};
  std::atomic<int64_t> first_ns{0};
  std::atomic<int64_t> last_ns{0};
};

// Starts the subscribers (or responders) and waits until the server knows them.
bool start_subscribers(const GlobalFlags& g, const BenchFlags& f,
                       std::vector<std::unique_ptr<Subscriber>>& subs) {
  for (int i = 0; i < f.subs; ++i) {
    auto s = std::make_unique<Subscriber>();
    s->nc = connect(g);
    if (!s->nc) return false;
    Subscriber* raw = s.get();
    client::Connection* conn = s->nc.get();
    const std::string payload(size_t(f.size), 'r');
    // Reading the clock costs as much as receiving a small message: read it at the first
    // message, at the last one expected, and every 1024th in between (the stall detector and
    // a run cut short still see a recent time).
    const uint64_t expected = uint64_t(f.msgs);
    auto handler = [raw, conn, payload, expected, reply = f.reply](client::Message m) {
      const uint64_t n = raw->count.load(std::memory_order_relaxed) + 1;
      if (n == 1 || n == expected || n % 1024 == 0) {
        const int64_t now = mono_nanos();
        if (n == 1) raw->first_ns.store(now);
        raw->last_ns.store(now, std::memory_order_relaxed);
      }
      raw->count.store(n, std::memory_order_relaxed);
      if (reply && !m.reply().empty()) (void)conn->publish(m.reply(), payload);
    };
    auto sub = f.reply ? s->nc->subscribe(f.subject, kReplyGroup, handler)
                       : s->nc->subscribe(f.subject, handler);
    if (!sub) {
      print_error(sub.status());
      return false;
    }
    sub->set_pending_limits(int64_t(1) << 40, int64_t(1) << 40);  // measure, never drop
    s->sub = std::move(sub.value());
    if (client::Status st = s->nc->flush(g.timeout_ms()); !st) {
      print_error(st);
      return false;
    }
    subs.push_back(std::move(s));
  }
  return true;
}

// Waits until `done` holds, failing when no subscriber made progress for kStallTimeout.
bool wait_for_subscribers(const std::vector<std::unique_ptr<Subscriber>>& subs,
                          const std::function<bool()>& done) {
  uint64_t last_total = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (!done()) {
    if (interrupted()) return false;
    uint64_t total = 0;
    for (const auto& s : subs) total += s->count.load();
    if (total != last_total) {
      last_total = total;
      last_progress = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_progress > kStallTimeout) {
      print_error(fmt::format("subscribers stalled at {} messages", total));
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// One publisher's share of the messages.
int64_t share(int64_t msgs, int clients, int i) { return msgs / clients + (i < msgs % clients); }

void print_runs(const char* label, const std::vector<BenchRun>& runs) {
  if (runs.empty()) return;
  fmt::print(" {} stats: {}\n", label, throughput(combine(runs)));
  if (runs.size() < 2) return;
  for (size_t i = 0; i < runs.size(); ++i) {
    fmt::print("  [{}] {} ({} msgs)\n", i + 1, throughput(runs[i]), with_commas(runs[i].msgs));
  }
}

int run_pub_sub(const GlobalFlags& g, const BenchFlags& f) {
  fmt::print(
      "Starting Core NATS pub/sub benchmark [subject={}, msgs={}, msgsize={} B, pubs={}, "
      "subs={}]\n\n",
      f.subject, with_commas(uint64_t(f.msgs)), f.size, f.pubs, f.subs);
  std::vector<std::unique_ptr<Subscriber>> subs;
  if (!start_subscribers(g, f, subs)) return 1;
  std::vector<std::unique_ptr<client::Connection>> pub_conns;
  for (int i = 0; i < f.pubs; ++i) {
    pub_conns.push_back(connect(g));
    if (!pub_conns.back()) return 1;
  }
  const std::string payload(size_t(f.size), 'p');
  std::vector<BenchRun> pub_runs(size_t(f.pubs));
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  ProgressBar progress("Publishing", uint64_t(f.msgs), progress_wanted(f.no_progress));
  for (int i = 0; i < f.pubs; ++i) {
    threads.emplace_back([&, i] {
      client::Connection& nc = *pub_conns[size_t(i)];
      BenchRun& run = pub_runs[size_t(i)];
      run.msgs = uint64_t(share(f.msgs, f.pubs, i));
      run.bytes = run.msgs * uint64_t(f.size);
      run.start_ns = mono_nanos();
      for (uint64_t n = 0; n < run.msgs; ++n) {
        if (client::Status s = nc.publish(f.subject, payload); !s) {
          print_error(s);
          failed = true;
          return;
        }
        if ((n + 1) % kProgressBatch == 0) progress.add(kProgressBatch);
      }
      progress.add(run.msgs % kProgressBatch);
      if (client::Status s = nc.flush(std::chrono::seconds(60)); !s) failed = true;
      run.end_ns = mono_nanos();
    });
  }
  for (auto& t : threads) t.join();
  progress.stop();
  if (failed) return 1;
  const uint64_t expected = uint64_t(f.msgs);
  if (!wait_for_subscribers(subs, [&] {
        for (const auto& s : subs) {
          if (s->count.load() < expected) return false;
        }
        return true;
      })) {
    return 1;
  }
  std::vector<BenchRun> sub_runs;
  for (const auto& s : subs) {
    sub_runs.push_back(BenchRun{s->count.load(), s->count.load() * uint64_t(f.size),
                                s->first_ns.load(), s->last_ns.load()});
  }
  std::vector<BenchRun> all = pub_runs;
  all.insert(all.end(), sub_runs.begin(), sub_runs.end());
  const char* what = f.pubs > 0 && f.subs > 0 ? "Pub/Sub" : f.pubs > 0 ? "Pub" : "Sub";
  fmt::print("NATS {} stats: {}\n", what, throughput(combine(all)));
  if (f.pubs > 0 && f.subs > 0) {
    print_runs("Pub", pub_runs);
    print_runs("Sub", sub_runs);
  } else if (f.pubs > 1) {
    print_runs("Pub", pub_runs);
  } else if (f.subs > 1) {
    print_runs("Sub", sub_runs);
  }
  return 0;
}

int run_request_reply(const GlobalFlags& g, const BenchFlags& f) {
  fmt::print(
      "Starting Core NATS request/reply benchmark [subject={}, msgs={}, msgsize={} B, "
      "requesters={}, responders={}]\n\n",
      f.subject, with_commas(uint64_t(f.msgs)), f.size, f.request ? f.pubs : 0,
      f.reply ? f.subs : 0);
  std::vector<std::unique_ptr<Subscriber>> responders;
  if (f.reply && !start_subscribers(g, f, responders)) return 1;
  if (!f.request) {
    // Responders only: answer --msgs requests from another process, then report.
    log_line(fmt::format("{} responders listening on \"{}\"", f.subs, f.subject));
    const bool ok = wait_for_subscribers(responders, [&] {
      uint64_t total = 0;
      for (const auto& s : responders) total += s->count.load();
      return total >= uint64_t(f.msgs);
    });
    return ok ? 0 : 1;
  }
  std::vector<std::unique_ptr<client::Connection>> conns;
  for (int i = 0; i < f.pubs; ++i) {
    conns.push_back(connect(g));
    if (!conns.back()) return 1;
  }
  const std::string payload(size_t(f.size), 'q');
  std::vector<BenchRun> runs(size_t(f.pubs));
  std::vector<std::vector<int64_t>> latencies(size_t(f.pubs));
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  ProgressBar progress("Requesting", uint64_t(f.msgs), progress_wanted(f.no_progress));
  for (int i = 0; i < f.pubs; ++i) {
    threads.emplace_back([&, i] {
      client::Connection& nc = *conns[size_t(i)];
      BenchRun& run = runs[size_t(i)];
      run.msgs = uint64_t(share(f.msgs, f.pubs, i));
      run.bytes = run.msgs * uint64_t(f.size) * 2;  // request and reply
      latencies[size_t(i)].reserve(run.msgs);
      run.start_ns = mono_nanos();
      for (uint64_t n = 0; n < run.msgs && !interrupted(); ++n) {
        const int64_t t0 = mono_nanos();
        auto r = nc.request(f.subject, payload, g.timeout_ms());
        if (!r) {
          print_error(r.status());
          failed = true;
          return;
        }
        latencies[size_t(i)].push_back(mono_nanos() - t0);
        progress.add(1);
      }
      run.end_ns = mono_nanos();
    });
  }
  for (auto& t : threads) t.join();
  progress.stop();
  if (failed) return 1;
  std::vector<int64_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  LatencySummary lat = summarize_latency(all);
  fmt::print("NATS Req/Rep stats: {}\n", throughput(combine(runs)));
  if (runs.size() > 1) print_runs("Requester", runs);
  fmt::print(" Latency: {}\n", format_latency(lat));
  return 0;
}

int run_bench(const GlobalFlags& g, const BenchFlags& f) {
  install_interrupt_handler();
  if (f.pubs < 0 || f.subs < 0 || f.msgs <= 0 || f.size < 0) {
    return print_error("--pub, --sub, --msgs and --size must not be negative");
  }
  if (f.request && f.pubs == 0) {
    return print_error("--request needs at least one publisher (--pub)");
  }
  if (f.reply && f.subs == 0) {
    return print_error("--reply needs at least one subscriber (--sub)");
  }
  if (f.pubs == 0 && f.subs == 0) {
    return print_error("nothing to do: give --pub and/or --sub");
  }
  if (f.js.js) {
    if (f.request || f.reply)
      return print_error("--js cannot be combined with --request or --reply");
    return run_js_bench(g, {f.subject, f.pubs, f.subs, f.msgs, f.size, f.no_progress}, f.js);
  }
  return f.request || f.reply ? run_request_reply(g, f) : run_pub_sub(g, f);
}

}  // namespace

void add_bench_command(CLI::App& app, GlobalFlags& g) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand("bench", "Benchmark utility");
  cmd->footer(
      "Examples:\n"
      "  nats bench foo --pub 1 --sub 1 --msgs 1000000 --size 16\n"
      "  nats bench svc --pub 1 --sub 1 --request --reply --msgs 10000\n"
      "  nats bench svc --sub 2 --reply      (responders only, for a --request run elsewhere)\n"
      "  nats bench js.bench --js --pub 1 --sub 1 --msgs 100000 --purge   (JetStream)\n"
      "  nats bench js.bench --js --pub 0 --sub 2 --pull   (consume what is in the stream)");
  cmd->add_option("subject", f->subject, "Subject to use for the benchmark")->required();
  cmd->add_option("--pub", f->pubs, "Number of concurrent publishers")->capture_default_str();
  cmd->add_option("--sub", f->subs, "Number of concurrent subscribers")->capture_default_str();
  cmd->add_option("--msgs", f->msgs, "Number of messages to publish")->capture_default_str();
  cmd->add_option("--size", f->size, "Size of the test messages in bytes")->capture_default_str();
  cmd->add_flag("--request", f->request,
                "Publishers send requests and wait for each reply (reports latency)");
  cmd->add_flag("--reply", f->reply, "Subscribers reply to requests");
  cmd->add_flag("--no-progress", f->no_progress,
                "Disable the progress bar (drawn on stderr, when it is a terminal, for runs "
                "longer than a second)");
  add_js_bench_flags(cmd, f->js);
  cmd->callback([&g, f] { g.exit_code = run_bench(g, *f); });
}

}  // namespace nats::cli
