// Reconnection against a live server that the harness restarts on the same port.

#include <atomic>
#include <mutex>
#include <set>

#include "test_env.h"

namespace nats::client::testing {
namespace {

using namespace std::chrono_literals;

// Connects, stops the server and returns once the client noticed (nullptr on failure).
std::unique_ptr<Connection> connect_then_lose_server(Options o) {
  auto disconnects = std::make_shared<std::atomic<int>>(0);
  o.disconnected_cb = [disconnects](Connection&) { ++*disconnects; };
  auto nc = connect_or_fail(o);
  if (!nc || !server_ctl("stop")) return nullptr;
  if (!wait_for([&] { return disconnects->load() == 1; })) return nullptr;
  return nc;
}

TEST(ClientReconnect, BufferedPublishesReachResubscribedSubscribers) {
  Options o = test_options();
  std::atomic<int> disconnects{0}, reconnects{0};
  o.disconnected_cb = [&](Connection&) { ++disconnects; };
  o.reconnected_cb = [&](Connection&) { ++reconnects; };
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  std::mutex mu;
  std::vector<std::string> got;
  auto sub = nc->subscribe("re.x", [&](Message m) {
    std::lock_guard lock(mu);
    got.emplace_back(m.data());
  });
  ASSERT_TRUE(sub);
  auto sync_sub = nc->subscribe_sync("re.sync");
  ASSERT_TRUE(sync_sub);
  ASSERT_TRUE(nc->publish("re.x", "before"));
  ASSERT_TRUE(nc->flush());

  ASSERT_TRUE(server_ctl("stop"));
  ASSERT_TRUE(wait_for([&] { return disconnects.load() == 1; }));
  EXPECT_EQ(nc->state(), ConnState::kReconnecting);
  // Published while no server runs: buffered, sent after the subscriptions are back.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(nc->publish("re.x", "during " + std::to_string(i)));
  ASSERT_TRUE(nc->publish("re.sync", "sync during"));
  ASSERT_TRUE(server_ctl("start"));
  ASSERT_TRUE(wait_for([&] { return reconnects.load() == 1; }, 20s));
  EXPECT_TRUE(nc->is_connected());
  ASSERT_TRUE(nc->flush(5s));
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard lock(mu);
    return got.size() == 11;
  }));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(got.front(), "before");
    EXPECT_EQ(got.back(), "during 9");
  }
  auto m = sync_sub->next_msg(5s);
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ(m->data(), "sync during");
  // Live traffic flows again.
  ASSERT_TRUE(nc->publish("re.x", "after"));
  ASSERT_TRUE(nc->flush());
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard lock(mu);
    return got.size() == 12;
  }));
  EXPECT_EQ(nc->stats().reconnects, 1u);
}

TEST(ClientReconnect, FlushDuringOutageCompletesAfterReconnect) {
  auto nc = connect_then_lose_server(test_options());
  ASSERT_TRUE(nc);
  std::atomic<bool> flushed{false};
  std::thread flusher([&] { flushed = nc->flush(20s).is_ok(); });
  const bool started = server_ctl("start");
  flusher.join();
  ASSERT_TRUE(started);
  EXPECT_TRUE(flushed.load());
}

TEST(ClientReconnect, ReconnectBufferLimit) {
  Options o = test_options();
  o.reconnect_buffer_size = 1024;
  auto nc = connect_then_lose_server(o);
  ASSERT_TRUE(nc);
  const std::string chunk(200, 'x');
  Status s;
  int accepted = 0;
  while ((s = nc->publish("buf.x", chunk)).is_ok()) ++accepted;
  EXPECT_EQ(s.code(), Errc::kBufferFull);
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 6);
  ASSERT_TRUE(server_ctl("start"));
}

TEST(ClientReconnect, NoReconnectClosesTheConnection) {
  Options o = test_options();
  o.allow_reconnect = false;
  std::atomic<bool> closed{false};
  o.closed_cb = [&](Connection&) { closed = true; };
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  ASSERT_TRUE(server_ctl("restart"));
  ASSERT_TRUE(wait_for([&] { return closed.load(); }));
  EXPECT_EQ(nc->state(), ConnState::kClosed);
  EXPECT_EQ(nc->publish("x", "y").code(), Errc::kConnectionClosed);
}

}  // namespace
}  // namespace nats::client::testing

namespace nats::client::testing {
namespace {

// Last in this file: it leaves the server in lame duck mode until the restart at its end.
TEST(ClientReconnect, LameDuckModeIsReported) {
  Options o = test_options();
  std::atomic<int> lame{0};
  o.lame_duck_cb = [&](Connection&) { ++lame; };
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  const char* ctl = std::getenv("NATS_SERVER_CTL");
  ASSERT_NE(ctl, nullptr);
  // SIGUSR2 puts nats-server (and natsd) into lame duck mode.
  const std::string cmd = "kill -USR2 $(" + std::string(ctl) + " pid)";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(wait_for([&] { return lame.load() == 1; }, 5s));
  EXPECT_TRUE(nc->server_info().lame_duck_mode);
  EXPECT_TRUE(server_ctl("restart"));
}

}  // namespace
}  // namespace nats::client::testing
