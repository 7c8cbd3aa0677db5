#include "event_render.h"

#include <gtest/gtest.h>

namespace nats::cli {
namespace {

constexpr const char* kConnect = R"({
  "type": "io.nats.server.advisory.v1.client_connect", "id": "EVT1",
  "timestamp": "2024-05-01T12:18:35.123Z",
  "server": {"name": "n1", "id": "NSRV", "cluster": "c1"},
  "client": {"id": 17, "user": "one", "name": "NATS CLI", "acc": "A", "lang": "go",
             "ver": "1.11.0", "host": "127.0.0.1"}})";

constexpr const char* kDisconnect = R"({
  "type": "io.nats.server.advisory.v1.client_disconnect", "id": "EVT2",
  "timestamp": "2024-05-01T12:18:36Z",
  "server": {"name": "n1", "id": "NSRV"},
  "client": {"id": 17, "acc": "A", "ver": "", "rtt": 1500000},
  "sent": {"msgs": 1, "bytes": 5}, "received": {"msgs": 0, "bytes": 0},
  "reason": "Client Closed"})";

TEST(EventRender, ConnectBlock) {
  EXPECT_EQ(render_event("$SYS.ACCOUNT.A.CONNECT", kConnect, EventFormat::kExtended),
            "[12:18:35] [EVT1] Client Connection\n\n"
            "   Server: n1\n"
            "  Cluster: c1\n\n"
            "   Client:\n"
            "                 ID: 17\n"
            "               User: one\n"
            "               Name: NATS CLI\n"
            "            Account: A\n"
            "    Library Version: 1.11.0  Language: go\n"
            "               Host: 127.0.0.1\n");
  EXPECT_EQ(render_event("x", kConnect, EventFormat::kShort),
            "12:18:35 [Connection] user: one cid: 17 in account A\n");
}

TEST(EventRender, DisconnectBlock) {
  const std::string out = render_event("x", kDisconnect, EventFormat::kExtended);
  EXPECT_EQ(out.substr(0, out.find("   Client:")),
            "[12:18:36] [EVT2] Client Disconnection\n\n"
            "    Reason: Client Closed\n"
            "    Server: n1\n\n");
  EXPECT_NE(out.find("Language: Unknown"), std::string::npos);
  EXPECT_NE(out.find("                  RTT: 1.5ms\n"), std::string::npos) << out;
  EXPECT_NE(out.find("     Client Published: 1 messages (5 B)\n"), std::string::npos) << out;
  EXPECT_EQ(render_event("x", kDisconnect, EventFormat::kShort),
            "12:18:36 [Disconnection] cid: 17 in account A: Client Closed\n");
}

TEST(EventRender, OtherAndBrokenEvents) {
  const std::string other = render_event(
      "$JS.EVENT.ADVISORY.API",
      R"({"type":"io.nats.jetstream.advisory.v1.api_audit","id":"E3","timestamp":"2024-05-01T01:02:03Z"})",
      EventFormat::kExtended);
  EXPECT_EQ(other.substr(0, 78),
            "[01:02:03] [E3] io.nats.jetstream.advisory.v1.api_audit on $JS.EVENT.ADVISORY.");
  const std::string bad = render_event("s", "not json", EventFormat::kExtended);
  EXPECT_NE(bad.find("Event error"), std::string::npos);
  EXPECT_NE(bad.find("          not json"), std::string::npos);
}

}  // namespace
}  // namespace nats::cli
