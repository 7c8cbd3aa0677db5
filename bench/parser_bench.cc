// Micro benchmarks of the client protocol parser: how many PUBs a loop can parse per second
// before any routing, for small and large payloads and for input that arrives in small reads.

#include <benchmark/benchmark.h>

#include <string>

#include "proto/client_parser.h"

namespace {

// Counts messages and touches the payload, like a server would, but routes nothing.
struct CountingHandler {
  uint64_t msgs = 0, bytes = 0;
  bool on_connect(std::string_view) { return true; }
  bool on_pub(const nats::proto::PubArgs&) { return true; }
  bool on_msg(const nats::proto::PubArgs& a, std::string_view msg) {
    ++msgs;
    bytes += msg.size() + a.subject.size();
    return true;
  }
  bool on_sub(std::string_view, std::string_view, std::string_view) { return true; }
  bool on_unsub(std::string_view, int64_t) { return true; }
  bool on_ping() { return true; }
  bool on_pong() { return true; }
  bool on_info(std::string_view) { return true; }
  bool on_err(std::string_view) { return true; }
  bool awaiting_auth() const { return false; }
};

std::string make_pubs(size_t count, size_t payload, bool headers) {
  std::string out;
  const std::string body(payload, 'x');
  const std::string hdr = "NATS/1.0\r\nA: b\r\n\r\n";
  for (size_t i = 0; i < count; ++i) {
    if (headers) {
      out += "HPUB bench.subject.foo " + std::to_string(hdr.size()) + " " +
             std::to_string(hdr.size() + body.size()) + "\r\n" + hdr + body + "\r\n";
    } else {
      out += "PUB bench.subject.foo " + std::to_string(body.size()) + "\r\n" + body + "\r\n";
    }
  }
  return out;
}

void parse_in_reads(benchmark::State& state, size_t payload, bool headers, size_t read_size) {
  const size_t kMsgs = 1000;
  const std::string input = make_pubs(kMsgs, payload, headers);
  CountingHandler h;
  nats::proto::ClientParser parser;
  for (auto _ : state) {
    for (size_t off = 0; off < input.size(); off += read_size) {
      const size_t n = std::min(read_size, input.size() - off);
      auto r = parser.parse(input.data() + off, n, h);
      benchmark::DoNotOptimize(r.consumed);
    }
  }
  state.SetItemsProcessed(int64_t(state.iterations() * kMsgs));
  state.SetBytesProcessed(int64_t(state.iterations() * input.size()));
}

void BM_Pub16B_64KReads(benchmark::State& s) { parse_in_reads(s, 16, false, 64 * 1024); }
void BM_Pub1KB_64KReads(benchmark::State& s) { parse_in_reads(s, 1024, false, 64 * 1024); }
void BM_Hpub16B_64KReads(benchmark::State& s) { parse_in_reads(s, 16, true, 64 * 1024); }
void BM_Pub16B_100BReads(benchmark::State& s) { parse_in_reads(s, 16, false, 100); }
void BM_Pub64KB_16KReads(benchmark::State& s) { parse_in_reads(s, 64 * 1024, false, 16 * 1024); }

BENCHMARK(BM_Pub16B_64KReads);
BENCHMARK(BM_Pub1KB_64KReads);
BENCHMARK(BM_Hpub16B_64KReads);
BENCHMARK(BM_Pub16B_100BReads);
BENCHMARK(BM_Pub64KB_16KReads);

}  // namespace
