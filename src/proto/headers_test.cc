#include "proto/headers.h"

#include <gtest/gtest.h>

namespace nats::proto {
namespace {

TEST(Headers, EncodesVersionFieldsAndEmptyLine) {
  Headers h;
  h.add("A", "1");
  h.add("B-Key", "two words");
  h.add("A", "3");
  EXPECT_EQ(encode_headers(h), "NATS/1.0\r\nA: 1\r\nB-Key: two words\r\nA: 3\r\n\r\n");
  EXPECT_EQ(encoded_headers_size(h), encode_headers(h).size());
}

TEST(Headers, EncodesStatusLine) {
  Headers h;
  h.set_status(503);
  EXPECT_EQ(encode_headers(h), "NATS/1.0 503\r\n\r\n");
  h.set_status(408, "Request Timeout");
  EXPECT_EQ(encode_headers(h), "NATS/1.0 408 Request Timeout\r\n\r\n");
  EXPECT_EQ(encoded_headers_size(h), encode_headers(h).size());
  EXPECT_EQ(encode_headers(Headers{}), "NATS/1.0\r\n\r\n");
}

TEST(Headers, RoundTrips) {
  Headers h;
  h.add("Nats-Msg-Id", "abc");
  h.add("X", "");
  h.add("x", "lower case is another key");
  h.set_status(100, "Idle Heartbeat");
  DecodedHeaders d = decode_headers(encode_headers(h));
  ASSERT_TRUE(d.headers) << d.error;
  EXPECT_EQ(*d.headers, h);
}

TEST(Headers, DecodesNoRespondersStatus) {
  DecodedHeaders d = decode_headers("NATS/1.0 503\r\n\r\n");
  ASSERT_TRUE(d.headers) << d.error;
  EXPECT_EQ(d.headers->status(), kStatusNoResponders);
  EXPECT_EQ(d.headers->description(), "");
  EXPECT_EQ(d.headers->size(), 0u);
}

TEST(Headers, DecodeTrimsKeysAndValues) {
  DecodedHeaders d = decode_headers("NATS/1.0\r\n Key :\t value with spaces  \r\nK2:v:w\r\n\r\n");
  ASSERT_TRUE(d.headers) << d.error;
  EXPECT_EQ(d.headers->get("Key"), "value with spaces");
  EXPECT_EQ(d.headers->get("K2"), "v:w");
  EXPECT_EQ(d.headers->get("key"), std::nullopt);
}

TEST(Headers, DecodeRejectsMalformedBlocks) {
  EXPECT_FALSE(decode_headers("").headers);
  EXPECT_FALSE(decode_headers("HTTP/1.1\r\n\r\n").headers);
  EXPECT_FALSE(decode_headers("NATS/1.0\r\n").headers);  // no empty line
  EXPECT_FALSE(decode_headers("NATS/1.0\r\nnocolon\r\n\r\n").headers);
  EXPECT_FALSE(decode_headers("NATS/1.0\r\n: v\r\n\r\n").headers);  // empty key
  EXPECT_FALSE(decode_headers("NATS/1.0 5x3\r\n\r\n").headers);
  EXPECT_FALSE(decode_headers("NATS/1.0 5034\r\n\r\n").headers);
  EXPECT_FALSE(decode_headers("NATS/1.0X\r\n\r\n").headers);
  EXPECT_FALSE(decode_headers("NATS/1.0\r\n\r\nextra").headers);
  EXPECT_EQ(decode_headers("NATS/1.0\r\nnocolon\r\n\r\n").error, "header line without ':'");
}

TEST(Headers, SetGetValuesErase) {
  Headers h;
  h.add("A", "1");
  h.add("A", "2");
  h.add("B", "3");
  EXPECT_EQ(h.values("A"), (std::vector<std::string_view>{"1", "2"}));
  h.set("A", "9");
  EXPECT_EQ(h.values("A"), (std::vector<std::string_view>{"9"}));
  EXPECT_EQ(h.erase("B"), 1u);
  EXPECT_EQ(h.get("B"), std::nullopt);
  EXPECT_EQ(h.size(), 1u);
}

TEST(Headers, ValidateRefusesWhatWouldBreakTheBlock) {
  Headers ok;
  ok.add("Good-Key", "any value: even colons");
  EXPECT_EQ(validate_headers(ok), nullptr);
  for (const char* bad_key : {"", "a:b", "a b", "a\r", "a\n"}) {
    Headers h;
    h.add(bad_key, "v");
    EXPECT_NE(validate_headers(h), nullptr) << bad_key;
  }
  Headers bad_value;
  bad_value.add("K", "line\r\nInjected: yes");
  EXPECT_NE(validate_headers(bad_value), nullptr);
  Headers bad_status;
  bad_status.set_status(1000);
  EXPECT_NE(validate_headers(bad_status), nullptr);
}

}  // namespace
}  // namespace nats::proto
