#include "creds.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "crypto/nkeys.h"

namespace nats::client::detail {
namespace {

constexpr std::string_view kJwt =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJYIn0.c2lnbmF0dXJl";

std::string user_seed() { return crypto::create_keypair(crypto::PrefixByte::kUser).seed; }

// The layout nsc writes, armour lines and the warning text included.
std::string creds_text(std::string_view jwt, std::string_view seed) {
  return "-----BEGIN NATS USER JWT-----\n" + std::string(jwt) +
         "\n------END NATS USER JWT------\n\n"
         "************************* IMPORTANT *************************\n"
         "NKEY Seed printed below can be used to sign and prove identity.\n"
         "NKEYs are sensitive and should be treated as secrets.\n\n"
         "-----BEGIN USER NKEY SEED-----\n" +
         std::string(seed) +
         "\n------END USER NKEY SEED------\n\n"
         "*************************************************************\n";
}

TEST(Creds, ReadsJwtAndSeedFromNscLayout) {
  const std::string seed = user_seed();
  auto c = parse_creds(creds_text(kJwt, seed));
  ASSERT_TRUE(c) << c.status().to_string();
  EXPECT_EQ(c->jwt, kJwt);
  EXPECT_EQ(c->seed, seed);
}

TEST(Creds, ToleratesWindowsLineEndsAndIndentation) {
  const std::string seed = user_seed();
  std::string text = creds_text(kJwt, seed);
  std::string crlf;
  for (char ch : text) {
    if (ch == '\n')
      crlf += "\r\n  ";
    else
      crlf += ch;
  }
  auto c = parse_creds(crlf);
  ASSERT_TRUE(c) << c.status().to_string();
  EXPECT_EQ(c->jwt, kJwt);
  EXPECT_EQ(c->seed, seed);
}

TEST(Creds, RefusesMissingPartsAndBadSeeds) {
  EXPECT_EQ(parse_creds("").code(), Errc::kInvalidArgument);
  EXPECT_EQ(parse_creds("-----BEGIN NATS USER JWT-----\n" + std::string(kJwt) +
                        "\n------END NATS USER JWT------\n")
                .status()
                .message(),
            "creds: no nkey seed found");
  EXPECT_FALSE(parse_creds(creds_text(kJwt, "SUNOTASEED")));
  // An account seed is not a user's.
  EXPECT_FALSE(
      parse_creds(creds_text(kJwt, crypto::create_keypair(crypto::PrefixByte::kAccount).seed)));
  EXPECT_FALSE(parse_creds(creds_text("not-a-jwt", user_seed())));
}

TEST(Creds, ReadsAFile) {
  const std::string seed = user_seed();
  const std::string path = ::testing::TempDir() + "/user.creds";
  std::ofstream(path) << creds_text(kJwt, seed);
  auto c = read_creds_file(path);
  ASSERT_TRUE(c) << c.status().to_string();
  EXPECT_EQ(c->seed, seed);
  std::remove(path.c_str());
  EXPECT_EQ(read_creds_file(path).status().message(), "creds: cannot read " + path);
}

}  // namespace
}  // namespace nats::client::detail
