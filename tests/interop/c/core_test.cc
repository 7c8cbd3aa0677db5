// Core messaging as the nats.c client observes it: pub/sub, wildcards, queue groups,
// request/reply, headers, no responders and auto-unsubscribe.
//
// Negative checks ("X is not delivered") never sleep: a marker message published after X on the
// same connection is delivered after X would have been, so once the marker is in, the client's
// per-connection counters are final.
#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "interop_env.h"

namespace interop {
namespace {

// Receives the next message on `sub` into *out; fails the test on timeout.
void next_msg(natsSubscription* sub, MsgPtr* out, int64_t timeout_ms = kMsgTimeoutMs) {
  natsMsg* msg = nullptr;
  ASSERT_NATS_OK(natsSubscription_NextMsg(&msg, sub, timeout_ms));
  out->reset(msg);
}

int queued(natsSubscription* sub) {
  uint64_t n = 0;
  natsSubscription_QueuedMsgs(sub, &n);
  return static_cast<int>(n);
}

TEST(Interop, PubSub) {
  ConnPtr pub = connect("pubsub-pub");
  ConnPtr subc = connect("pubsub-sub");
  ASSERT_TRUE(pub && subc);
  SubPtr sub = subscribe_sync(subc.get(), "interop.pubsub");
  SubPtr marker = subscribe_sync(subc.get(), "interop.marker");
  ASSERT_TRUE(sub && marker);

  // Payloads arrive intact and in publish order; an empty payload is a message too.
  const std::vector<std::string> payloads = {"hello", "", "world with spaces",
                                             std::string("bin\0\r\n\xff", 7), "MSG fake 1 2\r\n"};
  for (const auto& p : payloads) {
    ASSERT_NATS_OK(
        natsConnection_Publish(pub.get(), "interop.pubsub", p.data(), static_cast<int>(p.size())));
  }
  ASSERT_NATS_OK(
      natsConnection_PublishRequestString(pub.get(), "interop.pubsub", "my.reply", "with-reply"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), kFlushTimeoutMs));
  for (const auto& p : payloads) {
    MsgPtr msg;
    ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg));
    EXPECT_STREQ(natsMsg_GetSubject(msg.get()), "interop.pubsub");
    EXPECT_EQ(natsMsg_GetReply(msg.get()), nullptr);
    EXPECT_EQ(data_of(msg.get()), p);
  }
  MsgPtr with_reply;
  ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &with_reply));
  ASSERT_NE(natsMsg_GetReply(with_reply.get()), nullptr);
  EXPECT_STREQ(natsMsg_GetReply(with_reply.get()), "my.reply");
  EXPECT_EQ(data_of(with_reply.get()), "with-reply");

  // A publisher also receives its own messages (echo is on by default).
  SubPtr self = subscribe_sync(pub.get(), "interop.echo");
  ASSERT_TRUE(self);
  ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "interop.echo", "me"));
  MsgPtr echoed;
  ASSERT_NO_FATAL_FAILURE(next_msg(self.get(), &echoed));
  EXPECT_EQ(data_of(echoed.get()), "me");

  // Other subjects are not delivered, and after Unsubscribe nothing more arrives.
  ASSERT_NATS_OK(natsSubscription_Unsubscribe(sub.get()));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(subc.get(), kFlushTimeoutMs));
  uint64_t before = in_msgs(subc.get());
  ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "interop.pubsub", "after-unsub"));
  ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "interop.other", "other"));
  ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "interop.marker", "marker"));
  MsgPtr mark;
  ASSERT_NO_FATAL_FAILURE(next_msg(marker.get(), &mark));
  EXPECT_EQ(in_msgs(subc.get()) - before, 1u)
      << "the server delivered messages for an unsubscribed or unrelated subject";
}

TEST(Interop, Wildcards) {
  ConnPtr pub = connect("wc-pub");
  ConnPtr subc = connect("wc-sub");
  ASSERT_TRUE(pub && subc);
  const std::vector<std::string> patterns = {"wc.*", "wc.>", "wc.*.c", "wc.a.>", "*.a", ">"};
  std::vector<SubPtr> subs;
  for (const auto& p : patterns) {
    subs.push_back(subscribe_sync(subc.get(), p.c_str()));
    ASSERT_TRUE(subs.back());
  }
  SubPtr marker = subscribe_sync(subc.get(), "marker.wc");
  ASSERT_TRUE(marker);

  const std::vector<std::string> published = {"wc",     "wc.a",  "wc.a.b", "wc.a.b.c",
                                              "wc.x.c", "wcx.a", "other"};
  for (const auto& s : published) {
    ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), s.c_str(), s.c_str()));
  }
  ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "marker.wc", "marker.wc"));
  MsgPtr mark;
  ASSERT_NO_FATAL_FAILURE(next_msg(marker.get(), &mark));

  // All of one connection's messages are queued in wire order, so once the marker is in, each
  // subscription holds exactly what the server delivered to it.
  const std::map<std::string, std::vector<std::string>> expected = {
      {"wc.*", {"wc.a"}},
      {"wc.>", {"wc.a", "wc.a.b", "wc.a.b.c", "wc.x.c"}},
      {"wc.*.c", {"wc.x.c"}},
      {"wc.a.>", {"wc.a.b", "wc.a.b.c"}},
      {"*.a", {"wc.a", "wcx.a"}},
      {">", {"wc", "wc.a", "wc.a.b", "wc.a.b.c", "wc.x.c", "wcx.a", "other", "marker.wc"}},
  };
  for (size_t i = 0; i < patterns.size(); ++i) {
    std::vector<std::string> got;
    int n = queued(subs[i].get());
    for (int k = 0; k < n; ++k) {
      MsgPtr msg;
      ASSERT_NO_FATAL_FAILURE(next_msg(subs[i].get(), &msg));
      got.push_back(natsMsg_GetSubject(msg.get()));
      EXPECT_EQ(data_of(msg.get()), got.back());
    }
    EXPECT_EQ(got, expected.at(patterns[i])) << "subscription " << patterns[i];
  }
}

TEST(Interop, QueueGroupSpread) {
  constexpr int kMembers = 3;
  constexpr int kMessages = 3000;
  // Fair share: each member gets at least half of an even split (random or round-robin picks
  // both pass; a member starved or favoured by 2x does not).
  constexpr int kMinShare = kMessages / kMembers / 2;

  ConnPtr pub = connect("queue-pub");
  ASSERT_TRUE(pub);
  std::vector<ConnPtr> member_conns;
  std::vector<SubPtr> members;
  for (int i = 0; i < kMembers; ++i) {
    member_conns.push_back(connect("queue-member-" + std::to_string(i)));
    ASSERT_TRUE(member_conns.back());
    members.push_back(subscribe_sync(member_conns.back().get(), "queue.work", "workers"));
    ASSERT_TRUE(members.back());
    ASSERT_NATS_OK(natsSubscription_SetPendingLimits(members.back().get(), -1, -1));
  }
  // A plain subscriber on the same subject sees every message regardless of the group.
  ConnPtr watcher_conn = connect("queue-watcher");
  ASSERT_TRUE(watcher_conn);
  SubPtr watcher = subscribe_sync(watcher_conn.get(), "queue.work");
  ASSERT_TRUE(watcher);
  ASSERT_NATS_OK(natsSubscription_SetPendingLimits(watcher.get(), -1, -1));

  for (int i = 0; i < kMessages; ++i) {
    std::string payload = std::to_string(i);
    ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "queue.work", payload.c_str()));
  }
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), kFlushTimeoutMs));

  std::vector<int> seen(kMessages, 0);
  std::vector<int> per_member(kMembers, 0);
  int total = 0;
  auto deadline = Clock::now() + 20s;
  while (total < kMessages && Clock::now() < deadline) {
    for (int m = 0; m < kMembers; ++m) {
      natsMsg* raw = nullptr;
      while (natsSubscription_NextMsg(&raw, members[m].get(), 20) == NATS_OK) {
        MsgPtr msg(raw);
        int seq = std::stoi(data_of(msg.get()));
        ASSERT_GE(seq, 0);
        ASSERT_LT(seq, kMessages);
        ++seen[seq];
        ++per_member[m];
        ++total;
      }
    }
  }
  // The group must not get more than one copy: after each member's PING/PONG nothing is left.
  for (int m = 0; m < kMembers; ++m) {
    ASSERT_NATS_OK(natsConnection_FlushTimeout(member_conns[m].get(), kFlushTimeoutMs));
    total += queued(members[m].get());
  }
  EXPECT_EQ(total, kMessages);
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_EQ(seen[i], 1) << "message " << i << " delivered to the group " << seen[i] << " times";
  }
  for (int m = 0; m < kMembers; ++m) {
    EXPECT_GE(per_member[m], kMinShare)
        << "member " << m << " got " << per_member[m] << " of " << kMessages;
  }
  for (int i = 0; i < kMessages; ++i) {
    MsgPtr msg;
    ASSERT_NO_FATAL_FAILURE(next_msg(watcher.get(), &msg));
    ASSERT_EQ(data_of(msg.get()), std::to_string(i));
  }
}

// Replies "re:<data>" (and echoes headers) to every request; runs on a nats.c delivery thread.
// Counts before replying: once the requester has its reply, the closure is no longer touched.
void echo_responder(natsConnection* nc, natsSubscription*, natsMsg* req, void* closure) {
  static_cast<std::atomic<int>*>(closure)->fetch_add(1);
  natsMsg* reply = nullptr;
  std::string data = "re:" + data_of(req);
  if (natsMsg_Create(&reply, natsMsg_GetReply(req), nullptr, data.data(),
                     static_cast<int>(data.size())) == NATS_OK) {
    const char** keys = nullptr;
    int nkeys = 0;
    if (natsMsgHeader_Keys(req, &keys, &nkeys) == NATS_OK) {
      for (int k = 0; k < nkeys; ++k) {
        const char** values = nullptr;
        int nvalues = 0;
        if (natsMsgHeader_Values(req, keys[k], &values, &nvalues) != NATS_OK) continue;
        for (int v = 0; v < nvalues; ++v) natsMsgHeader_Add(reply, keys[k], values[v]);
        free(values);
      }
      free(keys);
    }
    natsConnection_PublishMsg(nc, reply);
    natsMsg_Destroy(reply);
  }
  natsMsg_Destroy(req);
}

TEST(Interop, RequestReply) {
  ConnPtr responder = connect("rr-responder");
  ASSERT_TRUE(responder);
  std::atomic<int> served{0};
  natsSubscription* raw = nullptr;
  ASSERT_NATS_OK(
      natsConnection_Subscribe(&raw, responder.get(), "rr.echo", echo_responder, &served));
  SubPtr service(raw);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(responder.get(), kFlushTimeoutMs));

  // New style: one wildcard inbox subscription shared by all requests.
  ConnPtr requester = connect("rr-requester");
  ASSERT_TRUE(requester);
  for (int i = 0; i < 200; ++i) {
    std::string body = "q" + std::to_string(i);
    natsMsg* reply = nullptr;
    ASSERT_NATS_OK(natsConnection_Request(&reply, requester.get(), "rr.echo", body.data(),
                                          static_cast<int>(body.size()), kMsgTimeoutMs));
    MsgPtr owned(reply);
    EXPECT_EQ(data_of(reply), "re:" + body);
  }

  // Old style: a fresh inbox per request, subscribed with auto-unsubscribe after one reply.
  OptsPtr old_opts = make_options("rr-old-style");
  ASSERT_TRUE(old_opts);
  ASSERT_NATS_OK(natsOptions_UseOldRequestStyle(old_opts.get(), true));
  ConnPtr old_style = connect("rr-old-style", old_opts.get());
  ASSERT_TRUE(old_style);
  for (int i = 0; i < 50; ++i) {
    std::string body = "old" + std::to_string(i);
    natsMsg* reply = nullptr;
    ASSERT_NATS_OK(natsConnection_Request(&reply, old_style.get(), "rr.echo", body.data(),
                                          static_cast<int>(body.size()), kMsgTimeoutMs));
    MsgPtr owned(reply);
    EXPECT_EQ(data_of(reply), "re:" + body);
  }
  EXPECT_EQ(served.load(), 250);
}

TEST(Interop, HeadersRoundTrip) {
  ConnPtr pub = connect("hdr-pub");
  ConnPtr subc = connect("hdr-sub");
  ASSERT_TRUE(pub && subc);
  SubPtr sub = subscribe_sync(subc.get(), "hdr.test");
  ASSERT_TRUE(sub);

  natsMsg* raw = nullptr;
  const std::string body = "payload with headers";
  ASSERT_NATS_OK(
      natsMsg_Create(&raw, "hdr.test", "hdr.reply", body.data(), static_cast<int>(body.size())));
  MsgPtr out(raw);
  ASSERT_NATS_OK(natsMsgHeader_Set(out.get(), "X-Single", "one"));
  ASSERT_NATS_OK(natsMsgHeader_Add(out.get(), "X-Multi", "first"));
  ASSERT_NATS_OK(natsMsgHeader_Add(out.get(), "X-Multi", "second"));
  ASSERT_NATS_OK(natsMsgHeader_Add(out.get(), "X-Multi", "third value"));
  ASSERT_NATS_OK(natsMsgHeader_Set(out.get(), "lower-case-key", "keeps:colons and spaces"));
  ASSERT_NATS_OK(natsConnection_PublishMsg(pub.get(), out.get()));

  // Headers with an empty payload.
  ASSERT_NATS_OK(natsMsg_Create(&raw, "hdr.test", nullptr, nullptr, 0));
  MsgPtr empty(raw);
  ASSERT_NATS_OK(natsMsgHeader_Set(empty.get(), "Only", "headers"));
  ASSERT_NATS_OK(natsConnection_PublishMsg(pub.get(), empty.get()));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), kFlushTimeoutMs));

  MsgPtr in;
  ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &in));
  EXPECT_EQ(data_of(in.get()), body);
  ASSERT_NE(natsMsg_GetReply(in.get()), nullptr);
  EXPECT_STREQ(natsMsg_GetReply(in.get()), "hdr.reply");
  const char* value = nullptr;
  ASSERT_NATS_OK(natsMsgHeader_Get(in.get(), "X-Single", &value));
  EXPECT_STREQ(value, "one");
  ASSERT_NATS_OK(natsMsgHeader_Get(in.get(), "lower-case-key", &value));
  EXPECT_STREQ(value, "keeps:colons and spaces");
  const char** values = nullptr;
  int count = 0;
  ASSERT_NATS_OK(natsMsgHeader_Values(in.get(), "X-Multi", &values, &count));
  std::vector<std::string> multi(values, values + count);
  free(values);
  EXPECT_EQ(multi, (std::vector<std::string>{"first", "second", "third value"}));

  MsgPtr in_empty;
  ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &in_empty));
  EXPECT_EQ(natsMsg_GetDataLength(in_empty.get()), 0);
  ASSERT_NATS_OK(natsMsgHeader_Get(in_empty.get(), "Only", &value));
  EXPECT_STREQ(value, "headers");

  // Headers survive a request/reply round trip through a responder on another connection.
  std::atomic<int> served{0};
  natsSubscription* svc_raw = nullptr;
  ASSERT_NATS_OK(
      natsConnection_Subscribe(&svc_raw, subc.get(), "hdr.echo", echo_responder, &served));
  SubPtr svc(svc_raw);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(subc.get(), kFlushTimeoutMs));
  ASSERT_NATS_OK(natsMsg_Create(&raw, "hdr.echo", nullptr, "ping", 4));
  MsgPtr req(raw);
  ASSERT_NATS_OK(natsMsgHeader_Add(req.get(), "Trace", "a"));
  ASSERT_NATS_OK(natsMsgHeader_Add(req.get(), "Trace", "b"));
  natsMsg* reply_raw = nullptr;
  ASSERT_NATS_OK(natsConnection_RequestMsg(&reply_raw, pub.get(), req.get(), kMsgTimeoutMs));
  MsgPtr reply(reply_raw);
  EXPECT_EQ(data_of(reply.get()), "re:ping");
  ASSERT_NATS_OK(natsMsgHeader_Values(reply.get(), "Trace", &values, &count));
  std::vector<std::string> trace(values, values + count);
  free(values);
  EXPECT_EQ(trace, (std::vector<std::string>{"a", "b"}));
}

TEST(Interop, NoResponders) {
  ConnPtr nc = connect("no-responders");
  ASSERT_TRUE(nc);
  // The server answers a request nobody listens to with a 503 status message at once; the client
  // reports NATS_NO_RESPONDERS long before the request timeout.
  constexpr int64_t kRequestTimeoutMs = 5000;
  for (int i = 0; i < 3; ++i) {
    natsMsg* reply = nullptr;
    auto start = Clock::now();
    natsStatus s = natsConnection_RequestString(&reply, nc.get(), "nobody.listens", "hello",
                                                kRequestTimeoutMs);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    natsMsg_Destroy(reply);
    EXPECT_EQ(s, NATS_NO_RESPONDERS) << natsStatus_GetText(s) << " (" << last_error() << ")";
    EXPECT_LT(took.count(), 1000) << "no-responders reply took " << took.count() << " ms";
  }
  // Old-style requests (own inbox per request) get the same answer.
  OptsPtr old_opts = make_options("no-responders-old");
  ASSERT_TRUE(old_opts);
  ASSERT_NATS_OK(natsOptions_UseOldRequestStyle(old_opts.get(), true));
  ConnPtr old_style = connect("no-responders-old", old_opts.get());
  ASSERT_TRUE(old_style);
  natsMsg* reply = nullptr;
  natsStatus s = natsConnection_RequestString(&reply, old_style.get(), "nobody.listens", "hello",
                                              kRequestTimeoutMs);
  natsMsg_Destroy(reply);
  EXPECT_EQ(s, NATS_NO_RESPONDERS) << natsStatus_GetText(s) << " (" << last_error() << ")";
  // The connection is unharmed.
  EXPECT_EQ(natsConnection_Status(nc.get()), NATS_CONN_STATUS_CONNECTED);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(nc.get(), kFlushTimeoutMs));
}

void count_msg(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  static_cast<Signal*>(closure)->notify();
  natsMsg_Destroy(msg);
}

TEST(Interop, AutoUnsubscribe) {
  constexpr int kMax = 5;
  constexpr int kPublished = 20;
  ConnPtr pub = connect("autounsub-pub");
  ConnPtr subc = connect("autounsub-sub");
  ASSERT_TRUE(pub && subc);

  natsSubscription* raw = nullptr;
  ASSERT_NATS_OK(natsConnection_SubscribeSync(&raw, subc.get(), "auto.sync"));
  SubPtr sync_sub(raw);
  ASSERT_NATS_OK(natsSubscription_AutoUnsubscribe(sync_sub.get(), kMax));
  Signal async_got;
  ASSERT_NATS_OK(natsConnection_Subscribe(&raw, subc.get(), "auto.async", count_msg, &async_got));
  SubPtr async_sub(raw);
  ASSERT_NATS_OK(natsSubscription_AutoUnsubscribe(async_sub.get(), kMax));
  SubPtr marker = subscribe_sync(subc.get(), "auto.marker");  // flushes the UNSUBs too
  ASSERT_TRUE(marker);
  uint64_t before = in_msgs(subc.get());

  for (int i = 0; i < kPublished; ++i) {
    std::string body = std::to_string(i);
    ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "auto.sync", body.c_str()));
    ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "auto.async", body.c_str()));
  }
  ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "auto.marker", "end"));
  MsgPtr mark;
  ASSERT_NO_FATAL_FAILURE(next_msg(marker.get(), &mark));

  for (int i = 0; i < kMax; ++i) {
    MsgPtr msg;
    ASSERT_NO_FATAL_FAILURE(next_msg(sync_sub.get(), &msg));
    EXPECT_EQ(data_of(msg.get()), std::to_string(i));
  }
  natsMsg* extra = nullptr;
  natsStatus s = natsSubscription_NextMsg(&extra, sync_sub.get(), 100);
  natsMsg_Destroy(extra);
  EXPECT_NE(s, NATS_OK) << "a 6th message was delivered after auto-unsubscribe(5)";
  ASSERT_TRUE(async_got.wait_for(kMax, 5s)) << "async subscription got " << async_got.count();
  EXPECT_EQ(async_got.count(), static_cast<uint64_t>(kMax));
  // The server itself stopped after 5 per subscription (the client would drop extras quietly,
  // but still count them): 5 + 5 + the marker.
  EXPECT_EQ(in_msgs(subc.get()) - before, static_cast<uint64_t>(2 * kMax + 1))
      << "the server kept delivering after the UNSUB <sid> 5 limit";
}

}  // namespace
}  // namespace interop
