// The limits and liveness rules of a running server, through real sockets: options that the
// command line cannot set (they come from config files) are set here on Options directly.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "base/clock.h"
#include "server/options.h"
#include "server/server.h"
#include "server/server_test_support.h"

namespace nats {
namespace {

using namespace std::chrono_literals;

using testing::RawClient;
using testing::RunningServer;

TEST(ServerLimits, MaxConnectionsRejectsTheExtraClientAfterInfo) {
  Options o;
  o.max_connections = 2;
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient a(s.port()), b(s.port());
  a.handshake();
  b.handshake();
  RawClient c(s.port());
  EXPECT_EQ(c.line().rfind("INFO ", 0), 0u);
  EXPECT_EQ(c.line(), "-ERR 'maximum connections exceeded'");
  EXPECT_EQ(c.line(), "<closed>");
  // The others are unaffected.
  a.send("PING\r\n");
  EXPECT_EQ(a.line(), "PONG");
}

TEST(ServerLimits, MaxSubscriptionsRefusesTheSubButKeepsTheConnection) {
  Options o;
  o.max_subscriptions = 2;
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient a(s.port());
  a.handshake();
  a.send("SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPING\r\n");
  EXPECT_EQ(a.line(), "-ERR 'maximum subscriptions exceeded'");
  EXPECT_EQ(a.line(), "PONG");
  a.send("PUB c 1\r\nx\r\nPUB a 1\r\ny\r\nPING\r\n");
  EXPECT_EQ(a.line(), "MSG a 1 1");  // nothing for the refused "c"
  EXPECT_EQ(a.line(), "y");
  EXPECT_EQ(a.line(), "PONG");
}

TEST(ServerLimits, UnansweredPingsMakeAStaleConnection) {
  Options o;
  o.ping_interval = 300ms;
  o.max_pings_out = 2;
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient a(s.port());
  a.handshake();
  // Never answer: two PINGs, then the error and the close.
  EXPECT_EQ(a.line(), "PING");
  EXPECT_EQ(a.line(), "PING");
  EXPECT_EQ(a.line(), "-ERR 'Stale Connection'");
  EXPECT_EQ(a.line(), "<closed>");
  EXPECT_EQ(s.server().stats().stale_connections.load(), 1u);
}

TEST(ServerLimits, AnsweredPingsKeepTheConnection) {
  Options o;
  o.ping_interval = 200ms;
  o.max_pings_out = 1;
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient a(s.port());
  a.handshake();
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(a.line(), "PING");
    a.send("PONG\r\n");
  }
  a.send("PING\r\n");
  EXPECT_EQ(a.line(), "PONG");
}

TEST(ServerLimits, SmallMaxPayloadIsAdvertisedAndEnforced) {
  Options o;
  o.max_payload = 8;
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient a(s.port());
  std::string info = a.line();
  EXPECT_NE(info.find("\"max_payload\":8"), std::string::npos) << info;
  a.send("CONNECT {\"verbose\":false}\r\nPUB x 8\r\n12345678\r\nPUB x 9\r\n");
  EXPECT_EQ(a.line(), "-ERR 'Maximum Payload Violation'");
  EXPECT_EQ(a.line(), "<closed>");
}

TEST(ServerLimits, LameDuckClosesEveryClientWithinTheDurationThenShutsDown) {
  Options o;
  o.lame_duck_duration = 1500ms;
  o.lame_duck_grace_period = 300ms;
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<RawClient>(s.port()));
    clients.back()->handshake();
  }
  const int64_t start = mono_nanos();
  std::thread ldm([&] { s.server().enter_lame_duck_mode(); });
  for (auto& c : clients) {
    std::string l = c->line(5000ms);
    if (l.rfind("INFO ", 0) == 0) {
      EXPECT_NE(l.find("\"ldm\":true"), std::string::npos);
      l = c->line(5000ms);
    }
    EXPECT_EQ(l, "<closed>");
  }
  ldm.join();
  const int64_t took_ms = (mono_nanos() - start) / 1'000'000;
  EXPECT_GE(took_ms, 300);   // nobody is closed during the grace period
  EXPECT_LT(took_ms, 4000);  // and everybody within the duration, give or take
  EXPECT_FALSE(RawClient(s.port()).connected());
}

}  // namespace
}  // namespace nats
