// libFuzzer target for the client protocol parser (proto/client_parser.h).
//
// Input layout: byte 0 picks how the protocol bytes are cut into reads, byte 1 picks how the
// handler behaves (auth pending, which callback returns false, control line and payload
// limits); the rest is what a client sent. Every input is parsed whole, cut once, cut into
// random chunks (with empty reads between some), and byte by byte when short. Properties that
// must hold, or the target aborts:
//  (a) every way of cutting gives the same callbacks (recorded as text, like the unit test's
//      Recorder), the same final status, the same idle() state, and, where the stop position
//      is well defined (kOk, kProtocolError, kAuthRequired), the same stream offset;
//  (b) a view handed to a callback lies wholly inside the read being parsed or wholly outside
//      it (the parser's own buffers). Each read is a heap buffer of its exact size that is
//      overwritten and freed after parse(): a view into an earlier read is a heap-use-after-free
//      under ASan, and a changed callback log (so a failure of (a)) without it;
//  (c) consumed <= len, and consumed == len when the status is kOk;
//  (d) a handler that returns false stops the parse: no further callback, status kStopped,
//      and kStopped only after a handler returned false. The caller then resumes at
//      data + consumed; the offset of each stop is part of the log compared in (a).
// It also checks what a handler may assume: on_msg follows a successful on_pub with the same
// arguments and exactly total_len bytes (followed by CRLF when they are in the read), sizes
// match their text, fields hold no separators, argument lines respect max_control_line.
//
// Built twice: with -fsanitize=fuzzer (scripts/fuzz.sh), and with corpus_main.cc as the CTest
// `client_parser_corpus_test`, which runs the seed corpus in every build.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proto/client_parser.h"
#include "read_cuts.h"

namespace {

using nats::proto::ClientParser;
using nats::proto::ParseResult;
using nats::proto::ParseStatus;
using nats::proto::PubArgs;

constexpr size_t kMaxByteAtATime = 1024;  // bytes; longer inputs skip the byte-by-byte pass
constexpr int64_t kSmallMaxPayload = 64;  // bytes
constexpr int64_t kMaxSize = 999999999;   // parse_size accepts at most 9 digits
constexpr size_t kControlLineLimits[4] = {nats::proto::kDefaultMaxControlLine, 8, 32, 300};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "client_parser_fuzz: property violated: %s\n", what);
  std::abort();
}

#define FUZZ_CHECK(cond)      \
  do {                        \
    if (!(cond)) fail(#cond); \
  } while (0)

struct Config {
  bool auth_pending = false;
  int stop_at = 0;  // the stop_at-th callback returns false; 0: none does
  size_t max_control_line = nats::proto::kDefaultMaxControlLine;
  int64_t max_payload = nats::proto::kDefaultMaxPayload;
  bool headers_ok = true;
};

Config config_from(uint8_t b) {
  Config c;
  c.auth_pending = b & 0x01;
  c.stop_at = (b >> 1) & 0x07;
  c.max_control_line = kControlLineLimits[(b >> 4) & 0x03];
  if (b & 0x40) c.max_payload = kSmallMaxPayload;
  c.headers_ok = !(b & 0x80);
  return c;
}

bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (is_separator(c)) return false;
  }
  return true;
}

// Records every callback as text and checks each one against the contract in client_parser.h.
class Recorder {
 public:
  explicit Recorder(const Config& cfg) : cfg_(cfg), auth_pending_(cfg.auth_pending) {}

  void begin_read(const char* data, size_t len) {
    read_begin_ = data;
    read_end_ = data + len;
  }

  const std::string& log() const { return log_; }
  bool stopped() const { return stopped_; }
  // The caller parses on after kStopped; `offset` is where the stop left the stream.
  void resume(size_t offset) {
    log_ += "RESUME@" + std::to_string(offset) + "\n";
    stopped_ = false;
  }

  bool on_connect(std::string_view json) {
    enter(false);
    check_line(json);
    log_ += "CONNECT[" + std::string(json) + "]\n";
    auth_pending_ = false;
    return next();
  }

  bool on_pub(const PubArgs& a) {
    enter(false);
    check_view(a.subject);
    check_view(a.reply);
    check_view(a.header_len_text);
    check_view(a.total_len_text);
    FUZZ_CHECK(is_token(a.subject));
    FUZZ_CHECK(a.reply.empty() || is_token(a.reply));
    FUZZ_CHECK(is_token(a.total_len_text));
    FUZZ_CHECK(a.total_len >= 0 && a.total_len <= kMaxSize);
    FUZZ_CHECK(a.total_len == nats::proto::parse_size(a.total_len_text));
    if (a.has_headers()) {
      FUZZ_CHECK(a.header_len == nats::proto::parse_size(a.header_len_text));
      FUZZ_CHECK(a.header_len <= a.total_len);
    } else {
      FUZZ_CHECK(a.header_len == -1 && a.header_len_text.empty());
    }
    pub_text_ = pub_text(a);
    log_ += "PUB_LINE[" + pub_text_ + "]\n";
    // What the server does before reading a payload: enforce max_payload and headers.
    if (a.total_len > cfg_.max_payload) return refuse("MAXPAYLOAD");
    if (a.has_headers() && !cfg_.headers_ok) return refuse("NOHEADERS");
    bool go_on = next();
    awaiting_msg_ = go_on;
    return go_on;
  }

  bool on_msg(const PubArgs& a, std::string_view msg) {
    enter(true);
    awaiting_msg_ = false;
    check_view(a.subject);
    check_view(a.reply);
    check_view(a.header_len_text);
    check_view(a.total_len_text);
    check_view(msg);
    FUZZ_CHECK(pub_text(a) == pub_text_);
    FUZZ_CHECK(msg.size() == size_t(a.total_len));
    if (inside_read(msg) && !msg.empty()) {
      // Delivered in place: the payload's CRLF must be in this read too.
      FUZZ_CHECK(msg.data() + msg.size() + 2 <= read_end_);
      FUZZ_CHECK(msg.data()[msg.size()] == '\r' && msg.data()[msg.size() + 1] == '\n');
    }
    log_ += "MSG[" + std::string(msg) + "]\n";
    return next();
  }

  bool on_sub(std::string_view subject, std::string_view queue, std::string_view sid) {
    enter(false);
    check_view(subject);
    check_view(queue);
    check_view(sid);
    FUZZ_CHECK(is_token(subject));
    FUZZ_CHECK(queue.empty() || is_token(queue));
    FUZZ_CHECK(is_token(sid));
    log_ +=
        "SUB[" + std::string(subject) + "|" + std::string(queue) + "|" + std::string(sid) + "]\n";
    return next();
  }

  bool on_unsub(std::string_view sid, int64_t max) {
    enter(false);
    check_view(sid);
    FUZZ_CHECK(is_token(sid));
    FUZZ_CHECK(max >= -1 && max <= kMaxSize);
    log_ += "UNSUB[" + std::string(sid) + "|" + std::to_string(max) + "]\n";
    return next();
  }

  bool on_ping() {
    enter(false);
    log_ += "PING\n";
    return next();
  }

  bool on_pong() {
    enter(false);
    log_ += "PONG\n";
    return next();
  }

  bool on_info(std::string_view json) {
    enter(false);
    check_line(json);
    log_ += "INFO[" + std::string(json) + "]\n";
    return next();
  }

  bool on_err(std::string_view text) {
    enter(false);
    check_line(text);
    log_ += "ERR[" + std::string(text) + "]\n";
    return next();
  }

  bool awaiting_auth() const {
    FUZZ_CHECK(!stopped_);  // (d): nothing is asked after a handler said stop
    return auth_pending_;
  }

 private:
  static std::string pub_text(const PubArgs& a) {
    return std::string(a.subject) + "|" + std::string(a.reply) + "|" +
           std::to_string(a.header_len) + "|" + std::to_string(a.total_len) + "|" +
           std::string(a.header_len_text) + "|" + std::string(a.total_len_text);
  }

  void enter(bool is_msg) {
    FUZZ_CHECK(!stopped_);  // (d)
    // A PUB line that was accepted is followed by its payload before anything else.
    if (!is_msg) FUZZ_CHECK(!awaiting_msg_);
    if (is_msg) FUZZ_CHECK(awaiting_msg_);
  }

  bool next() {
    if (++calls_ == cfg_.stop_at) return refuse("STOP");
    return true;
  }

  bool refuse(const char* why) {
    log_ += why;
    log_ += "\n";
    stopped_ = true;
    return false;
  }

  bool inside_read(std::string_view v) const {
    return v.data() >= read_begin_ && v.data() + v.size() <= read_end_;
  }

  // (b): wholly inside the read being parsed, or wholly outside it.
  void check_view(std::string_view v) const {
    if (v.empty()) return;
    FUZZ_CHECK(v.data() != nullptr);
    const auto begin = reinterpret_cast<uintptr_t>(v.data());
    const uintptr_t end = begin + v.size();
    const auto rb = reinterpret_cast<uintptr_t>(read_begin_);
    const auto re = reinterpret_cast<uintptr_t>(read_end_);
    const bool inside = begin >= rb && end <= re;
    const bool outside = end <= rb || begin >= re;
    FUZZ_CHECK(inside || outside);
  }

  void check_line(std::string_view line) const {
    check_view(line);
    FUZZ_CHECK(line.size() <= cfg_.max_control_line);
    FUZZ_CHECK(line.find('\n') == std::string_view::npos);
  }

  const Config& cfg_;
  bool auth_pending_;
  bool stopped_ = false;
  bool awaiting_msg_ = false;
  int calls_ = 0;
  std::string pub_text_;
  std::string log_;
  const char* read_begin_ = nullptr;
  const char* read_end_ = nullptr;
};

struct Outcome {
  std::string log;
  ParseStatus status = ParseStatus::kOk;
  size_t offset = 0;  // stream offset where parsing stopped
  bool idle = true;
};

// Parses data in reads ending at each of `cuts` (increasing, the last one == size); a cut equal
// to the previous one makes an empty read. After kStopped, parsing resumes at the first byte not
// consumed, as a caller that paused would, and the stream offset of the stop is logged.
Outcome run(const Config& cfg, const uint8_t* data, size_t size, const std::vector<size_t>& cuts) {
  ClientParser parser(cfg.max_control_line);
  Recorder rec(cfg);
  const auto end = nats::fuzz::feed_reads(parser, rec, data, size, cuts, ParseStatus::kOk,
                                          ParseStatus::kStopped, [](bool ok, const char* what) {
                                            if (!ok) fail(what);
                                          });
  const bool idle = parser.idle();
  return Outcome{rec.log(), end.status, end.offset, idle};
}

std::string printable(const std::string& s) {
  constexpr size_t kMaxShown = 2000;
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n\n";
    } else if (c >= 0x20 && c < 0x7F) {
      out += char(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02X", c);
      out += hex;
    }
  }
  if (s.size() > kMaxShown) out += "...";
  return out;
}

bool offset_is_defined(ParseStatus s) {
  // An unknown operation found in a payload's missing CRLF, or a control line found too long,
  // is reported as soon as a read shows it, so their offsets depend on the cuts.
  return s != ParseStatus::kUnknownOp && s != ParseStatus::kMaxControlLine;
}

// (a)
void expect_same(const Outcome& whole, const Outcome& cut, const char* how) {
  const bool same = whole.log == cut.log && whole.status == cut.status && whole.idle == cut.idle &&
                    (!offset_is_defined(whole.status) || whole.offset == cut.offset);
  if (same) return;
  std::fprintf(stderr,
               "--- whole: status %s offset %zu idle %d\n%s\n--- %s: status %s offset %zu "
               "idle %d\n%s\n",
               std::string(parse_status_name(whole.status)).c_str(), whole.offset, int(whole.idle),
               printable(whole.log).c_str(), how,
               std::string(parse_status_name(cut.status)).c_str(), cut.offset, int(cut.idle),
               printable(cut.log).c_str());
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
    expect_same(whole, run(cfg, data, size, nats::fuzz::byte_at_a_time(size)), "byte at a time");
  }
  return 0;
}
