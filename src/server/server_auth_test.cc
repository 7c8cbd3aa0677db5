// Authentication and authorization of a running server, through raw sockets. Users, nkeys and
// permissions come from configuration files in nats-server; here they are set on Options
// directly. The expected -ERR texts were checked by hand against nats-server 2.9.10 with the
// equivalent configuration (see tests/diff/transcripts-config/auth_*.txt).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <sodium.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "crypto/bcrypt.h"
#include "crypto/nkeys.h"
#include "server/options.h"
#include "server/server.h"
#include "server/server_test_support.h"

namespace nats {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;
using testing::RunningServer;

const std::string kViolation = "-ERR 'Authorization Violation'";

// Sends CONNECT with `fields` and a PING: the lines that came before the PONG (or the close).
std::vector<std::string> try_connect(int port, nlohmann::json fields) {
  RawClient c(port);
  c.info();
  fields["verbose"] = false;
  c.send("CONNECT " + fields.dump() + "\r\nPING\r\n");
  std::vector<std::string> out = c.lines_until_pong();
  if (out.empty()) out.push_back("PONG");
  return out;
}

std::vector<std::string> rejected() { return {kViolation, "<closed>"}; }
std::vector<std::string> accepted() { return {"PONG"}; }

std::string sign_nonce(const crypto::KeyPair& kp, const std::string& nonce, int variant) {
  auto sig = crypto::sign(kp.seed, nonce);
  EXPECT_TRUE(sig.has_value());
  std::string out(sodium_base64_ENCODED_LEN(sig->size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), sig->data(), sig->size(), variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Permissions pub_sub(std::vector<std::string> pub_allow, std::vector<std::string> pub_deny,
                    std::vector<std::string> sub_allow, std::vector<std::string> sub_deny) {
  Permissions p;
  p.publish = SubjectPermission{std::move(pub_allow), std::move(pub_deny)};
  p.subscribe = SubjectPermission{std::move(sub_allow), std::move(sub_deny)};
  return p;
}

// ---------------------------------------------------------------------------------------------
// Authentication

TEST(ServerAuth, PlainTokenRightAndWrong) {
  Options o;
  o.authorization = "s3cret";
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient c(s.port());
  nlohmann::json info = c.info();
  EXPECT_EQ(info.value("auth_required", false), true);
  EXPECT_FALSE(info.contains("nonce"));
  EXPECT_EQ(try_connect(s.port(), {{"auth_token", "s3cret"}}), accepted());
  EXPECT_EQ(try_connect(s.port(), {{"auth_token", "nope"}}), rejected());
  EXPECT_EQ(try_connect(s.port(), nlohmann::json::object()), rejected());
}

TEST(ServerAuth, BcryptTokenAndSingleUser) {
  Options o;
  o.authorization = crypto::bcrypt_hash("tok", 6);
  RunningServer t(o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(try_connect(t.port(), {{"auth_token", "tok"}}), accepted());
  EXPECT_EQ(try_connect(t.port(), {{"auth_token", "tok2"}}), rejected());

  Options u;
  u.username = "bob";
  u.password = crypto::bcrypt_hash("pw", 6);
  RunningServer s(u);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(try_connect(s.port(), {{"user", "bob"}, {"pass", "pw"}}), accepted());
  EXPECT_EQ(try_connect(s.port(), {{"user", "bob"}, {"pass", "px"}}), rejected());
  EXPECT_EQ(try_connect(s.port(), {{"user", "eve"}, {"pass", "pw"}}), rejected());
}

TEST(ServerAuth, UsersListWithPlainAndBcryptPasswords) {
  Options o;
  o.users.push_back(User{"alice", "apass", std::nullopt, ""});
  o.users.push_back(User{"bob", crypto::bcrypt_hash("bpass", 6), std::nullopt, ""});
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(try_connect(s.port(), {{"user", "alice"}, {"pass", "apass"}}), accepted());
  EXPECT_EQ(try_connect(s.port(), {{"user", "alice"}, {"pass", "bad"}}), rejected());
  EXPECT_EQ(try_connect(s.port(), {{"user", "bob"}, {"pass", "bpass"}}), accepted());
  EXPECT_EQ(try_connect(s.port(), {{"user", "bob"}, {"pass", "no"}}), rejected());
  EXPECT_EQ(try_connect(s.port(), {{"user", "nobody"}, {"pass", "no"}}), rejected());
  EXPECT_EQ(try_connect(s.port(), {{"pass", "apass"}}), rejected());
  EXPECT_EQ(try_connect(s.port(), {{"auth_token", "apass"}}), rejected());
  EXPECT_EQ(try_connect(s.port(), nlohmann::json::object()), rejected());
  // Anything but CONNECT first is refused.
  RawClient c(s.port());
  c.info();
  c.send("PING\r\n");
  EXPECT_EQ(c.line(), kViolation);
  EXPECT_EQ(c.line(), "<closed>");
}

TEST(ServerAuth, InputAfterABcryptConnectWaitsForTheVerdictAndKeepsItsOrder) {
  Options o;
  o.users.push_back(User{"bob", crypto::bcrypt_hash("bpass", 8), std::nullopt, ""});
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient c(s.port());
  c.info();
  // Everything in one write: the SUB, PUB and PINGs follow the CONNECT in the same read.
  c.send(
      "CONNECT {\"verbose\":true,\"user\":\"bob\",\"pass\":\"bpass\"}\r\nSUB foo 1\r\n"
      "PUB foo 2\r\nhi\r\nPING\r\n");
  EXPECT_EQ(c.line(), "+OK");  // CONNECT
  EXPECT_EQ(c.line(), "+OK");  // SUB
  EXPECT_EQ(c.line(), "+OK");  // PUB
  EXPECT_EQ(c.line(), "MSG foo 1 2");
  EXPECT_EQ(c.line(), "hi");
  EXPECT_EQ(c.line(), "PONG");

  // A wrong password: nothing after the CONNECT is processed.
  RawClient bad(s.port());
  bad.info();
  bad.send(
      "CONNECT {\"verbose\":false,\"user\":\"bob\",\"pass\":\"x\"}\r\nSUB foo 2\r\nPUB foo 3\r\n"
      "bad\r\nPING\r\n");
  EXPECT_EQ(bad.line(), kViolation);
  EXPECT_EQ(bad.line(), "<closed>");
  c.send("PING\r\n");
  EXPECT_EQ(c.line(), "PONG");  // the bad client's PUB never reached foo
}

TEST(ServerAuth, SuccessfulBcryptChecksAreCachedForReconnects) {
  Options o;
  // Cost 12: about 200 ms per check here; a cache hit takes none of it.
  o.users.push_back(User{"bob", crypto::bcrypt_hash("bpass", 12), std::nullopt, ""});
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  int64_t start = mono_nanos();
  EXPECT_EQ(try_connect(s.port(), {{"user", "bob"}, {"pass", "bpass"}}), accepted());
  const int64_t first_ms = (mono_nanos() - start) / 1'000'000;
  start = mono_nanos();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(try_connect(s.port(), {{"user", "bob"}, {"pass", "bpass"}}), accepted());
  }
  const int64_t five_more_ms = (mono_nanos() - start) / 1'000'000;
  EXPECT_LT(five_more_ms, first_ms) << "first " << first_ms << " ms";
  // Failures are never cached: each wrong guess costs a full check.
  EXPECT_EQ(try_connect(s.port(), {{"user", "bob"}, {"pass", "bpasS"}}), rejected());
}

TEST(ServerAuth, BruteForceOnBcryptDoesNotDelayOtherClients) {
  Options o;
  o.users.push_back(User{"bob", crypto::bcrypt_hash("bpass", 12), std::nullopt, ""});
  o.users.push_back(User{"alice", "apass", std::nullopt, ""});
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient victim(s.port());
  ASSERT_TRUE(victim.login({{"user", "alice"}, {"pass", "apass"}}));

  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::vector<std::thread> attackers;
  for (int t = 0; t < 4; ++t) {
    attackers.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        RawClient c(s.port());
        c.line();
        c.send("CONNECT {\"verbose\":false,\"user\":\"bob\",\"pass\":\"guess" +
               std::to_string(t * 1000 + i) + "\"}\r\nPING\r\n");
        if (c.line(10'000ms) == kViolation) ++refused;
      }
    });
  }
  // Each check holds the worker ~200 ms; a check on an event loop would stall every client of
  // that loop as long. The victim's round trips must stay far below that.
  std::this_thread::sleep_for(100ms);
  int64_t worst_ms = 0;
  for (int i = 0; i < 40; ++i) {
    const int64_t start = mono_nanos();
    victim.send("PING\r\n");
    ASSERT_EQ(victim.line(), "PONG");
    worst_ms = std::max(worst_ms, (mono_nanos() - start) / 1'000'000);
    std::this_thread::sleep_for(25ms);
  }
  stop = true;
  for (auto& t : attackers) t.join();
  EXPECT_GE(refused.load(), 2);
  EXPECT_LT(worst_ms, 150) << "a PING waited behind bcrypt";
}

TEST(ServerAuth, ConnectionsClosingDuringAPasswordCheckAndShutdownAreClean) {
  Options o;
  o.users.push_back(User{"bob", crypto::bcrypt_hash("bpass", 10), std::nullopt, ""});
  auto s = std::make_unique<RunningServer>(o);
  ASSERT_TRUE(s->ok());
  {
    // Gone before its verdict comes back.
    RawClient c(s->port());
    c.info();
    c.send("CONNECT {\"user\":\"bob\",\"pass\":\"bpass\"}\r\n");
  }
  std::vector<std::unique_ptr<RawClient>> waiting;
  for (int i = 0; i < 6; ++i) {
    waiting.push_back(std::make_unique<RawClient>(s->port()));
    waiting.back()->info();
    waiting.back()->send("CONNECT {\"user\":\"bob\",\"pass\":\"bpass\"}\r\nPING\r\n");
  }
  std::this_thread::sleep_for(30ms);
  s.reset();  // shutdown with checks queued and one running
  for (auto& c : waiting) {
    std::string l;
    do {
      l = c->line();
    } while (l == "+OK" || l == "PONG");
    EXPECT_EQ(l, "<closed>");
  }
}

TEST(ServerAuth, NkeyUsersSignTheNonceInInfo) {
  const crypto::KeyPair kp = crypto::create_keypair(crypto::PrefixByte::kUser);
  const crypto::KeyPair stranger = crypto::create_keypair(crypto::PrefixByte::kUser);
  Options o;
  o.nkeys.push_back(NkeyUser{kp.public_key, std::nullopt, ""});
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  auto attempt = [&](const crypto::KeyPair& signer, const std::string& nkey, int variant,
                     bool with_sig = true) {
    RawClient c(s.port());
    nlohmann::json info = c.info();
    EXPECT_EQ(info.value("auth_required", false), true);
    const std::string nonce = info.value("nonce", "");
    EXPECT_EQ(nonce.size(), 15u);
    nlohmann::json fields = {{"verbose", false}, {"nkey", nkey}};
    if (with_sig) fields["sig"] = sign_nonce(signer, nonce, variant);
    c.send("CONNECT " + fields.dump() + "\r\nPING\r\n");
    return c.line();
  };
  EXPECT_EQ(attempt(kp, kp.public_key, sodium_base64_VARIANT_URLSAFE_NO_PADDING), "PONG");
  EXPECT_EQ(attempt(kp, kp.public_key, sodium_base64_VARIANT_ORIGINAL), "PONG");
  EXPECT_EQ(attempt(stranger, kp.public_key, sodium_base64_VARIANT_URLSAFE_NO_PADDING), kViolation);
  EXPECT_EQ(attempt(stranger, stranger.public_key, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            kViolation);
  EXPECT_EQ(attempt(kp, kp.public_key, 0, /*with_sig=*/false), kViolation);
  // A signature of another nonce (a replay) fails.
  RawClient c(s.port());
  c.info();
  nlohmann::json replay = {
      {"verbose", false},
      {"nkey", kp.public_key},
      {"sig", sign_nonce(kp, "AAAAAAAAAAAAAAA", sodium_base64_VARIANT_URLSAFE_NO_PADDING)}};
  c.send("CONNECT " + replay.dump() + "\r\nPING\r\n");
  EXPECT_EQ(c.line(), kViolation);
}

TEST(ServerAuth, NonceOnlyWhenNkeyUsersExist) {
  Options o;
  o.users.push_back(User{"alice", "apass", std::nullopt, ""});
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient c(s.port());
  EXPECT_FALSE(c.info().contains("nonce"));
  RunningServer open((Options()));
  ASSERT_TRUE(open.ok());
  RawClient d(open.port());
  nlohmann::json info = d.info();
  EXPECT_FALSE(info.contains("nonce"));
  EXPECT_FALSE(info.contains("auth_required"));
}

TEST(ServerAuth, NoAuthUserIsWhoConnectsWithoutCredentials) {
  Options o;
  o.users.push_back(User{"anon", "x", pub_sub({"anon.>"}, {}, {"anon.>"}, {}), ""});
  o.users.push_back(User{"alice", "apass", std::nullopt, ""});
  o.no_auth_user = "anon";
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient c(s.port());
  nlohmann::json info = c.info();
  EXPECT_FALSE(info.contains("auth_required"));  // as nats-server: clients need not log in
  c.send("CONNECT {\"verbose\":false}\r\nPUB anon.x 1\r\nx\r\nPUB foo.x 1\r\nx\r\nPING\r\n");
  EXPECT_EQ(c.lines_until_pong(),
            std::vector<std::string>{"-ERR 'Permissions Violation for Publish to \"foo.x\"'"});
  // Credentials still work, and still have to be right.
  EXPECT_EQ(try_connect(s.port(), {{"user", "alice"}, {"pass", "apass"}}), accepted());
  EXPECT_EQ(try_connect(s.port(), {{"user", "alice"}, {"pass", "x"}}), rejected());
  EXPECT_EQ(try_connect(s.port(), {{"auth_token", "x"}}), rejected());
  // CONNECT still has to come first (nats-server 2.10; 2.9.10 let a PING through here).
  RawClient d(s.port());
  d.info();
  d.send("PING\r\n");
  EXPECT_EQ(d.line(), kViolation);
}

TEST(ServerAuth, AuthTimeoutWithoutConnect) {
  Options o;
  o.authorization = "tok";
  o.auth_timeout = 300ms;
  RunningServer s(o);
  ASSERT_TRUE(s.ok());
  RawClient c(s.port());
  c.info();
  EXPECT_EQ(c.line(), "-ERR 'Authentication Timeout'");
  EXPECT_EQ(c.line(), "<closed>");
}

// ---------------------------------------------------------------------------------------------
// Authorization

class ServerPermissions : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.users.push_back(
        User{"alice", "a",
             pub_sub({"foo.>", "_INBOX.>"}, {"foo.secret"},
                     {"foo.*", "bar.> q1", "baz", "_INBOX.>"}, {"foo.denied", "baz q2"}),
             ""});
    o.users.push_back(User{"pub", "p", std::nullopt, ""});
    Permissions svc = pub_sub({}, {"x"}, {"req.>", "q.>", "wide.>"}, {"q.x g1", "wide.no"});
    svc.response = ResponsePermission{2, 400ms};
    o.users.push_back(User{"svc", "s", svc, ""});
    server_ = std::make_unique<RunningServer>(o);
    ASSERT_TRUE(server_->ok());
  }
  int port() { return server_->port(); }
  std::unique_ptr<RawClient> login(const std::string& user, const std::string& pass) {
    auto c = std::make_unique<RawClient>(port());
    EXPECT_TRUE(c->login({{"user", user}, {"pass", pass}}));
    return c;
  }
  std::unique_ptr<RunningServer> server_;
};

TEST_F(ServerPermissions, SubscribeViolationsKeepTheConnection) {
  auto a = login("alice", "a");
  a->send(
      "SUB foo.a 1\r\nSUB foo.denied 2\r\nSUB bar.x 3\r\nSUB bar.x q1 4\r\nSUB bar.x q2 5\r\n"
      "SUB baz 6\r\nSUB baz q2 7\r\nSUB baz q3 8\r\nSUB foo.> 9\r\nSUB > 11\r\nPING\r\n");
  EXPECT_EQ(a->lines_until_pong(),
            (std::vector<std::string>{
                "-ERR 'Permissions Violation for Subscription to \"foo.denied\"'",
                "-ERR 'Permissions Violation for Subscription to \"bar.x\"'",
                "-ERR 'Permissions Violation for Subscription to \"bar.x\" using queue \"q2\"'",
                "-ERR 'Permissions Violation for Subscription to \"baz\" using queue \"q2\"'",
                "-ERR 'Permissions Violation for Subscription to \">\"'",
            }));
  // The refused subscriptions do not exist; the allowed ones do.
  auto p = login("pub", "p");
  p->send("PUB bar.x 1\r\n1\r\nPUB baz 1\r\n2\r\nPING\r\n");
  EXPECT_EQ(p->line(), "PONG");
  a->send("PING\r\n");
  std::vector<std::string> got = a->lines_until_pong();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"1", "2", "2", "MSG bar.x 4 1", "MSG baz 6 1",
                                           "MSG baz 8 1"}));
}

TEST_F(ServerPermissions, PublishViolationsDropTheMessageAndKeepTheConnection) {
  auto a = login("alice", "a");
  a->send(
      "SUB foo.* 1\r\nPUB foo.secret 1\r\nx\r\nPUB foo.a 1\r\ny\r\nPUB other 1\r\nz\r\nPING\r\n");
  EXPECT_EQ(a->lines_until_pong(), (std::vector<std::string>{
                                       "-ERR 'Permissions Violation for Publish to \"foo.secret\"'",
                                       "MSG foo.a 1 1",
                                       "y",
                                       "-ERR 'Permissions Violation for Publish to \"other\"'",
                                   }));
  // Verbose: a refused PUB or SUB gets its -ERR and no +OK (as nats-server).
  a->send("CONNECT {\"verbose\":true,\"user\":\"alice\",\"pass\":\"a\"}\r\n");
  EXPECT_EQ(a->line(), "+OK");
  a->send("PUB other 1\r\nz\r\nSUB zzz 2\r\nPUB foo.b 1\r\nw\r\nPING\r\n");
  EXPECT_EQ(a->lines_until_pong(),
            (std::vector<std::string>{"-ERR 'Permissions Violation for Publish to \"other\"'",
                                      "-ERR 'Permissions Violation for Subscription to \"zzz\"'",
                                      "+OK", "MSG foo.b 1 1", "w"}));
}

TEST_F(ServerPermissions, DenyClausesFilterDeliveriesToWiderSubscriptions) {
  auto a = login("alice", "a");
  auto p = login("pub", "p");
  a->send("SUB foo.* 1\r\nSUB foo.> 2\r\nPING\r\n");
  EXPECT_EQ(a->line(), "PONG");
  p->send("PUB foo.denied 1\r\nd\r\nPUB foo.ok 1\r\no\r\nPING\r\n");
  EXPECT_EQ(p->line(), "PONG");
  a->send("PING\r\n");
  std::vector<std::string> got = a->lines_until_pong();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"MSG foo.ok 1 1", "MSG foo.ok 2 1", "o", "o"}));
}

TEST_F(ServerPermissions, QueueDenyFiltersOnlyThatGroupAndPassesToAnotherMember) {
  auto svc = login("svc", "s");
  auto p = login("pub", "p");
  // "q.* g1" overlaps the deny "q.x g1": q.x must not reach it, but q.y may. A member of g1
  // belonging to an unrestricted client takes what svc's member may not have.
  svc->send("SUB q.x g1 0\r\nSUB q.* g1 1\r\nSUB q.* g2 2\r\nSUB wide.> 3\r\nPING\r\n");
  EXPECT_EQ(svc->lines_until_pong(),
            std::vector<std::string>{
                "-ERR 'Permissions Violation for Subscription to \"q.x\" using queue \"g1\"'"});
  auto other = login("pub", "p");
  other->send("SUB q.* g1 9\r\nPING\r\n");
  EXPECT_EQ(other->line(), "PONG");
  for (int i = 0; i < 20; ++i) p->send("PUB q.x 1\r\nx\r\n");
  p->send("PUB q.y 1\r\ny\r\nPUB wide.no 1\r\nn\r\nPUB wide.yes 1\r\nw\r\nPING\r\n");
  EXPECT_EQ(p->line(), "PONG");
  svc->send("PING\r\n");
  std::vector<std::string> got = svc->lines_until_pong();
  int q_x_g1 = 0, q_x_g2 = 0, q_y = 0, wide_no = 0, wide_yes = 0;
  for (const auto& l : got) {
    q_x_g1 += l == "MSG q.x 1 1";
    q_y += l == "MSG q.y 2 1";
    q_x_g2 += l == "MSG q.x 2 1";
    wide_no += l.rfind("MSG wide.no", 0) == 0;
    wide_yes += l == "MSG wide.yes 3 1";
  }
  EXPECT_EQ(q_x_g1, 0);
  EXPECT_EQ(q_x_g2, 20);
  EXPECT_EQ(q_y, 1);  // group g2 always gets it; g1 may go to either member
  EXPECT_EQ(wide_no, 0);
  EXPECT_EQ(wide_yes, 1);
  other->send("PING\r\n");
  got = other->lines_until_pong();
  int q_x_other = 0;
  for (const auto& l : got) q_x_other += l == "MSG q.x 9 1";
  EXPECT_EQ(q_x_other, 20);  // every q.x of group g1 went to the other member
}

TEST_F(ServerPermissions, AllowResponsesLetsAServiceAnswerRequestsItReceived) {
  auto svc = login("svc", "s");
  auto client = login("pub", "p");
  svc->send("SUB req.> 1\r\nPING\r\n");
  EXPECT_EQ(svc->line(), "PONG");
  client->send("SUB _INBOX.1 1\r\nPUB req.a _INBOX.1 1\r\nq\r\nPING\r\n");
  EXPECT_EQ(client->line(), "PONG");
  EXPECT_EQ(svc->line(), "MSG req.a 1 _INBOX.1 1");
  EXPECT_EQ(svc->line(), "q");
  // Two answers allowed (max 2), the third refused; an inbox never received is refused; and
  // with allow_responses but no publish allow list, nothing else may be published.
  svc->send(
      "PUB _INBOX.1 1\r\nr\r\nPUB _INBOX.1 1\r\nr\r\nPUB _INBOX.1 1\r\nr\r\nPUB _INBOX.2 1\r\nr\r\n"
      "PUB other 1\r\no\r\nPING\r\n");
  EXPECT_EQ(svc->lines_until_pong(), (std::vector<std::string>{
                                         "-ERR 'Permissions Violation for Publish to \"_INBOX.1\"'",
                                         "-ERR 'Permissions Violation for Publish to \"_INBOX.2\"'",
                                         "-ERR 'Permissions Violation for Publish to \"other\"'",
                                     }));
  client->send("PING\r\n");
  EXPECT_EQ(client->lines_until_pong(),
            (std::vector<std::string>{"MSG _INBOX.1 1 1", "r", "MSG _INBOX.1 1 1", "r"}));
  // Expiry (400 ms here).
  client->send("PUB req.b _INBOX.1 1\r\nq\r\nPING\r\n");
  EXPECT_EQ(client->line(), "PONG");
  EXPECT_EQ(svc->line(), "MSG req.b 1 _INBOX.1 1");
  EXPECT_EQ(svc->line(), "q");
  std::this_thread::sleep_for(600ms);
  svc->send("PUB _INBOX.1 4\r\nlate\r\nPING\r\n");
  EXPECT_EQ(svc->lines_until_pong(),
            std::vector<std::string>{"-ERR 'Permissions Violation for Publish to \"_INBOX.1\"'"});
}

}  // namespace
}  // namespace nats
