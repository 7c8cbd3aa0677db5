// Reconnect as nats.c observes it: the server is stopped and started again on the same port
// (through NATS_SERVER_CTL); clients reconnect on their own, resubscribe, and pub/sub resumes.
#include <string>

#include "interop_env.h"

namespace interop {
namespace {

void next_msg(natsSubscription* sub, MsgPtr* out, int64_t timeout_ms = kMsgTimeoutMs) {
  natsMsg* msg = nullptr;
  ASSERT_NATS_OK(natsSubscription_NextMsg(&msg, sub, timeout_ms));
  out->reset(msg);
}

uint64_t reconnects(natsConnection* nc) {
  natsStatistics* raw = nullptr;
  if (natsStatistics_Create(&raw) != NATS_OK) return 0;
  std::unique_ptr<natsStatistics, NatsDeleter> stats(raw);
  uint64_t n = 0;
  natsConnection_GetStats(nc, raw);
  natsStatistics_GetCounts(raw, nullptr, nullptr, nullptr, nullptr, &n);
  return n;
}

TEST(Interop, ReconnectAfterServerRestart) {
  ReconnectingConn pub("reconnect-pub");
  ReconnectingConn subc("reconnect-sub");
  ASSERT_TRUE(pub && subc);
  ConnEvents& pub_events = pub.events();
  ConnEvents& sub_events = subc.events();
  SubPtr sub = subscribe_sync(subc.get(), "rc.data");
  SubPtr self = subscribe_sync(subc.get(), "rc.self");
  ASSERT_TRUE(sub && self);

  ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "rc.data", "before"));
  MsgPtr msg;
  ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg));
  EXPECT_EQ(data_of(msg.get()), "before");

  ASSERT_EQ(server_ctl("stop"), 0) << "could not stop the server";
  ASSERT_TRUE(pub_events.disconnected.wait_for(1, 10s)) << "publisher saw no disconnect";
  ASSERT_TRUE(sub_events.disconnected.wait_for(1, 10s)) << "subscriber saw no disconnect";
  EXPECT_EQ(natsConnection_Status(subc.get()), NATS_CONN_STATUS_RECONNECTING);

  // While reconnecting, publishes are buffered by the client; on reconnect it resends its SUBs
  // before the buffer, so a message to its own subscription arrives.
  ASSERT_NATS_OK(natsConnection_PublishString(subc.get(), "rc.self", "buffered"));

  ASSERT_EQ(server_ctl("start"), 0) << "could not start the server again on the same port";
  ASSERT_TRUE(pub_events.reconnected.wait_for(1, 15s)) << "publisher did not reconnect";
  ASSERT_TRUE(sub_events.reconnected.wait_for(1, 15s)) << "subscriber did not reconnect";
  EXPECT_EQ(natsConnection_Status(pub.get()), NATS_CONN_STATUS_CONNECTED);
  EXPECT_EQ(natsConnection_Status(subc.get()), NATS_CONN_STATUS_CONNECTED);
  EXPECT_EQ(reconnects(pub.get()), 1u);
  EXPECT_EQ(reconnects(subc.get()), 1u);
  EXPECT_EQ(pub_events.closed.count(), 0u);

  ASSERT_NO_FATAL_FAILURE(next_msg(self.get(), &msg));
  EXPECT_EQ(data_of(msg.get()), "buffered");

  // The old subscription was re-established on the new server: pub/sub resumes.
  ASSERT_NATS_OK(natsConnection_FlushTimeout(subc.get(), kFlushTimeoutMs));
  for (int i = 0; i < 100; ++i) {
    std::string body = "after-" + std::to_string(i);
    ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "rc.data", body.c_str()));
  }
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), kFlushTimeoutMs));
  for (int i = 0; i < 100; ++i) {
    ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg));
    EXPECT_EQ(data_of(msg.get()), "after-" + std::to_string(i));
  }
  // Requests work again too.
  SubPtr inbox_check = subscribe_sync(pub.get(), "rc.ping");
  ASSERT_TRUE(inbox_check);
  ASSERT_NATS_OK(natsConnection_PublishString(subc.get(), "rc.ping", "pong"));
  ASSERT_NO_FATAL_FAILURE(next_msg(inbox_check.get(), &msg));
  EXPECT_EQ(data_of(msg.get()), "pong");
}

}  // namespace
}  // namespace interop
