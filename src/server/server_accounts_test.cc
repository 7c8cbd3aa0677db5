// Accounts in a running server, through real sockets: the bookkeeping that clients cannot see
// directly (shadow subscriptions, the service reply table, connection counts) and moving a
// client between accounts with a second CONNECT.

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "server/account.h"
#include "server/options.h"
#include "server/server.h"
#include "server/server_test_support.h"

namespace nats {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;
using testing::RunningServer;

User user(std::string name, std::string account) {
  User u;
  u.username = name;
  u.password = name;
  u.account = std::move(account);
  return u;
}

ImportOptions import_of(bool service, std::string subject, std::string prefix) {
  ImportOptions i;
  i.service = service;
  i.account = "A";
  i.subject = std::move(subject);
  i.prefix = std::move(prefix);
  i.to = service ? i.subject : "";
  return i;
}

Options accounts_options() {
  Options o;
  AccountOptions a;
  a.name = "A";
  ExportOptions stream;
  stream.subject = "ev.>";
  ExportOptions service;
  service.service = true;
  service.subject = "svc";
  a.exports = {stream, service};
  AccountOptions b;
  b.name = "B";
  b.imports = {import_of(false, "ev.>", "a"), import_of(true, "svc", "")};
  o.accounts = {a, b};
  o.users = {user("a", "A"), user("b", "B"), user("g", "")};
  return o;
}

bool wait_until(const std::function<bool()>& done) {
  const int64_t deadline = mono_nanos() + 3'000'000'000;
  while (!done()) {
    if (mono_nanos() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST(ServerAccounts, ShadowSubscriptionsLeaveWithTheirClient) {
  RunningServer s(accounts_options());
  ASSERT_TRUE(s.ok());
  Account& a = *s.server().accounts().find("A");
  const size_t base = a.sublist().count();
  {
    RawClient b(s.port());
    ASSERT_TRUE(b.login({{"user", "b"}, {"pass", "b"}}));
    b.send("SUB a.ev.> 1\r\nSUB a.> 2\r\nSUB other 3\r\nPING\r\n");
    ASSERT_EQ(b.line(), "PONG");
    EXPECT_EQ(a.sublist().count(), base + 2);  // two shadows in the exporter
    b.send("UNSUB 1\r\nPING\r\n");
    ASSERT_EQ(b.line(), "PONG");
    EXPECT_EQ(a.sublist().count(), base + 1);
    EXPECT_EQ(s.server().accounts().find("B")->num_connections(), 1);
  }
  EXPECT_TRUE(wait_until([&] { return a.sublist().count() == base; }));
  EXPECT_TRUE(wait_until([&] { return s.server().accounts().find("B")->num_connections() == 0; }));
}

TEST(ServerAccounts, ServiceRepliesAreForgottenOnceAnswered) {
  RunningServer s(accounts_options());
  ASSERT_TRUE(s.ok());
  Account& a = *s.server().accounts().find("A");
  RawClient responder(s.port()), requester(s.port());
  ASSERT_TRUE(responder.login({{"user", "a"}, {"pass", "a"}}));
  ASSERT_TRUE(requester.login({{"user", "b"}, {"pass", "b"}}));
  responder.send("SUB svc 1\r\nPING\r\n");
  ASSERT_EQ(responder.line(), "PONG");
  requester.send("SUB inbox 1\r\nPUB svc inbox 2\r\nhi\r\nPING\r\n");
  ASSERT_EQ(requester.line(), "PONG");
  const std::string msg = responder.line();
  // The responder did not ask for headers: Nats-Request-Info is stripped, a plain MSG.
  ASSERT_EQ(msg.rfind("MSG svc 1 _R_.", 0), 0u) << msg;
  EXPECT_EQ(a.num_service_replies(), 1u);
  const std::string reply = msg.substr(10, msg.find(' ', 10) - 10);
  EXPECT_EQ(responder.line(), "hi");
  responder.send("PUB " + reply + " 2\r\nok\r\nPING\r\n");
  ASSERT_EQ(responder.line(), "PONG");
  EXPECT_EQ(requester.line(), "MSG inbox 1 2");
  EXPECT_EQ(requester.line(), "ok");
  EXPECT_EQ(a.num_service_replies(), 0u);
  // A request nobody in the exporter listens to leaves nothing behind.
  responder.send("UNSUB 1\r\nPING\r\n");
  ASSERT_EQ(responder.line(), "PONG");
  requester.send("PUB svc inbox 2\r\nhi\r\nPING\r\n");
  ASSERT_EQ(requester.line(), "PONG");
  EXPECT_EQ(a.num_service_replies(), 0u);
}

TEST(ServerAccounts, ASecondConnectAsAnotherUserMovesTheSubscriptions) {
  RunningServer s(accounts_options());
  ASSERT_TRUE(s.ok());
  RawClient c(s.port()), a(s.port()), g(s.port());
  ASSERT_TRUE(c.login({{"user", "g"}, {"pass", "g"}}));
  ASSERT_TRUE(a.login({{"user", "a"}, {"pass", "a"}}));
  ASSERT_TRUE(g.login({{"user", "g"}, {"pass", "g"}}));
  c.send("SUB x 1\r\nPING\r\n");
  ASSERT_EQ(c.line(), "PONG");
  c.send("CONNECT {\"verbose\":false,\"user\":\"a\",\"pass\":\"a\"}\r\nPING\r\n");
  ASSERT_EQ(c.line(), "PONG");
  g.send("PUB x 1\r\ng\r\nPING\r\n");  // $G: nobody there any more
  ASSERT_EQ(g.line(), "PONG");
  a.send("PUB x 1\r\na\r\nPING\r\n");
  ASSERT_EQ(a.line(), "PONG");
  EXPECT_EQ(c.line(), "MSG x 1 1");
  EXPECT_EQ(c.line(), "a");
  EXPECT_EQ(s.server().accounts().find("A")->num_connections(), 2);
}

}  // namespace
}  // namespace nats
