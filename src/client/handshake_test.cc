#include "handshake.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sodium.h>
#include "crypto/nkeys.h"

namespace nats::client::detail {
namespace {

using nlohmann::json;

ServerInfo info_with_nonce(std::string nonce) {
  ServerInfo i;
  i.nonce = std::move(nonce);
  return i;
}

json connect_for(const Options& o, const ServerUrl& url = {}, const ServerInfo& info = {},
                 const Creds* creds = nullptr) {
  auto text = connect_json(o, url, info, creds);
  EXPECT_TRUE(text) << text.status().to_string();
  return json::parse(text.value());
}

TEST(ServerInfoJson, ReadsTheFieldsWeUse) {
  auto i = parse_server_info(
      R"({"server_id":"NABC","server_name":"n1","version":"2.9.10","proto":1,"host":"0.0.0.0",)"
      R"("port":4222,"headers":true,"max_payload":1048576,"client_id":7,"client_ip":"127.0.0.1",)"
      R"("auth_required":true,"nonce":"abc","connect_urls":["10.0.0.1:4222"],"ldm":true})");
  ASSERT_TRUE(i) << i.status().to_string();
  EXPECT_EQ(i->server_id, "NABC");
  EXPECT_EQ(i->server_name, "n1");
  EXPECT_EQ(i->port, 4222);
  EXPECT_EQ(i->max_payload, 1048576);
  EXPECT_TRUE(i->headers);
  EXPECT_TRUE(i->auth_required);
  EXPECT_TRUE(i->lame_duck_mode);
  EXPECT_FALSE(i->tls_required);
  EXPECT_EQ(i->client_id, 7u);
  EXPECT_EQ(i->nonce, "abc");
  EXPECT_EQ(i->connect_urls, std::vector<std::string>{"10.0.0.1:4222"});
  EXPECT_FALSE(parse_server_info("not json"));
  EXPECT_FALSE(parse_server_info("[1]"));
}

TEST(ConnectJson, QuietByDefaultWithHeadersAndNoResponders) {
  Options o;
  o.name = "svc";
  o.echo = false;
  json c = connect_for(o);
  EXPECT_EQ(c["verbose"], false);
  EXPECT_EQ(c["pedantic"], false);
  EXPECT_EQ(c["headers"], true);
  EXPECT_EQ(c["no_responders"], true);
  EXPECT_EQ(c["echo"], false);
  EXPECT_EQ(c["name"], "svc");
  EXPECT_EQ(c["lang"], "cpp");
  EXPECT_EQ(c["protocol"], 1);
  EXPECT_FALSE(c.contains("user"));
}

TEST(ConnectJson, UserPasswordTokenAndUrlCredentials) {
  Options o;
  o.user = "alice";
  o.password = "pw";
  json c = connect_for(o);
  EXPECT_EQ(c["user"], "alice");
  EXPECT_EQ(c["pass"], "pw");
  Options t;
  t.token = "tok";
  EXPECT_EQ(connect_for(t)["auth_token"], "tok");
  auto url = parse_server_url("nats://bob:pw2@h");
  EXPECT_EQ(connect_for(Options(), url.value())["user"], "bob");
  auto token_url = parse_server_url("nats://tok2@h");
  EXPECT_EQ(connect_for(Options(), token_url.value())["auth_token"], "tok2");
}

TEST(ConnectJson, NkeySignsTheNonce) {
  const crypto::KeyPair kp = crypto::create_keypair(crypto::PrefixByte::kUser);
  Options o;
  o.nkey_seed = kp.seed;
  json c = connect_for(o, {}, info_with_nonce("n0nce"));
  EXPECT_EQ(c["nkey"], kp.public_key);
  const std::string sig = c["sig"];
  // base64url without padding of 64 bytes: 86 characters.
  EXPECT_EQ(sig.size(), 86u);
  EXPECT_EQ(sig.find_first_of("+/="), std::string::npos);
  // Decode and verify like the server does.
  std::vector<uint8_t> raw(64);
  size_t len = 0;
  ASSERT_EQ(sodium_base642bin(raw.data(), raw.size(), sig.data(), sig.size(), nullptr, &len,
                              nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            0);
  EXPECT_TRUE(crypto::verify(kp.public_key, "n0nce", raw));
  EXPECT_FALSE(crypto::verify(kp.public_key, "other", raw));
}

TEST(ConnectJson, CredsSendJwtAndSignature) {
  const crypto::KeyPair kp = crypto::create_keypair(crypto::PrefixByte::kUser);
  Creds creds{"a.b.c", kp.seed};
  json c = connect_for(Options(), {}, info_with_nonce("xyz"), &creds);
  EXPECT_EQ(c["jwt"], "a.b.c");
  EXPECT_TRUE(c.contains("sig"));
  EXPECT_FALSE(c.contains("nkey"));
}

TEST(ConnectJson, BadSeedIsAnError) {
  Options o;
  o.nkey_seed = "SUNOPE";
  EXPECT_FALSE(connect_json(o, {}, info_with_nonce("n"), nullptr));
}

}  // namespace
}  // namespace nats::client::detail
