#include "proto/client_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace nats::proto {
namespace {

// Records every callback as one line of text, so a whole parse can be compared at once.
struct Recorder {
  std::string log;
  bool auth_pending = false;
  int64_t max_payload = kDefaultMaxPayload;
  bool headers_ok = true;

  bool on_connect(std::string_view json) {
    log += "CONNECT[" + std::string(json) + "]\n";
    auth_pending = false;
    return true;
  }
  bool on_pub(const PubArgs& a) {
    if (a.total_len > max_payload) {
      log += "MAXPAYLOAD\n";
      return false;
    }
    if (a.has_headers() && !headers_ok) {
      log += "NOHEADERS\n";
      return false;
    }
    return true;
  }
  bool on_msg(const PubArgs& a, std::string_view msg) {
    log += (a.has_headers() ? "HPUB[" : "PUB[") + std::string(a.subject) + "|" +
           std::string(a.reply) + "|" + std::to_string(a.header_len) + "|" + std::string(msg) +
           "]\n";
    return true;
  }
  bool on_sub(std::string_view s, std::string_view q, std::string_view sid) {
    log += "SUB[" + std::string(s) + "|" + std::string(q) + "|" + std::string(sid) + "]\n";
    return true;
  }
  bool on_unsub(std::string_view sid, int64_t max) {
    log += "UNSUB[" + std::string(sid) + "|" + std::to_string(max) + "]\n";
    return true;
  }
  bool on_ping() {
    log += "PING\n";
    return true;
  }
  bool on_pong() {
    log += "PONG\n";
    return true;
  }
  bool on_info(std::string_view j) {
    log += "INFO[" + std::string(j) + "]\n";
    return true;
  }
  bool on_err(std::string_view t) {
    log += "ERR[" + std::string(t) + "]\n";
    return true;
  }
  bool awaiting_auth() const { return auth_pending; }
};

// Feeds `input` in pieces cut at `cuts` (sorted offsets); returns the log plus final status.
std::string run(std::string_view input, const std::vector<size_t>& cuts = {},
                Recorder rec = Recorder{}) {
  ClientParser p;
  size_t prev = 0;
  std::vector<size_t> all = cuts;
  all.push_back(input.size());
  for (size_t cut : all) {
    // Copy each piece to its own buffer so views into an earlier piece would be caught by ASan.
    std::string piece(input.substr(prev, cut - prev));
    ParseResult r = p.parse(piece.data(), piece.size(), rec);
    prev = cut;
    if (r.status != ParseStatus::kOk) return rec.log + std::string(parse_status_name(r.status));
  }
  return rec.log + "ok";
}

TEST(ClientParser, EveryOperation) {
  EXPECT_EQ(run("CONNECT {\"verbose\":false}\r\n"), "CONNECT[{\"verbose\":false}]\nok");
  EXPECT_EQ(run("PING\r\nPONG\r\n"), "PING\nPONG\nok");
  EXPECT_EQ(run("SUB foo 1\r\n"), "SUB[foo||1]\nok");
  EXPECT_EQ(run("SUB foo bar 1\r\n"), "SUB[foo|bar|1]\nok");
  EXPECT_EQ(run("UNSUB 1\r\nUNSUB 1 5\r\n"), "UNSUB[1|-1]\nUNSUB[1|5]\nok");
  EXPECT_EQ(run("PUB foo 5\r\nhello\r\n"), "PUB[foo||-1|hello]\nok");
  EXPECT_EQ(run("PUB foo r 5\r\nhello\r\n"), "PUB[foo|r|-1|hello]\nok");
  EXPECT_EQ(run("PUB foo 0\r\n\r\n"), "PUB[foo||-1|]\nok");
  EXPECT_EQ(run("HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"),
            "HPUB[foo||12|NATS/1.0\r\n\r\nhi]\nok");
  EXPECT_EQ(run("HPUB foo r 12 12\r\nNATS/1.0\r\n\r\n\r\n"), "HPUB[foo|r|12|NATS/1.0\r\n\r\n]\nok");
  EXPECT_EQ(run("INFO {}\r\n"), "INFO[{}]\nok");
  EXPECT_EQ(run("+OK\r\n-ERR 'x'\r\n"), "ERR['x']\nok");
}

TEST(ClientParser, CaseInsensitiveAndAnySeparatorRun) {
  EXPECT_EQ(run("ping\r\npInG\r\n"), "PING\nPING\nok");
  EXPECT_EQ(run("sub \t foo\t\t q  \t 9\r\n"), "SUB[foo|q|9]\nok");
  EXPECT_EQ(run("pub\tfoo  \t2\r\nhi\r\n"), "PUB[foo||-1|hi]\nok");
  EXPECT_EQ(run("PING\n"), "PING\nok");  // bare \n ends a line too
  EXPECT_EQ(run("PUB foo 2\nhi\r\n"), "PUB[foo||-1|hi]\nok");
  EXPECT_EQ(run("PING junk\r\n"), "PING\nok");  // nats-server ignores the rest of a PING line
  EXPECT_EQ(run("CONNECT{}\r\n"), "CONNECT[{}]\nok");
}

TEST(ClientParser, UnknownOperations) {
  EXPECT_EQ(run("FOO\r\n"), "unknown_op");
  EXPECT_EQ(run("PUBX foo 1\r\n"), "unknown_op");
  EXPECT_EQ(run("SUBB foo 1\r\n"), "unknown_op");
  EXPECT_EQ(run("MSG foo 1 1\r\n"), "unknown_op");  // servers send MSG; clients may not
  EXPECT_EQ(run("\r\n"), "unknown_op");
  EXPECT_EQ(run("PING\r\nXX"), "PING\nunknown_op");  // reported before the line ends
}

TEST(ClientParser, PayloadNotFollowedByCrlfIsUnknownOp) {
  EXPECT_EQ(run("PUB foo 2\r\nhello\r\n"), "unknown_op");
  EXPECT_EQ(run("PUB foo 2\r\nhello\r\n", {12}), "unknown_op");
}

TEST(ClientParser, MalformedArguments) {
  EXPECT_EQ(run("PUB foo\r\n"), "protocol_error");
  EXPECT_EQ(run("PUB foo a b c\r\n"), "protocol_error");
  EXPECT_EQ(run("PUB foo -1\r\n"), "protocol_error");
  EXPECT_EQ(run("PUB foo x\r\n"), "protocol_error");
  EXPECT_EQ(run("PUB foo 1000000000\r\n"), "protocol_error");  // more than 9 digits
  EXPECT_EQ(run("HPUB foo 10 5\r\n"), "protocol_error");       // header larger than total
  EXPECT_EQ(run("HPUB foo 5\r\n"), "protocol_error");
  EXPECT_EQ(run("SUB foo\r\n"), "protocol_error");
  EXPECT_EQ(run("SUB a b c d\r\n"), "protocol_error");
  EXPECT_EQ(run("UNSUB\t\r\n"), "protocol_error");
  EXPECT_EQ(run("UNSUB 1 2 3\r\n"), "protocol_error");
}

TEST(ClientParser, MaxControlLine) {
  std::string long_subject(5000, 'a');
  EXPECT_EQ(run("SUB " + long_subject + " 1\r\n"), "max_control_line");
  // Detected while the line is still arriving, not only at its end.
  EXPECT_EQ(run("SUB " + long_subject), "max_control_line");
  std::string ok_subject(4000, 'a');
  EXPECT_EQ(run("SUB " + ok_subject + " 1\r\n"), "SUB[" + ok_subject + "||1]\nok");
}

TEST(ClientParser, HandlerCanStopParsing) {
  Recorder rec;
  rec.max_payload = 4;
  EXPECT_EQ(run("PUB foo 5\r\nhello\r\nPING\r\n", {}, rec), "MAXPAYLOAD\nstopped");
  Recorder nohdr;
  nohdr.headers_ok = false;
  EXPECT_EQ(run("HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n", {}, nohdr), "NOHEADERS\nstopped");
}

TEST(ClientParser, AuthPendingAllowsOnlyConnectFirst) {
  Recorder rec;
  rec.auth_pending = true;
  EXPECT_EQ(run("PING\r\n", {}, rec), "auth_required");
  EXPECT_EQ(run("CONNECT {}\r\nPING\r\n", {}, rec), "CONNECT[{}]\nPING\nok");
}

// Any split of the input must parse exactly as the whole input does.
TEST(ClientParser, EverySplitPointParsesTheSame) {
  const std::string input =
      "CONNECT {\"verbose\":false,\"headers\":true}\r\nSUB foo.* q 1\r\nPUB foo.bar reply 11\r\n"
      "hello world\r\nHPUB foo.x 12 15\r\nNATS/1.0\r\n\r\nabc\r\nUNSUB 1 10\r\nPING\r\n"
      "pub a 0\r\n\r\nPONG\r\n-ERR 'oops'\r\n+OK\r\n";
  const std::string whole = run(input);
  ASSERT_NE(whole.find("HPUB[foo.x||12|NATS/1.0\r\n\r\nabc]"), std::string::npos);
  for (size_t cut = 1; cut < input.size(); ++cut) {
    EXPECT_EQ(run(input, {cut}), whole) << "single cut at " << cut;
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < input.size(); ++i) every_byte.push_back(i);
  EXPECT_EQ(run(input, every_byte), whole);
}

TEST(ClientParser, RandomSplitsOfManyMessages) {
  std::string input;
  for (int i = 0; i < 200; ++i) {
    std::string payload(size_t(i * 37 % 3000), char('a' + i % 26));
    input += "PUB s." + std::to_string(i) + " " + std::to_string(payload.size()) + "\r\n" +
             payload + "\r\n";
  }
  const std::string whole = run(input);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<size_t> cuts;
    size_t pos = 0;
    while (true) {
      pos += 1 + rng() % 700;
      if (pos >= input.size()) break;
      cuts.push_back(pos);
    }
    EXPECT_EQ(run(input, cuts), whole);
  }
}

TEST(ClientParser, RandomGarbageNeverCrashes) {
  std::mt19937 rng(11);
  const char alphabet[] = "PUBSINGHCOTERX +-\r\n\t0123456789abc{}";
  for (int trial = 0; trial < 2000; ++trial) {
    std::string input;
    size_t n = rng() % 200;
    for (size_t i = 0; i < n; ++i) input += alphabet[rng() % (sizeof(alphabet) - 1)];
    std::vector<size_t> cuts;
    if (n > 2) cuts.push_back(rng() % (n - 1) + 1);
    std::string out = run(input, cuts);
    EXPECT_FALSE(out.empty());
  }
}

TEST(ParseSize, LikeNatsServer) {
  EXPECT_EQ(parse_size("0"), 0);
  EXPECT_EQ(parse_size("999999999"), 999999999);
  EXPECT_EQ(parse_size("1000000000"), -1);
  EXPECT_EQ(parse_size(""), -1);
  EXPECT_EQ(parse_size("1a"), -1);
  EXPECT_EQ(parse_size("-1"), -1);
}

}  // namespace
}  // namespace nats::proto
