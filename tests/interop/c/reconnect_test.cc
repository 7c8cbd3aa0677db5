// Reconnect as nats.c observes it: the server is stopped and started again on the same port
// (through NATS_SERVER_CTL); clients reconnect on their own, resubscribe, and pub/sub resumes.
#include <string>

#include "interop_env.h"

namespace interop {
namespace {

constexpr int64_t kReconnectWaitMs = 100;  // between reconnect attempts (default is 2 s)

struct ConnEvents {
  Signal disconnected;
  Signal reconnected;
  Signal closed;
};

void on_disconnected(natsConnection*, void* closure) {
  static_cast<ConnEvents*>(closure)->disconnected.notify();
}
void on_reconnected(natsConnection*, void* closure) {
  static_cast<ConnEvents*>(closure)->reconnected.notify();
}
void on_closed(natsConnection*, void* closure) {
  static_cast<ConnEvents*>(closure)->closed.notify();
}

// A connection that reconnects forever, every kReconnectWaitMs, and records its events.
// nats.c runs connection callbacks on its own thread, also after natsConnection_Destroy returns,
// so the destructor closes the connection and waits for the closed callback before the events
// it points to go away.
class ReconnectingConn {
 public:
  explicit ReconnectingConn(const std::string& name) {
    OptsPtr opts = make_options(name);
    if (!opts) return;
    natsStatus s = natsOptions_SetAllowReconnect(opts.get(), true);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), -1);
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.get(), kReconnectWaitMs);
    if (s == NATS_OK) s = natsOptions_SetReconnectJitter(opts.get(), 0, 0);
    if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts.get(), on_disconnected, &events_);
    if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts.get(), on_reconnected, &events_);
    if (s == NATS_OK) s = natsOptions_SetClosedCB(opts.get(), on_closed, &events_);
    if (s != NATS_OK) {
      ADD_FAILURE() << "reconnect options: " << natsStatus_GetText(s);
      return;
    }
    nc_ = connect(name, opts.get());
  }
  ~ReconnectingConn() {
    if (!nc_) return;
    natsConnection_Close(nc_.get());
    events_.closed.wait_for(1, 10s);
  }
  ReconnectingConn(const ReconnectingConn&) = delete;
  ReconnectingConn& operator=(const ReconnectingConn&) = delete;

  natsConnection* get() const { return nc_.get(); }
  explicit operator bool() const { return nc_ != nullptr; }
  ConnEvents& events() { return events_; }

 private:
  ConnEvents events_;  // outlives nc_
  ConnPtr nc_;
};

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
