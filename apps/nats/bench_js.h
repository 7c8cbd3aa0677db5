#pragma once
// nats bench --js: JetStream publishing (with acks) and consuming, natscli's flags. The core
// verb (cmd_bench.cc) adds these flags and hands the run over when --js is given.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "cli_common.h"

namespace nats::cli {

struct JsBenchFlags {
  bool js = false;
  std::string stream = "benchstream";  // created (on the bench subject) when missing
  std::string storage = "file";
  int replicas = 1;
  std::string max_bytes = "1GB";
  bool purge = false;          // purge the stream before the run
  bool delete_stream = false;  // delete it after the run
  bool sync_pub = false;       // one publish, one ack
  int pub_batch = 100;         // otherwise async publishes, this many in flight, then their acks
  bool pull = false;           // subscribers share a durable pull consumer
  bool push = false;           // subscribers share a durable push consumer (queue group)
  int pull_batch = 100;        // fetch size, or max ack pending of the push consumer
  std::string consumer = "natscli-bench";
};

// What the core verb already parsed.
struct JsBenchRun {
  std::string subject;
  int pubs = 1;
  int subs = 0;
  int64_t msgs = 0;
  int64_t size = 0;
  bool no_progress = false;
};

void add_js_bench_flags(CLI::App* bench, JsBenchFlags& f);
int run_js_bench(const GlobalFlags& g, const JsBenchRun& r, const JsBenchFlags& f);

}  // namespace nats::cli
