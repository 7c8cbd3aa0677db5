// Limits and volume as nats.c observes them: max payload, slow consumers, long ordered streams,
// 1 MB payloads and many concurrent connections.
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "interop_env.h"

namespace interop {
namespace {

void next_msg(natsSubscription* sub, MsgPtr* out, int64_t timeout_ms = kMsgTimeoutMs) {
  natsMsg* msg = nullptr;
  ASSERT_NATS_OK(natsSubscription_NextMsg(&msg, sub, timeout_ms));
  out->reset(msg);
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

TEST(Interop, MaxPayloadRejected) {
  ConnPtr pub = connect("maxpayload-pub");
  ConnPtr subc = connect("maxpayload-sub");
  ASSERT_TRUE(pub && subc);
  // The client learns the limit from INFO max_payload and enforces it before sending.
  EXPECT_EQ(natsConnection_GetMaxPayload(pub.get()), kDefaultMaxPayload);
  SubPtr sub = subscribe_sync(subc.get(), "big");
  ASSERT_TRUE(sub);

  std::string too_big(kDefaultMaxPayload + 1, 'x');
  natsStatus s =
      natsConnection_Publish(pub.get(), "big", too_big.data(), static_cast<int>(too_big.size()));
  EXPECT_EQ(s, NATS_MAX_PAYLOAD) << natsStatus_GetText(s) << " (" << last_error() << ")";
  // Headers count toward the limit.
  natsMsg* raw = nullptr;
  ASSERT_NATS_OK(natsMsg_Create(&raw, "big", nullptr, too_big.data(), kDefaultMaxPayload - 8));
  MsgPtr with_hdr(raw);
  ASSERT_NATS_OK(natsMsgHeader_Set(with_hdr.get(), "Padding", "0123456789"));
  s = natsConnection_PublishMsg(pub.get(), with_hdr.get());
  EXPECT_EQ(s, NATS_MAX_PAYLOAD) << natsStatus_GetText(s) << " (" << last_error() << ")";

  // Exactly max_payload is fine, and the connection survived the rejected ones.
  std::string exact = random_bytes(kDefaultMaxPayload, 7);
  ASSERT_NATS_OK(
      natsConnection_Publish(pub.get(), "big", exact.data(), static_cast<int>(exact.size())));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), kFlushTimeoutMs));
  MsgPtr msg;
  ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg));
  EXPECT_EQ(natsMsg_GetDataLength(msg.get()), kDefaultMaxPayload);
  EXPECT_TRUE(data_of(msg.get()) == exact) << "1 MB payload corrupted";
  EXPECT_EQ(natsConnection_Status(pub.get()), NATS_CONN_STATUS_CONNECTED);

  // The server enforces the limit too: a raw client that announces 1 MB + 1 in PUB gets
  // -ERR 'Maximum Payload Violation' and is disconnected.
  RawConn rawc;
  ASSERT_TRUE(rawc.ok());
  std::string info;
  ASSERT_TRUE(rawc.read_line(&info, 5s)) << "no INFO from server";
  ASSERT_EQ(info.rfind("INFO ", 0), 0u) << info;
  EXPECT_NE(info.find("\"max_payload\":1048576"), std::string::npos) << info;
  ASSERT_TRUE(rawc.send_all("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n"));
  ASSERT_TRUE(rawc.read_until_line("PONG", 5s));
  ASSERT_TRUE(rawc.send_all("PUB big " + std::to_string(kDefaultMaxPayload + 1) + "\r\n"));
  std::string line;
  ASSERT_TRUE(rawc.read_line(&line, 5s)) << "no reply to an oversized PUB";
  EXPECT_EQ(line, "-ERR 'Maximum Payload Violation'");
  uint64_t bytes = 0;
  auto kind = rawc.drain_until_closed(5s, &bytes);
  EXPECT_TRUE(kind == RawConn::CloseKind::kEof || kind == RawConn::CloseKind::kReset)
      << "after the violation the connection ended with " << close_kind_name(kind);
}

TEST(Interop, SlowConsumerDisconnected) {
  constexpr size_t kChunk = 64 * 1024;  // bytes per message
  constexpr int kMessages = 1600;       // 100 MiB in all, > the 64 MiB max_pending
  constexpr uint64_t kTotal = kChunk * kMessages;

  // A raw subscriber with a tiny receive buffer that stops reading once subscribed.
  RawConn slow(4096);
  ASSERT_TRUE(slow.ok());
  std::string info;
  ASSERT_TRUE(slow.read_line(&info, 5s));
  ASSERT_TRUE(
      slow.send_all("CONNECT {\"verbose\":false,\"pedantic\":false}\r\n"
                    "SUB flood 1\r\nPING\r\n"));
  ASSERT_TRUE(slow.read_until_line("PONG", 5s));

  ConnPtr pub = connect("slow-consumer-pub");
  ASSERT_TRUE(pub);
  std::string chunk(kChunk, 'z');
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_NATS_OK(
        natsConnection_Publish(pub.get(), "flood", chunk.data(), static_cast<int>(chunk.size())));
  }
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), 30000));

  // The server cut the subscriber off: reading again drains what the kernel buffered, then
  // ends in EOF or a reset, well short of everything that was published.
  uint64_t bytes = 0;
  auto kind = slow.drain_until_closed(30s, &bytes);
  EXPECT_TRUE(kind == RawConn::CloseKind::kEof || kind == RawConn::CloseKind::kReset)
      << "slow consumer connection: " << close_kind_name(kind) << " after " << bytes << " bytes";
  EXPECT_LT(bytes, kTotal) << "the slow consumer received everything";

  // The publisher is unaffected: still connected, no error, and it still gets messages.
  EXPECT_EQ(natsConnection_Status(pub.get()), NATS_CONN_STATUS_CONNECTED);
  const char* err = nullptr;
  EXPECT_EQ(natsConnection_GetLastError(pub.get(), &err), NATS_OK) << (err ? err : "");
  SubPtr self = subscribe_sync(pub.get(), "after.flood");
  ASSERT_TRUE(self);
  ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "after.flood", "still here"));
  MsgPtr msg;
  ASSERT_NO_FATAL_FAILURE(next_msg(self.get(), &msg));
  EXPECT_EQ(data_of(msg.get()), "still here");
}

TEST(Interop, HundredThousandInOrder) {
  constexpr int kMessages = 100000;
  ConnPtr pub = connect("order-pub");
  ConnPtr subc = connect("order-sub");
  ASSERT_TRUE(pub && subc);
  SubPtr sub = subscribe_sync(subc.get(), "order.stream");
  ASSERT_TRUE(sub);
  // No client-side pending limit: the test reads after publishing everything.
  ASSERT_NATS_OK(natsSubscription_SetPendingLimits(sub.get(), -1, -1));

  for (int i = 0; i < kMessages; ++i) {
    std::string body = std::to_string(i);
    ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "order.stream", body.c_str()));
  }
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), 30000));
  for (int i = 0; i < kMessages; ++i) {
    MsgPtr msg;
    ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg));
    ASSERT_EQ(data_of(msg.get()), std::to_string(i)) << "out of order at message " << i;
  }
  int64_t dropped = 0;
  ASSERT_NATS_OK(natsSubscription_GetDropped(sub.get(), &dropped));
  EXPECT_EQ(dropped, 0);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(subc.get(), kFlushTimeoutMs));
  EXPECT_EQ(in_msgs(subc.get()), static_cast<uint64_t>(kMessages)) << "duplicates delivered";
}

// Answers each request with its own payload (1 MB echo).
void mirror(natsConnection* nc, natsSubscription*, natsMsg* req, void*) {
  natsConnection_Publish(nc, natsMsg_GetReply(req), natsMsg_GetData(req),
                         natsMsg_GetDataLength(req));
  natsMsg_Destroy(req);
}

TEST(Interop, OneMegabytePayloads) {
  constexpr int kMessages = 8;
  ConnPtr pub = connect("mb-pub");
  ConnPtr subc = connect("mb-sub");
  ASSERT_TRUE(pub && subc);
  SubPtr sub = subscribe_sync(subc.get(), "mb.data");
  ASSERT_TRUE(sub);
  std::vector<std::string> sent;
  for (int i = 0; i < kMessages; ++i) {
    sent.push_back(random_bytes(kDefaultMaxPayload, 100 + i));
    ASSERT_NATS_OK(natsConnection_Publish(pub.get(), "mb.data", sent.back().data(),
                                          static_cast<int>(sent.back().size())));
  }
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), 30000));
  for (int i = 0; i < kMessages; ++i) {
    MsgPtr msg;
    ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg));
    ASSERT_EQ(natsMsg_GetDataLength(msg.get()), kDefaultMaxPayload);
    EXPECT_TRUE(data_of(msg.get()) == sent[i]) << "payload " << i << " corrupted";
  }

  // 1 MB each way through request/reply.
  natsSubscription* raw = nullptr;
  ASSERT_NATS_OK(natsConnection_Subscribe(&raw, subc.get(), "mb.mirror", mirror, nullptr));
  SubPtr svc(raw);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(subc.get(), kFlushTimeoutMs));
  for (int i = 0; i < 3; ++i) {
    natsMsg* reply = nullptr;
    ASSERT_NATS_OK(natsConnection_Request(&reply, pub.get(), "mb.mirror", sent[i].data(),
                                          static_cast<int>(sent[i].size()), 10000));
    MsgPtr owned(reply);
    EXPECT_TRUE(data_of(reply) == sent[i]) << "mirrored payload " << i << " corrupted";
  }
}

TEST(Interop, ThousandConnections) {
  constexpr int kConns = 1000;
  std::vector<ConnPtr> conns;
  std::vector<SubPtr> fanout;
  std::vector<SubPtr> own;
  conns.reserve(kConns);
  for (int i = 0; i < kConns; ++i) {
    conns.push_back(connect("conn-" + std::to_string(i)));
    ASSERT_TRUE(conns.back()) << "connection " << i << " failed";
    natsSubscription* raw = nullptr;
    ASSERT_NATS_OK(natsConnection_SubscribeSync(&raw, conns.back().get(), "fanout"));
    fanout.emplace_back(raw);
    std::string mine = "conn." + std::to_string(i);
    ASSERT_NATS_OK(natsConnection_SubscribeSync(&raw, conns.back().get(), mine.c_str()));
    own.emplace_back(raw);
  }
  for (auto& nc : conns) ASSERT_NATS_OK(natsConnection_FlushTimeout(nc.get(), kFlushTimeoutMs));
  for (auto& nc : conns) EXPECT_EQ(natsConnection_Status(nc.get()), NATS_CONN_STATUS_CONNECTED);

  ConnPtr pub = connect("conn-publisher");
  ASSERT_TRUE(pub);
  ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "fanout", "to everyone"));
  for (int i = 0; i < kConns; ++i) {
    std::string subject = "conn." + std::to_string(i);
    ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), subject.c_str(), subject.c_str()));
  }
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), kFlushTimeoutMs));
  for (int i = 0; i < kConns; ++i) {
    MsgPtr msg;
    ASSERT_NO_FATAL_FAILURE(next_msg(fanout[i].get(), &msg)) << "connection " << i;
    EXPECT_EQ(data_of(msg.get()), "to everyone");
    ASSERT_NO_FATAL_FAILURE(next_msg(own[i].get(), &msg)) << "connection " << i;
    EXPECT_EQ(data_of(msg.get()), "conn." + std::to_string(i));
  }
}

}  // namespace
}  // namespace interop
