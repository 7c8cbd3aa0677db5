#include "server_url.h"

#include <gtest/gtest.h>

namespace nats::client::detail {
namespace {

TEST(ServerUrl, FullForm) {
  auto u = parse_server_url("nats://alice:s3cret@example.com:4333");
  ASSERT_TRUE(u) << u.status().to_string();
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 4333);
  EXPECT_EQ(u->user, "alice");
  EXPECT_EQ(u->password, "s3cret");
  EXPECT_TRUE(u->has_password);
  EXPECT_EQ(u->to_string(), "nats://example.com:4333");
}

TEST(ServerUrl, ShortFormsGetDefaults) {
  auto u = parse_server_url("localhost");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 4222);
  u = parse_server_url(" 127.0.0.1:5000 ");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 5000);
  u = parse_server_url("NATS://h:1/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->port, 1);
}

TEST(ServerUrl, TokenAsUserInfo) {
  auto u = parse_server_url("nats://tok3n@h");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "tok3n");
  EXPECT_FALSE(u->has_password);
}

TEST(ServerUrl, Ipv6) {
  auto u = parse_server_url("nats://[::1]:4222");
  ASSERT_TRUE(u) << u.status().to_string();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->host_port(), "[::1]:4222");
}

TEST(ServerUrl, Refusals) {
  EXPECT_FALSE(parse_server_url(""));
  EXPECT_FALSE(parse_server_url("nats://:4222"));
  EXPECT_FALSE(parse_server_url("nats://h:0"));
  EXPECT_FALSE(parse_server_url("nats://h:70000"));
  EXPECT_FALSE(parse_server_url("nats://h:12x"));
  EXPECT_FALSE(parse_server_url("http://h"));
  EXPECT_FALSE(parse_server_url("nats://[::1"));
}

TEST(ServerUrl, TlsSchemeIsKept) {
  auto tls = parse_server_url("tls://user:pw@h:4443");
  ASSERT_TRUE(tls) << tls.status().to_string();
  EXPECT_EQ(tls->scheme, "tls");
  EXPECT_EQ(tls->host, "h");
  EXPECT_EQ(tls->port, 4443);
  EXPECT_EQ(tls->to_string(), "tls://h:4443");
}

}  // namespace
}  // namespace nats::client::detail
