// The client against a scripted server (fake_server.h): behaviour a real server shows only
// under conditions a test cannot easily create: silence, lame duck mode, cluster URLs, TLS,
// refused credentials, garbage, and the exact order of what a reconnect resends.

#include <atomic>
#include <mutex>

#include "fake_server.h"
#include "test_env.h"

namespace nats::client::testing {
namespace {

using namespace std::chrono_literals;

Options scripted_options(const FakeServer& server) {
  Options o = test_options();
  o.servers = {server.url()};
  return o;
}

// Connects to `server` on a thread while the test plays the server's part.
std::unique_ptr<Connection> connect_scripted(FakeServer& server, Options o,
                                             std::string_view info = FakeServer::kInfo) {
  Result<std::unique_ptr<Connection>> result(Errc::kIo, "not run");
  std::thread t([&] { result = Connection::connect(std::move(o)); });
  const bool handshake = server.accept_and_handshake(info);
  t.join();
  if (!handshake || !result) {
    ADD_FAILURE() << "scripted connect: " << result.status().to_string();
    return nullptr;
  }
  return std::move(result.value());
}

TEST(ClientScripted, HandshakeSendsQuietConnectWithHeaders) {
  FakeServer server;
  Options o = scripted_options(server);
  o.name = "scripted";
  Result<std::unique_ptr<Connection>> nc(Errc::kIo, "not run");
  std::thread t([&] { nc = Connection::connect(o); });
  ASSERT_TRUE(server.accept());
  ASSERT_TRUE(server.wait_for("PING\r\n"));
  const std::string hello = server.received();
  EXPECT_EQ(hello.rfind("CONNECT {", 0), 0u) << hello;
  EXPECT_NE(hello.find(R"("verbose":false)"), std::string::npos);
  EXPECT_NE(hello.find(R"("pedantic":false)"), std::string::npos);
  EXPECT_NE(hello.find(R"("headers":true)"), std::string::npos);
  EXPECT_NE(hello.find(R"("no_responders":true)"), std::string::npos);
  EXPECT_NE(hello.find(R"("name":"scripted")"), std::string::npos);
  ASSERT_TRUE(server.send("PONG\r\n"));
  t.join();
  ASSERT_TRUE(nc) << nc.status().to_string();
  EXPECT_EQ(nc.value()->server_info().server_name, "fake");
}

TEST(ClientScripted, AnswersServerPings) {
  FakeServer server;
  auto nc = connect_scripted(server, scripted_options(server));
  ASSERT_TRUE(nc);
  server.consume_through("");
  ASSERT_TRUE(server.send("PING\r\n"));
  EXPECT_TRUE(server.wait_for("PONG\r\n"));
}

TEST(ClientScripted, SilentServerIsStaleAndTheClientReconnects) {
  FakeServer server;
  Options o = scripted_options(server);
  o.ping_interval = 50ms;
  o.max_pings_out = 2;
  std::atomic<int> disconnected{0}, reconnected{0};
  o.disconnected_cb = [&](Connection&) { ++disconnected; };
  o.reconnected_cb = [&](Connection&) { ++reconnected; };
  auto nc = connect_scripted(server, o);
  ASSERT_TRUE(nc);
  // The client PINGs every 50 ms; nobody answers; after two unanswered ones it gives up on
  // this connection and comes back.
  ASSERT_TRUE(server.wait_for("PING\r\nPING\r\n", 2s));
  ASSERT_TRUE(wait_for([&] { return disconnected == 1; }));
  EXPECT_EQ(nc->last_error().message(), "nats: stale connection");
  ASSERT_TRUE(server.accept_and_handshake());
  EXPECT_TRUE(wait_for([&] { return reconnected == 1; }));
}

TEST(ClientScripted, LameDuckAndDiscoveredServers) {
  FakeServer server;
  Options o = scripted_options(server);
  std::atomic<int> lame{0}, discovered{0};
  o.lame_duck_cb = [&](Connection&) { ++lame; };
  o.discovered_servers_cb = [&](Connection&) { ++discovered; };
  auto nc = connect_scripted(server, o);
  ASSERT_TRUE(nc);
  ASSERT_TRUE(
      server.send(R"(INFO {"server_id":"FAKE","proto":1,"headers":true,"max_payload":1048576,)"
                  R"("connect_urls":["127.0.0.1:4333","[::1]:4334"]})"
                  "\r\n"));
  ASSERT_TRUE(wait_for([&] { return discovered == 1; }));
  EXPECT_EQ(nc->discovered_servers(),
            (std::vector<std::string>{"nats://127.0.0.1:4333", "nats://[::1]:4334"}));
  EXPECT_EQ(nc->servers().size(), 3u);
  EXPECT_EQ(lame.load(), 0);
  ASSERT_TRUE(server.send(R"(INFO {"server_id":"FAKE","proto":1,"headers":true,"ldm":true})"
                          "\r\n"));
  ASSERT_TRUE(wait_for([&] { return lame == 1; }));
  EXPECT_TRUE(nc->server_info().lame_duck_mode);
  EXPECT_EQ(discovered.load(), 1);  // nothing new the second time
}

TEST(ClientScripted, ReconnectResendsSubscriptionsBeforeBufferedPublishes) {
  FakeServer server;
  Options o = scripted_options(server);
  std::atomic<int> disconnected{0};
  o.disconnected_cb = [&](Connection&) { ++disconnected; };
  auto nc = connect_scripted(server, o);
  ASSERT_TRUE(nc);
  auto plain = nc->subscribe_sync("a.b");
  auto queued = nc->subscribe_sync("c.*", "workers");
  ASSERT_TRUE(plain && queued);
  ASSERT_TRUE(queued->auto_unsubscribe(10));
  ASSERT_TRUE(server.wait_for("UNSUB 2 10\r\n"));
  server.close_client();
  ASSERT_TRUE(wait_for([&] { return disconnected == 1; }));
  ASSERT_TRUE(nc->publish("a.b", "buffered"));
  ASSERT_TRUE(server.accept());
  ASSERT_TRUE(server.wait_for("PING\r\n"));
  server.consume_through("PING\r\n");
  ASSERT_TRUE(server.send("PONG\r\n"));
  ASSERT_TRUE(server.wait_for("PUB a.b 8\r\nbuffered\r\n"));
  const std::string& sent = server.received();
  const size_t sub1 = sent.find("SUB a.b 1\r\n");
  const size_t sub2 = sent.find("SUB c.* workers 2\r\nUNSUB 2 10\r\n");
  const size_t pub = sent.find("PUB a.b 8\r\n");
  EXPECT_NE(sub1, std::string::npos) << sent;
  EXPECT_NE(sub2, std::string::npos) << sent;
  EXPECT_LT(sub1, pub);
  EXPECT_LT(sub2, pub);
}

TEST(ClientScripted, RefusedCredentialsAreAnAuthorizationError) {
  FakeServer server;
  Options o = scripted_options(server);
  o.user = "u";
  o.password = "wrong";
  Result<std::unique_ptr<Connection>> nc(Errc::kIo, "not run");
  std::thread t([&] { nc = Connection::connect(o); });
  ASSERT_TRUE(server.accept());
  ASSERT_TRUE(server.wait_for("PING\r\n"));
  EXPECT_NE(server.received().find(R"("user":"u")"), std::string::npos) << server.received();
  EXPECT_NE(server.received().find(R"("pass":"wrong")"), std::string::npos);
  ASSERT_TRUE(server.send("-ERR 'Authorization Violation'\r\n"));
  server.close_client();
  t.join();
  ASSERT_FALSE(nc);
  EXPECT_EQ(nc.code(), Errc::kAuthorization);
  EXPECT_EQ(nc.status().message(), "nats: Authorization Violation");
}

TEST(ClientScripted, TlsRequiredButPlainTextAnswerFailsTheHandshake) {
  // The server asks for TLS, then answers the client's hello in plain text: the handshake
  // fails with kTls instead of the client falling back to plain text.
  FakeServer server;
  Result<std::unique_ptr<Connection>> nc(Errc::kIo, "not run");
  std::thread t([&] { nc = Connection::connect(scripted_options(server)); });
  ASSERT_TRUE(server.accept(R"(INFO {"server_id":"FAKE","proto":1,"tls_required":true})"
                            "\r\n"));
  // A TLS record of type handshake (0x16), version 3.x: the client's hello.
  ASSERT_TRUE(server.wait_for(std::string_view("\x16\x03", 2)));
  ASSERT_TRUE(server.send("-ERR 'Secure Connection - TLS Required'\r\n"));
  server.close_client();
  t.join();
  ASSERT_FALSE(nc);
  EXPECT_EQ(nc.code(), Errc::kTls) << nc.status().to_string();
  EXPECT_NE(nc.status().message().find("TLS handshake failed"), std::string::npos)
      << nc.status().to_string();
}

TEST(ClientScripted, GarbageFromTheServerDropsTheConnection) {
  FakeServer server;
  Options o = scripted_options(server);
  std::atomic<int> disconnected{0};
  o.disconnected_cb = [&](Connection&) { ++disconnected; };
  auto nc = connect_scripted(server, o);
  ASSERT_TRUE(nc);
  ASSERT_TRUE(server.send("HELLO THERE\r\n"));
  ASSERT_TRUE(wait_for([&] { return disconnected == 1; }));
  EXPECT_EQ(nc->last_error().code(), Errc::kProtocol);
  EXPECT_TRUE(server.accept_and_handshake());  // and it comes back
}

TEST(ClientScripted, MessagesSplitAcrossWritesArriveWhole) {
  FakeServer server;
  auto nc = connect_scripted(server, scripted_options(server));
  ASSERT_TRUE(nc);
  auto sub = nc->subscribe_sync("split");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(server.wait_for("SUB split 1\r\n"));
  const std::string msg = "HMSG split 1 reply 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n";
  for (char c : msg) {
    ASSERT_TRUE(server.send(std::string_view(&c, 1)));
    std::this_thread::sleep_for(100us);
  }
  auto m = sub->next_msg(5s);
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ(m->data(), "hello");
  EXPECT_EQ(m->reply(), "reply");
  EXPECT_EQ(m->headers().get("A"), "b");
}

}  // namespace
}  // namespace nats::client::testing

namespace nats::client::testing {
namespace {

TEST(ClientScripted, CloseDuringAReconnectAttemptReturnsPromptly) {
  FakeServer server;
  Options o = scripted_options(server);
  o.reconnect_wait = 3s;
  o.reconnect_wait_max = 3s;
  o.connect_timeout = 2s;
  std::atomic<int> disconnected{0};
  o.disconnected_cb = [&](Connection&) { ++disconnected; };
  auto nc = connect_scripted(server, o);
  ASSERT_TRUE(nc);
  server.close_client();
  ASSERT_TRUE(wait_for([&] { return disconnected == 1; }));
  // The client is back, waiting for an INFO that never comes.
  ASSERT_TRUE(server.accept(""));
  const auto start = std::chrono::steady_clock::now();
  nc->close();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(nc->state(), ConnState::kClosed);
}

}  // namespace
}  // namespace nats::client::testing
