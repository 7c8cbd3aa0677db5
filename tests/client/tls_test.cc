// The client library over TLS, against natsd and nats-server with the certificates that
// tests/interop/tls/make_certs.sh makes (INTEROP_TLS_DIR): upgrade after INFO, server
// verification by CA and name, client certificates, a TLS client meeting a plain server, TLS
// before INFO (handshake_first), and reconnecting over TLS.

#include <atomic>
#include <string>

#include "test_env.h"

namespace nats::client::testing {
namespace {

using namespace std::chrono_literals;

std::string cert_path(const std::string& file) {
  const char* dir = std::getenv("INTEROP_TLS_DIR");
  return std::string(dir != nullptr ? dir : ".") + "/" + file;
}

Options tls_options() {
  Options o = test_options();
  o.tls.ca_file = cert_path("ca.pem");
  return o;
}

// Sends one message of `size` bytes to itself and checks it comes back whole.
void expect_round_trip(Connection& nc, size_t size) {
  auto sub = nc.subscribe_sync("tls.echo");
  ASSERT_TRUE(sub) << sub.status().to_string();
  ASSERT_TRUE(nc.flush());
  std::string body(size, 'x');
  for (size_t i = 0; i < size; ++i) body[i] = char('a' + i % 26);
  ASSERT_TRUE(nc.publish("tls.echo", body));
  auto m = sub->next_msg(5s);
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ(m->data(), body);
}

Status connect_status(Options o) {
  o.max_reconnect_attempts = 0;
  auto nc = Connection::connect(std::move(o));
  return nc ? Status() : nc.status();
}

TEST(ClientTls, UpgradesAfterInfoAndVerifiesTheServer) {
  auto nc = connect_or_fail(tls_options());
  ASSERT_TRUE(nc);
  EXPECT_TRUE(nc->server_info().tls_required);
  EXPECT_EQ(nc->connected_url().rfind("tls://", 0), 0u) << nc->connected_url();
  expect_round_trip(*nc, 16);
}

TEST(ClientTls, OneMegabyteMessagesArriveWhole) {
  auto nc = connect_or_fail(tls_options());
  ASSERT_TRUE(nc);
  expect_round_trip(*nc, 1024 * 1024);
}

TEST(ClientTls, RequestReplyOverTls) {
  auto nc = connect_or_fail(tls_options());
  ASSERT_TRUE(nc);
  auto svc = nc->subscribe("tls.svc", [&](Message m) { nc->publish(m.reply(), "pong"); });
  ASSERT_TRUE(svc);
  ASSERT_TRUE(nc->flush());
  auto r = nc->request("tls.svc", "ping", 5s);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->data(), "pong");
}

TEST(ClientTls, ServerRequiringTlsUpgradesAClientWithoutTlsOptions) {
  // No CA given: the system roots cannot vouch for the test CA, so the upgrade happens and the
  // certificate check fails, rather than the client talking in plain text.
  Status s = connect_status(test_options());
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("certificate verify failed"), std::string::npos) << s.to_string();
}

TEST(ClientTls, ForeignCaIsRefused) {
  Options o = test_options();
  o.tls.ca_file = cert_path("other-ca.pem");
  Status s = connect_status(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("certificate verify failed"), std::string::npos) << s.to_string();
}

TEST(ClientTls, WrongServerNameIsRefused) {
  Options o = tls_options();
  o.tls.server_name = "nats.example.com";
  Status s = connect_status(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("hostname mismatch"), std::string::npos) << s.to_string();
}

TEST(ClientTls, ServerNameFromTheCertificateIsAccepted) {
  Options o = tls_options();
  o.tls.server_name = "localhost";  // a DNS SAN of the server certificate
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  expect_round_trip(*nc, 100);
}

TEST(ClientTls, SkipVerifyAcceptsAnyCertificate) {
  Options o = test_options();
  o.tls.skip_verify = true;
  o.tls.secure = true;
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  expect_round_trip(*nc, 100);
}

TEST(ClientTls, TlsUrlSchemeAsksForTls) {
  Options o = tls_options();
  o.servers = {"tls://127.0.0.1:" + std::to_string(server_port())};
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  EXPECT_EQ(nc->connected_url(), o.servers[0]);
}

TEST(ClientTls, BadFilesFailBeforeAnyServerIsTried) {
  Options o = test_options();
  o.tls.ca_file = "/nonexistent/ca.pem";
  Status s = connect_status(o);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument) << s.to_string();
  EXPECT_NE(s.message().find("/nonexistent/ca.pem"), std::string::npos);

  Options mismatched = tls_options();
  mismatched.tls.cert_file = cert_path("alice.pem");
  mismatched.tls.key_file = cert_path("bob-key.pem");
  s = connect_status(mismatched);
  EXPECT_EQ(s.code(), Errc::kInvalidArgument) << s.to_string();
  EXPECT_NE(s.message().find("bob-key.pem"), std::string::npos) << s.to_string();

  Options half = tls_options();
  half.tls.cert_file = cert_path("alice.pem");
  EXPECT_EQ(connect_status(half).code(), Errc::kInvalidArgument);
}

TEST(ClientTls, ReconnectsOverTlsAndKeepsItsSubscription) {
  std::atomic<int> reconnects{0};
  Options o = tls_options();
  o.reconnected_cb = [&](Connection&) { ++reconnects; };
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  auto sub = nc->subscribe_sync("tls.after");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(nc->flush());
  ASSERT_TRUE(server_ctl("restart"));
  ASSERT_TRUE(wait_for([&] { return reconnects.load() == 1 && nc->is_connected(); }));
  EXPECT_EQ(nc->connected_url().rfind("tls://", 0), 0u);
  ASSERT_TRUE(nc->publish("tls.after", "again"));
  auto m = sub->next_msg(5s);
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ(m->data(), "again");
}

// ---- the server verifies clients (tls_verify.conf) ----

TEST(ClientTlsVerify, CertificateFromTheCaIsAccepted) {
  Options o = tls_options();
  o.tls.cert_file = cert_path("alice.pem");
  o.tls.key_file = cert_path("alice-key.pem");
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  expect_round_trip(*nc, 100);
}

TEST(ClientTlsVerify, NoCertificateIsRefused) { EXPECT_FALSE(connect_status(tls_options())); }

TEST(ClientTlsVerify, CertificateFromAForeignCaIsRefused) {
  Options o = tls_options();
  o.tls.cert_file = cert_path("mallory.pem");
  o.tls.key_file = cert_path("mallory-key.pem");
  EXPECT_FALSE(connect_status(o));
}

// ---- a server without TLS ----

TEST(ClientTlsPlainServer, SecureClientIsRefusedRatherThanSpeakingPlainText) {
  Options o = test_options();
  o.tls.secure = true;
  Status s = connect_status(o);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("secure connection not available"), std::string::npos)
      << s.to_string();
}

// ---- TLS before INFO (handshake_first.conf; natsd only: nats-server 2.9 lacks it) ----

TEST(ClientTlsFirst, HandshakeFirstConnects) {
  Options o = tls_options();
  o.tls.handshake_first = true;
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  expect_round_trip(*nc, 1000);
}

}  // namespace
}  // namespace nats::client::testing
