// The metadata of consumer-delivered JetStream messages, read from their $JS.ACK reply subject,
// and the JSON models of the API (no server needed).

#include <gtest/gtest.h>

#include "js_internal.h"
#include "nats/js_message.h"

namespace nats::client {
namespace {

TEST(JsMetadata, ParsesTheNineTokenForm) {
  auto md = parse_js_metadata("$JS.ACK.ORDERS.worker.3.1042.17.1700000000123456789.5");
  ASSERT_TRUE(md) << md.status().to_string();
  EXPECT_EQ(md->domain, "");
  EXPECT_EQ(md->stream, "ORDERS");
  EXPECT_EQ(md->consumer, "worker");
  EXPECT_EQ(md->num_delivered, 3u);
  EXPECT_EQ(md->stream_seq, 1042u);
  EXPECT_EQ(md->consumer_seq, 17u);
  EXPECT_EQ(md->timestamp_ns, 1700000000123456789);
  EXPECT_EQ(md->num_pending, 5u);
}

TEST(JsMetadata, ParsesTheTwelveTokenFormWithDomain) {
  auto md = parse_js_metadata("$JS.ACK.hub.ACCHASH.ORDERS.worker.1.2.3.1700000000000000000.0.rnd");
  ASSERT_TRUE(md) << md.status().to_string();
  EXPECT_EQ(md->domain, "hub");
  EXPECT_EQ(md->stream, "ORDERS");
  EXPECT_EQ(md->consumer, "worker");
  EXPECT_EQ(md->num_delivered, 1u);
  EXPECT_EQ(md->stream_seq, 2u);
  EXPECT_EQ(md->consumer_seq, 3u);
  EXPECT_EQ(md->num_pending, 0u);
  // "_" is "no domain"; the random last token is optional.
  auto no_domain = parse_js_metadata("$JS.ACK._.ACCHASH.S.C.1.2.3.4.5");
  ASSERT_TRUE(no_domain);
  EXPECT_EQ(no_domain->domain, "");
  EXPECT_EQ(no_domain->stream, "S");
  EXPECT_EQ(no_domain->num_pending, 5u);
}

TEST(JsMetadata, RejectsWhatIsNotAnAckSubject) {
  for (const char* bad : {"", "_INBOX.abc", "$JS.ACK.S.C.1.2.3.4",  // 8 tokens
                          "$JS.ACK.S.C.1.2.3.4.5.6",                // 10 tokens
                          "$JS.NAK.S.C.1.2.3.4.5", "$JS.ACK.S.C.x.2.3.4.5",
                          "$JS.ACK.S.C.1.2.3.4.-5", "$JS.ACK..C.1.2.3.4.5"}) {
    EXPECT_EQ(parse_js_metadata(bad).code(), Errc::kInvalidArgument) << bad;
  }
}

TEST(JsMetadata, AckingNeedsAReplySubject) {
  JsMessage m(Message("orders.1", "", "data"), nullptr);
  EXPECT_EQ(m.ack().code(), Errc::kInvalidArgument);
  EXPECT_EQ(m.metadata().code(), Errc::kInvalidArgument);
}

TEST(JsJson, StreamConfigRoundTripsAndMergesExtraJson) {
  StreamConfig c;
  c.name = "S";
  c.subjects = {"a.>", "b"};
  c.retention = RetentionPolicy::kWorkQueue;
  c.storage = StorageType::kMemory;
  c.max_age = std::chrono::hours(1);
  c.extra_json = R"({"placement":{"cluster":"east"}})";
  detail::Json j = detail::to_json(c);
  EXPECT_EQ(j["retention"], "workqueue");
  EXPECT_EQ(j["storage"], "memory");
  EXPECT_EQ(j["max_age"], int64_t{3600} * 1000000000);
  EXPECT_EQ(j["placement"]["cluster"], "east");
  EXPECT_FALSE(j.contains("duplicate_window"));  // unset: the server's default
  StreamConfig back = detail::stream_config_from(j);
  EXPECT_EQ(back.name, "S");
  EXPECT_EQ(back.subjects, c.subjects);
  EXPECT_EQ(back.retention, RetentionPolicy::kWorkQueue);
  EXPECT_EQ(back.max_age, std::chrono::hours(1));
  EXPECT_EQ(detail::parse_json(back.extra_json)["placement"]["cluster"], "east");
}

TEST(JsJson, ApiErrorsMapToErrcAndKeepTheirCodes) {
  auto s = detail::api_error_of(detail::parse_json(
      R"({"type":"x","error":{"code":404,"err_code":10059,"description":"stream not found"}})"));
  EXPECT_EQ(s.code(), Errc::kStreamNotFound);
  EXPECT_EQ(s.err_code(), 10059);
  EXPECT_EQ(s.api_error().code, 404);
  EXPECT_EQ(s.api_error().description, "stream not found");
  EXPECT_EQ(s.to_string(), "stream not found (code 404, err_code 10059)");
  EXPECT_TRUE(detail::api_error_of(detail::parse_json(R"({"stream":"S","seq":1})")));
  auto other = detail::api_error_of(
      detail::parse_json(R"({"error":{"code":400,"err_code":10071,"description":"wrong"}})"));
  EXPECT_EQ(other.code(), Errc::kApiError);
  EXPECT_EQ(other.err_code(), 10071);
  // Lenient reading: a mistyped field keeps its default.
  PubAck ack = detail::pub_ack_from(detail::parse_json(R"({"stream":"S","seq":"x"})"));
  EXPECT_EQ(ack.stream, "S");
  EXPECT_EQ(ack.seq, 0u);
}

}  // namespace
}  // namespace nats::client
