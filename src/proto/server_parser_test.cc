#include "proto/server_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace nats::proto {
namespace {

// Records every callback as one line of text, so a whole parse can be compared at once.
struct Recorder {
  std::string log;
  int stop_after = -1;  // the Nth callback (0-based) returns false
  int calls = 0;

  bool next() { return calls++ != stop_after; }
  bool on_info(std::string_view j) {
    log += "INFO[" + std::string(j) + "]\n";
    return next();
  }
  bool on_msg(const MsgArgs& a, std::string_view hdr, std::string_view payload) {
    log += (a.has_headers() ? "HMSG[" : "MSG[") + std::string(a.subject) + "|" +
           std::string(a.sid) + "|" + std::string(a.reply) + "|" + std::string(hdr) + "|" +
           std::string(payload) + "]\n";
    return next();
  }
  bool on_ping() {
    log += "PING\n";
    return next();
  }
  bool on_pong() {
    log += "PONG\n";
    return next();
  }
  bool on_ok() {
    log += "OK\n";
    return next();
  }
  bool on_err(std::string_view t) {
    log += "ERR[" + std::string(t) + "]\n";
    return next();
  }
};

// Feeds `input` in pieces ending at `cuts` (sorted offsets); returns the log and final status.
std::string run(std::string_view input, const std::vector<size_t>& cuts = {}) {
  ServerParser p;
  Recorder rec;
  size_t prev = 0;
  std::vector<size_t> all = cuts;
  all.push_back(input.size());
  for (size_t cut : all) {
    // Each piece in its own heap buffer, so a view kept into an earlier piece shows under ASan.
    std::string piece(input.substr(prev, cut - prev));
    ServerParseResult r = p.parse(piece.data(), piece.size(), rec);
    prev = cut;
    if (r.status != ServerParseStatus::kOk) {
      return rec.log + std::string(server_parse_status_name(r.status));
    }
    EXPECT_EQ(r.consumed, piece.size());
  }
  return rec.log + (p.idle() ? "idle" : "partial");
}

const std::string kStream =
    "INFO {\"server_id\":\"X\",\"headers\":true}\r\n"
    "PING\r\n"
    "MSG foo 1 5\r\nhello\r\n"
    "MSG foo.bar 22 _INBOX.abc 0\r\n\r\n"
    "HMSG h 3 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n"
    "HMSG h 3 reply 12 12\r\nNATS/1.0\r\n\r\n\r\n"
    "+OK\r\n"
    "MSG bin 9 4\r\n\r\n\r\n\r\n"
    "-ERR 'Permissions Violation for Publish to \"x\"'\r\n"
    "PONG\r\n";

const std::string kExpected =
    "INFO[{\"server_id\":\"X\",\"headers\":true}]\n"
    "PING\n"
    "MSG[foo|1|||hello]\n"
    "MSG[foo.bar|22|_INBOX.abc||]\n"
    "HMSG[h|3||NATS/1.0\r\nA: b\r\n\r\n|hello]\n"
    "HMSG[h|3|reply|NATS/1.0\r\n\r\n|]\n"
    "OK\n"
    "MSG[bin|9|||\r\n\r\n]\n"
    "ERR[Permissions Violation for Publish to \"x\"]\n"
    "PONG\n"
    "idle";

TEST(ServerParser, ParsesEveryOperationWhole) { EXPECT_EQ(run(kStream), kExpected); }

TEST(ServerParser, SameResultAtEverySplitPoint) {
  for (size_t cut = 0; cut <= kStream.size(); ++cut) {
    EXPECT_EQ(run(kStream, {cut}), kExpected) << "cut at " << cut;
  }
}

TEST(ServerParser, SameResultAtEveryPairOfSplitPoints) {
  for (size_t a = 0; a <= kStream.size(); a += 3) {
    for (size_t b = a; b <= kStream.size(); ++b) {
      ASSERT_EQ(run(kStream, {a, b}), kExpected) << "cuts at " << a << "," << b;
    }
  }
}

TEST(ServerParser, ByteByByte) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < kStream.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(run(kStream, cuts), kExpected);
}

TEST(ServerParser, RandomChunks) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<size_t> cuts;
    size_t at = 0;
    while (true) {
      at += std::uniform_int_distribution<size_t>(0, 20)(rng);
      if (at >= kStream.size()) break;
      cuts.push_back(at);
    }
    ASSERT_EQ(run(kStream, cuts), kExpected) << "round " << round;
  }
}

TEST(ServerParser, OperationNamesAnyCaseAndBareLineFeeds) {
  EXPECT_EQ(run("ping\npong\r\n+ok\nmsg a 1 2\r\nhi\r\ninfo {}\n"),
            "PING\nPONG\nOK\nMSG[a|1|||hi]\nINFO[{}]\nidle");
}

TEST(ServerParser, TabsAndRunsOfSpacesSeparateFields) {
  EXPECT_EQ(run("MSG\tfoo  \t7   r  3\r\nabc\r\n"), "MSG[foo|7|r||abc]\nidle");
}

TEST(ServerParser, ErrWithoutQuotesIsKeptAsIs) {
  EXPECT_EQ(run("-ERR Stale Connection\r\n"), "ERR[Stale Connection]\nidle");
}

TEST(ServerParser, PartialOperationLeavesParserBusy) {
  EXPECT_EQ(run("MSG foo 1 5\r\nhel"), "partial");
  EXPECT_EQ(run("PIN"), "partial");
}

TEST(ServerParser, MalformedInputIsAProtocolError) {
  EXPECT_EQ(run("FOO bar\r\n"), "protocol_error");
  EXPECT_EQ(run("MSG foo 5\r\nhello\r\n"), "protocol_error");  // no sid
  EXPECT_EQ(run("MSG foo 1 x\r\n"), "protocol_error");         // bad size
  EXPECT_EQ(run("MSG foo 1 a b 5\r\n"), "protocol_error");     // too many fields
  EXPECT_EQ(run("HMSG foo 1 10 5\r\n"), "protocol_error");     // header > total
  EXPECT_EQ(run("MSG foo 1 2\r\nhiXY"), "protocol_error");     // no CRLF after body
  EXPECT_EQ(run("PINGX\r\n"), "protocol_error");
  EXPECT_EQ(run("INFO\r\n"), "protocol_error");
  EXPECT_EQ(run("\r\n"), "protocol_error");
}

TEST(ServerParser, ErrorReportsWhatWasWrong) {
  ServerParser p;
  Recorder rec;
  const std::string in = "PING\r\nMSG foo 1 x\r\n";
  ServerParseResult r = p.parse(in.data(), in.size(), rec);
  EXPECT_EQ(r.status, ServerParseStatus::kProtocolError);
  EXPECT_EQ(r.error, "bad message size: 'MSG foo 1 x'");
  EXPECT_EQ(rec.log, "PING\n");
}

TEST(ServerParser, ControlLineLimit) {
  ServerParser p(16);
  Recorder rec;
  const std::string ok = "INFO {\"a\":123}\r\n";
  EXPECT_EQ(p.parse(ok.data(), ok.size(), rec).status, ServerParseStatus::kOk);
  const std::string long_line = "INFO {\"abc\":12345}\r\n";
  EXPECT_EQ(p.parse(long_line.data(), long_line.size(), rec).status,
            ServerParseStatus::kMaxControlLine);
  ServerParser split(16);
  const std::string part = "INFO {\"abc\":12345";
  EXPECT_EQ(split.parse(part.data(), 10, rec).status, ServerParseStatus::kOk);
  EXPECT_EQ(split.parse(part.data() + 10, part.size() - 10, rec).status,
            ServerParseStatus::kMaxControlLine);
}

TEST(ServerParser, HandlerFalseStopsAfterThatOperation) {
  ServerParser p;
  Recorder rec;
  rec.stop_after = 1;
  const std::string in = "PING\r\nMSG a 1 2\r\nhi\r\nPONG\r\n";
  ServerParseResult r = p.parse(in.data(), in.size(), rec);
  EXPECT_EQ(r.status, ServerParseStatus::kStopped);
  EXPECT_EQ(r.consumed, in.find("PONG"));
  EXPECT_EQ(rec.log, "PING\nMSG[a|1|||hi]\n");
  // Resuming where it stopped parses the rest.
  r = p.parse(in.data() + r.consumed, in.size() - r.consumed, rec);
  EXPECT_EQ(r.status, ServerParseStatus::kOk);
  EXPECT_EQ(rec.log, "PING\nMSG[a|1|||hi]\nPONG\n");
}

TEST(ServerParser, WholeBodiesAreViewsIntoTheInput) {
  struct ViewCheck : Recorder {
    const char* begin = nullptr;
    const char* end = nullptr;
    bool inside = false;
    bool on_msg(const MsgArgs& a, std::string_view, std::string_view payload) {
      inside = payload.data() >= begin && payload.data() + payload.size() <= end &&
               a.subject.data() >= begin;
      return true;
    }
  } rec;
  ServerParser p;
  const std::string in = "MSG subject 1 5\r\nhello\r\n";
  rec.begin = in.data();
  rec.end = in.data() + in.size();
  p.parse(in.data(), in.size(), rec);
  EXPECT_TRUE(rec.inside);
}

TEST(ServerParser, LargeBodySplitAcrossManyReads) {
  const std::string body(1 << 20, 'x');
  const std::string in = "MSG big 1 " + std::to_string(body.size()) + "\r\n" + body + "\r\n";
  std::vector<size_t> cuts;
  for (size_t at = 4096; at < in.size(); at += 4096) cuts.push_back(at);
  EXPECT_EQ(run(in, cuts), "MSG[big|1|||" + body + "]\nidle");
}

TEST(ParseMsgArgs, ReadsEveryForm) {
  MsgArgs a;
  ASSERT_EQ(parse_msg_args("s 1 10", false, a), nullptr);
  EXPECT_EQ(a.subject, "s");
  EXPECT_EQ(a.sid, "1");
  EXPECT_EQ(a.reply, "");
  EXPECT_EQ(a.total_len, 10);
  EXPECT_FALSE(a.has_headers());
  ASSERT_EQ(parse_msg_args("s 1 r 4 10", true, a), nullptr);
  EXPECT_EQ(a.reply, "r");
  EXPECT_EQ(a.header_len, 4);
  EXPECT_EQ(a.total_len, 10);
  EXPECT_NE(parse_msg_args("s 1 r 4", true, a), nullptr);  // one size too few... as HMSG
  EXPECT_NE(parse_msg_args("", false, a), nullptr);
}

}  // namespace
}  // namespace nats::proto
