// libFuzzer target for the server-protocol parser (proto/server_parser.h), what the client
// library reads from a server.
//
// Input layout: byte 0 picks how the protocol bytes are cut into reads, byte 1 picks the
// handler (bits 0-2: the Nth callback returns false, 0: none; bits 3-4: max control line
// 1 MB, 8, 32, 300); the rest is what a server sent. Every input is parsed whole, cut once, in
// random chunks with empty reads between some, and byte by byte when short. Properties:
//  (a) every way of cutting gives the same callbacks, the same final status and, except for
//      kMaxControlLine (reported as soon as a read shows the line is too long), the same stream
//      offset; idle() agrees when parsing succeeded;
//  (b) views handed to callbacks lie wholly inside the current read or wholly outside it (the
//      parser's own buffers); each read is a heap buffer freed and poisoned after parse(), so a
//      kept view is a heap-use-after-free under ASan;
//  (c) consumed <= len, == len on kOk;
//  (d) a handler's false stops the parse with kStopped, and nothing is called after it; the
//      caller resumes at data + consumed;
// plus what a handler may assume: a message's headers + payload are exactly total_len bytes,
// headers exactly header_len, fields hold no separators, lines hold no '\n'.
//
// Built twice: with -fsanitize=fuzzer (scripts/fuzz.sh), and with corpus_main.cc as the CTest
// `server_parser_corpus_test`, which replays the seed corpus in every build.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proto/server_parser.h"
#include "read_cuts.h"

namespace {

using nats::proto::MsgArgs;
using nats::proto::ServerParser;
using nats::proto::ServerParseResult;
using nats::proto::ServerParseStatus;

constexpr size_t kMaxByteAtATime = 1024;  // bytes; longer inputs skip the byte-by-byte pass
constexpr size_t kControlLineLimits[4] = {nats::proto::kClientMaxControlLine, 8, 32, 300};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "server_parser_fuzz: property violated: %s\n", what);
  std::abort();
}

#define FUZZ_CHECK(cond)      \
  do {                        \
    if (!(cond)) fail(#cond); \
  } while (0)

struct Config {
  int stop_at = 0;
  size_t max_control_line = nats::proto::kClientMaxControlLine;
};

Config config_from(uint8_t b) { return Config{b & 0x07, kControlLineLimits[(b >> 3) & 0x03]}; }

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
  }
  return true;
}

class Recorder {
 public:
  explicit Recorder(const Config& cfg) : cfg_(cfg) {}

  void begin_read(const char* data, size_t len) {
    read_begin_ = data;
    read_end_ = data + len;
  }
  const std::string& log() const { return log_; }
  bool stopped() const { return stopped_; }
  void resume(size_t offset) {
    log_ += "RESUME@" + std::to_string(offset) + "\n";
    stopped_ = false;
  }

  bool on_info(std::string_view json) {
    enter();
    check_line(json);
    log_ += "INFO[" + std::string(json) + "]\n";
    return next();
  }
  bool on_msg(const MsgArgs& a, std::string_view headers, std::string_view payload) {
    enter();
    check_view(a.subject);
    check_view(a.sid);
    check_view(a.reply);
    check_view(headers);
    check_view(payload);
    FUZZ_CHECK(is_token(a.subject) && is_token(a.sid));
    FUZZ_CHECK(a.reply.empty() || is_token(a.reply));
    FUZZ_CHECK(headers.size() + payload.size() == size_t(a.total_len));
    FUZZ_CHECK(a.has_headers() ? headers.size() == size_t(a.header_len) : headers.empty());
    log_ += "MSG[" + std::string(a.subject) + "|" + std::string(a.sid) + "|" +
            std::string(a.reply) + "|" + std::to_string(a.header_len) + "|" + std::string(headers) +
            "|" + std::string(payload) + "]\n";
    return next();
  }
  bool on_ping() { return simple("PING"); }
  bool on_pong() { return simple("PONG"); }
  bool on_ok() { return simple("OK"); }
  bool on_err(std::string_view text) {
    enter();
    check_line(text);
    log_ += "ERR[" + std::string(text) + "]\n";
    return next();
  }

 private:
  bool simple(const char* name) {
    enter();
    log_ += name;
    log_ += "\n";
    return next();
  }
  void enter() const { FUZZ_CHECK(!stopped_); }  // (d)
  bool next() {
    if (++calls_ == cfg_.stop_at) {
      log_ += "STOP\n";
      stopped_ = true;
      return false;
    }
    return true;
  }
  void check_view(std::string_view v) const {  // (b)
    if (v.empty()) return;
    const auto begin = reinterpret_cast<uintptr_t>(v.data());
    const uintptr_t end = begin + v.size();
    const auto rb = reinterpret_cast<uintptr_t>(read_begin_);
    const auto re = reinterpret_cast<uintptr_t>(read_end_);
    FUZZ_CHECK((begin >= rb && end <= re) || end <= rb || begin >= re);
  }
  void check_line(std::string_view line) const {
    check_view(line);
    FUZZ_CHECK(line.size() <= cfg_.max_control_line);
    FUZZ_CHECK(line.find('\n') == std::string_view::npos);
  }

  const Config& cfg_;
  bool stopped_ = false;
  int calls_ = 0;
  std::string log_;
  const char* read_begin_ = nullptr;
  const char* read_end_ = nullptr;
};

struct Outcome {
  std::string log;
  ServerParseStatus status = ServerParseStatus::kOk;
  size_t offset = 0;
  bool idle = true;
};

Outcome run(const Config& cfg, const uint8_t* data, size_t size, const std::vector<size_t>& cuts) {
  ServerParser parser(cfg.max_control_line);
  Recorder rec(cfg);
  const auto end =
      nats::fuzz::feed_reads(parser, rec, data, size, cuts, ServerParseStatus::kOk,
                             ServerParseStatus::kStopped, [](bool ok, const char* what) {
                               if (!ok) fail(what);
                             });
  const bool idle = end.status == ServerParseStatus::kOk && parser.idle();
  return Outcome{rec.log(), end.status, end.offset, idle};
}

void expect_same(const Outcome& whole, const Outcome& cut, const char* how) {  // (a)
  const bool offset_defined = whole.status != ServerParseStatus::kMaxControlLine;
  if (whole.log == cut.log && whole.status == cut.status && whole.idle == cut.idle &&
      (!offset_defined || whole.offset == cut.offset)) {
    return;
  }
  std::fprintf(stderr, "--- whole: %s @%zu\n%s\n--- %s: %s @%zu\n%s\n",
               std::string(server_parse_status_name(whole.status)).c_str(), whole.offset,
               whole.log.c_str(), how, std::string(server_parse_status_name(cut.status)).c_str(),
               cut.offset, cut.log.c_str());
  fail("parsing in pieces must match parsing whole");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t split = data[0];
  const Config cfg = config_from(data[1]);
  data += 2;
  size -= 2;

  const Outcome whole = run(cfg, data, size, {size});
  if (size >= 2) {
    expect_same(whole, run(cfg, data, size, nats::fuzz::one_cut(split, size)), "one cut");
  }
  expect_same(whole, run(cfg, data, size, nats::fuzz::random_chunks(split, size)), "random chunks");
  if (size <= kMaxByteAtATime) {
    expect_same(whole, run(cfg, data, size, nats::fuzz::byte_at_a_time(size)), "byte by byte");
  }
  return 0;
}
