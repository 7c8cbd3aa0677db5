#include "server/cert_user_map.h"

#include <gtest/gtest.h>

#include "base/string_map.h"

namespace nats {
namespace {

net::PeerCertificate alice() {
  net::PeerCertificate pc;
  pc.subject_rdns = {{"C", "US"}, {"O", "Acme, Inc"}, {"OU", "eng"}, {"CN", "alice"}};
  pc.subject = "CN=alice,OU=eng,O=Acme\\, Inc,C=US";
  return pc;
}

std::optional<std::string> map(const net::PeerCertificate& pc, std::vector<std::string> users) {
  std::vector<std::string_view> names(users.begin(), users.end());
  return map_certificate_to_user(
      pc,
      [&](std::string_view n) { return std::find(users.begin(), users.end(), n) != users.end(); },
      names);
}

TEST(ParseDistinguishedName, EscapesSpacesAndMultiValuedRdns) {
  auto dn = parse_distinguished_name("CN=alice, O=Acme\\, Inc+OU=eng,C=U\\53");
  ASSERT_TRUE(dn);
  ASSERT_EQ(dn->size(), 4u);
  EXPECT_EQ((*dn)[0], std::make_pair(std::string("CN"), std::string("alice")));
  EXPECT_EQ((*dn)[1], std::make_pair(std::string("O"), std::string("Acme, Inc")));
  EXPECT_EQ((*dn)[2], std::make_pair(std::string("OU"), std::string("eng")));
  EXPECT_EQ((*dn)[3], std::make_pair(std::string("C"), std::string("US")));
  EXPECT_FALSE(parse_distinguished_name("alice@example.com"));
  EXPECT_FALSE(parse_distinguished_name("CN=a,"));
  EXPECT_FALSE(parse_distinguished_name("CN=a\\"));
  EXPECT_FALSE(parse_distinguished_name(""));
}

TEST(CertUserMap, SanEntriesComeFirstInNatsServerOrder) {
  auto pc = alice();
  pc.emails = {"alice@example.com"};
  pc.dns_names = {"alice.example.com"};
  pc.uris = {"spiffe://acme/alice"};
  EXPECT_EQ(map(pc, {"alice.example.com", "alice@example.com"}), "alice@example.com");
  EXPECT_EQ(map(pc, {"spiffe://acme/alice", "alice.example.com"}), "alice.example.com");
  EXPECT_EQ(map(pc, {"spiffe://acme/alice", "CN=alice,OU=eng,O=Acme\\, Inc,C=US"}),
            "spiffe://acme/alice");
}

TEST(CertUserMap, DistinguishedNamesMatchInOrderThenInAnyOrder) {
  auto pc = alice();
  // RFC 4514 order, with attribute types spelt any way OpenSSL knows them.
  EXPECT_EQ(map(pc, {"cn=alice,ou=eng,o=Acme\\, Inc,c=US"}), "cn=alice,ou=eng,o=Acme\\, Inc,c=US");
  EXPECT_EQ(map(pc, {"commonName=alice,OU=eng,O=Acme\\, Inc,C=US"}),
            "commonName=alice,OU=eng,O=Acme\\, Inc,C=US");
  // An exact match wins over a reordered one.
  EXPECT_EQ(map(pc, {"C=US,O=Acme\\, Inc,OU=eng,CN=alice", "CN=alice,OU=eng,O=Acme\\, Inc,C=US"}),
            "CN=alice,OU=eng,O=Acme\\, Inc,C=US");
  EXPECT_EQ(map(pc, {"C=US,O=Acme\\, Inc,OU=eng,CN=alice"}), "C=US,O=Acme\\, Inc,OU=eng,CN=alice");
  // Values compare exactly; a missing or extra attribute is no match.
  EXPECT_FALSE(map(pc, {"CN=Alice,OU=eng,O=Acme\\, Inc,C=US"}));
  EXPECT_FALSE(map(pc, {"CN=alice,OU=eng,C=US"}));
  EXPECT_FALSE(map(pc, {"CN=alice,OU=eng,O=Acme\\, Inc,C=US,L=Paris"}));
}

TEST(CertUserMap, SubjectStringIsTheLastResort) {
  net::PeerCertificate pc;
  pc.subject_rdns = {{"1.2.3.4", "x"}};
  pc.subject = "1.2.3.4=#0c0178";
  EXPECT_EQ(map(pc, {"1.2.3.4=#0c0178"}), "1.2.3.4=#0c0178");
  EXPECT_FALSE(map(pc, {"nobody"}));
}

}  // namespace
}  // namespace nats
