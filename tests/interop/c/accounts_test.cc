// Accounts with nats.c against a server started with tests/interop/accounts/accounts.conf:
// isolation between accounts, a stream import with a prefix, service imports with each response
// type, and a weighted mapping checked statistically.

#include <map>
#include <string>

#include "interop_env.h"

namespace interop {
namespace {

ConnPtr connect_as(const char* user, const char* password) {
  OptsPtr o = make_options(std::string("accounts-") + user);
  if (!o) return nullptr;
  EXPECT_NATS_OK(natsOptions_SetUserInfo(o.get(), user, password));
  return connect(std::string("accounts-") + user, o.get());
}

// The next message's payload, or "<none>" after `ms`.
std::string next_payload(natsSubscription* sub, int64_t ms) {
  natsMsg* raw = nullptr;
  if (natsSubscription_NextMsg(&raw, sub, ms) != NATS_OK) return "<none>";
  MsgPtr msg(raw);
  return data_of(msg.get());
}

// Answers every message on `sub` with each of `answers`, from the test thread.
void respond(natsConnection* nc, natsSubscription* sub,
             std::initializer_list<const char*> answers) {
  natsMsg* raw = nullptr;
  ASSERT_NATS_OK(natsSubscription_NextMsg(&raw, sub, kMsgTimeoutMs));
  MsgPtr req(raw);
  ASSERT_NE(natsMsg_GetReply(req.get()), nullptr);
  for (const char* a : answers)
    ASSERT_NATS_OK(natsConnection_PublishString(nc, natsMsg_GetReply(req.get()), a));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(nc, kFlushTimeoutMs));
}

TEST(InteropAccounts, SameSubjectInTwoAccountsNeverCrosses) {
  ConnPtr orders = connect_as("orders", "opass");
  ConnPtr shop = connect_as("shop", "spass");
  ConnPtr other = connect_as("other", "xpass");
  ASSERT_TRUE(orders && shop && other);
  SubPtr in_shop = subscribe_sync(shop.get(), "iso");
  SubPtr in_other = subscribe_sync(other.get(), "iso");
  ASSERT_NATS_OK(natsConnection_PublishString(orders.get(), "iso", "from-orders"));
  ASSERT_NATS_OK(natsConnection_PublishString(other.get(), "iso", "from-other"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(orders.get(), kFlushTimeoutMs));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(other.get(), kFlushTimeoutMs));
  EXPECT_EQ(next_payload(in_other.get(), kMsgTimeoutMs), "from-other");
  EXPECT_EQ(next_payload(in_shop.get(), 300), "<none>");
  EXPECT_EQ(next_payload(in_other.get(), 300), "<none>");
}

TEST(InteropAccounts, StreamImportArrivesUnderThePrefix) {
  ConnPtr orders = connect_as("orders", "opass");
  ConnPtr shop = connect_as("shop", "spass");
  ASSERT_TRUE(orders && shop);
  SubPtr imported = subscribe_sync(shop.get(), "orders.events.>");
  SubPtr unprefixed = subscribe_sync(shop.get(), "events.>");
  ASSERT_NATS_OK(natsConnection_PublishString(orders.get(), "events.created", "order-1"));
  ASSERT_NATS_OK(natsConnection_PublishString(orders.get(), "private.x", "secret"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(orders.get(), kFlushTimeoutMs));
  natsMsg* raw = nullptr;
  ASSERT_NATS_OK(natsSubscription_NextMsg(&raw, imported.get(), kMsgTimeoutMs));
  MsgPtr msg(raw);
  EXPECT_STREQ(natsMsg_GetSubject(msg.get()), "orders.events.created");
  EXPECT_EQ(data_of(msg.get()), "order-1");
  EXPECT_EQ(next_payload(unprefixed.get(), 300), "<none>");
}

TEST(InteropAccounts, ServiceImportRequestReplyAcrossAccounts) {
  ConnPtr orders = connect_as("orders", "opass");
  ConnPtr shop = connect_as("shop", "spass");
  ASSERT_TRUE(orders && shop);
  SubPtr service = subscribe_sync(orders.get(), "svc.echo");
  // A singleton service: the first answer reaches the requester, a second one is dropped.
  SubPtr inbox = subscribe_sync(shop.get(), "my.inbox");
  ASSERT_NATS_OK(natsConnection_PublishRequestString(shop.get(), "echo", "my.inbox", "ping?"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(shop.get(), kFlushTimeoutMs));
  respond(orders.get(), service.get(), {"pong", "again"});
  EXPECT_EQ(next_payload(inbox.get(), kMsgTimeoutMs), "pong");
  EXPECT_EQ(next_payload(inbox.get(), 300), "<none>");

  // And through nats.c's own request API (new-style inbox) with a callback responder.
  struct Echo {
    static void on_msg(natsConnection* nc, natsSubscription*, natsMsg* m, void*) {
      std::string answer = "re:" + data_of(m);
      natsConnection_PublishString(nc, natsMsg_GetReply(m), answer.c_str());
      natsMsg_Destroy(m);
    }
  };
  service.reset();
  natsSubscription* async_raw = nullptr;
  ASSERT_NATS_OK(
      natsConnection_Subscribe(&async_raw, orders.get(), "svc.echo", Echo::on_msg, nullptr));
  SubPtr async_sub(async_raw);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(orders.get(), kFlushTimeoutMs));
  for (int i = 0; i < 20; ++i) {
    natsMsg* reply = nullptr;
    const std::string q = "q" + std::to_string(i);
    ASSERT_NATS_OK(
        natsConnection_RequestString(&reply, shop.get(), "echo", q.c_str(), kMsgTimeoutMs));
    MsgPtr r(reply);
    EXPECT_EQ(data_of(r.get()), "re:" + q);
  }
}

TEST(InteropAccounts, StreamAndChunkedResponses) {
  ConnPtr orders = connect_as("orders", "opass");
  ConnPtr shop = connect_as("shop", "spass");
  ASSERT_TRUE(orders && shop);
  SubPtr feed = subscribe_sync(orders.get(), "svc.feed");
  SubPtr parts = subscribe_sync(orders.get(), "svc.parts");
  SubPtr inbox = subscribe_sync(shop.get(), "resp.*");

  ASSERT_NATS_OK(natsConnection_PublishRequestString(shop.get(), "svc.feed", "resp.feed", "f"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(shop.get(), kFlushTimeoutMs));
  respond(orders.get(), feed.get(), {"r1", "r2", "r3"});
  EXPECT_EQ(next_payload(inbox.get(), kMsgTimeoutMs), "r1");
  EXPECT_EQ(next_payload(inbox.get(), kMsgTimeoutMs), "r2");
  EXPECT_EQ(next_payload(inbox.get(), kMsgTimeoutMs), "r3");

  // A chunked response ends with an empty message; nothing gets through after it.
  ASSERT_NATS_OK(natsConnection_PublishRequestString(shop.get(), "svc.parts", "resp.parts", "p"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(shop.get(), kFlushTimeoutMs));
  respond(orders.get(), parts.get(), {"c1", "c2", "", "late"});
  EXPECT_EQ(next_payload(inbox.get(), kMsgTimeoutMs), "c1");
  EXPECT_EQ(next_payload(inbox.get(), kMsgTimeoutMs), "c2");
  EXPECT_EQ(next_payload(inbox.get(), kMsgTimeoutMs), "");
  EXPECT_EQ(next_payload(inbox.get(), 300), "<none>");
}

TEST(InteropAccounts, WeightedMappingSplitsTraffic) {
  ConnPtr shop = connect_as("shop", "spass");
  ASSERT_TRUE(shop);
  SubPtr all = subscribe_sync(shop.get(), "split.*");
  constexpr int kMessages = 4000;
  for (int i = 0; i < kMessages; ++i)
    ASSERT_NATS_OK(natsConnection_PublishString(shop.get(), "split", "x"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(shop.get(), kFlushTimeoutMs));
  std::map<std::string, int> seen;
  for (int i = 0; i < kMessages; ++i) {
    natsMsg* raw = nullptr;
    ASSERT_NATS_OK(natsSubscription_NextMsg(&raw, all.get(), kMsgTimeoutMs));
    MsgPtr m(raw);
    ++seen[natsMsg_GetSubject(m.get())];
  }
  ASSERT_EQ(seen.size(), 2u);
  // 70/30 with a binomial standard deviation of about 29 messages: 5 sigma is 145.
  EXPECT_NEAR(seen["split.a"], kMessages * 0.7, 145);
  EXPECT_NEAR(seen["split.b"], kMessages * 0.3, 145);
}

}  // namespace
}  // namespace interop
