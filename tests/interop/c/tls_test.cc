// TLS as nats.c observes it, against a server started with one of the configs that
// tests/interop/tls/make_certs.sh writes (INTEROP_TLS_DIR, made by a CTest fixture):
//   InteropTls.*           tls.conf: TLS required; traffic, refusals, the client's own CA check
//   InteropTlsVerify.*     tls_verify.conf: a client certificate from the test CA is required
//   InteropTlsMap.*        tls_map.conf: verify_and_map, users named by e-mail SAN and by DN
//   InteropTlsReconnect.*  tls.conf: the server restarts and a TLS client reconnects
//   InteropTlsPlainServer.*  no config: a server without TLS refuses a client that wants it
// Clients connect to nats://127.0.0.1:PORT with natsOptions_SetSecure; the server certificate
// carries IP:127.0.0.1 and DNS:localhost.

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "interop_env.h"

namespace interop {
namespace {

std::string tls_dir() {
  const char* dir = std::getenv("INTEROP_TLS_DIR");
  if (dir == nullptr || *dir == '\0') {
    ADD_FAILURE() << "INTEROP_TLS_DIR is not set: run through ctest (fixture interop_tls_certs)";
    return "tls-certs";
  }
  return dir;
}

// Options for a TLS client that trusts `ca` (a file in tls_dir()) and, when `identity` is not
// empty, presents <identity>.pem with <identity>-key.pem. Null (and a test failure) on error.
OptsPtr tls_options(const std::string& name, const std::string& ca = "ca",
                    const std::string& identity = "") {
  OptsPtr opts = make_options(name);
  if (!opts) return nullptr;
  const std::string dir = tls_dir() + "/";
  natsStatus s = natsOptions_SetSecure(opts.get(), true);
  if (s == NATS_OK) {
    s = natsOptions_LoadCATrustedCertificates(opts.get(), (dir + ca + ".pem").c_str());
  }
  if (s == NATS_OK && !identity.empty()) {
    s = natsOptions_LoadCertificatesChain(opts.get(), (dir + identity + ".pem").c_str(),
                                          (dir + identity + "-key.pem").c_str());
  }
  if (s != NATS_OK) {
    ADD_FAILURE() << "TLS options for " << name << ": " << natsStatus_GetText(s) << " ("
                  << last_error() << ")";
    return nullptr;
  }
  return opts;
}

// A connection attempt that is expected to fail: no reconnects, the status and error text.
struct Refusal {
  natsStatus status = NATS_OK;
  std::string error;
};
Refusal try_connect(natsOptions* opts) {
  natsOptions_SetAllowReconnect(opts, false);
  natsConnection* nc = nullptr;
  Refusal r;
  r.status = natsConnection_Connect(&nc, opts);
  r.error = last_error();
  natsConnection_Destroy(nc);
  return r;
}

// A refusal in the TLS layer: the server closes the connection during or right after the
// handshake (TLS 1.3 clients learn of it on their first read or write), never with -ERR. nats.c
// reports it as NATS_PROTOCOL_ERROR ("Expected 'PONG', got ''"), NATS_IO_ERROR (SSL_write) or
// NATS_SSL_ERROR, depending on timing.
void expect_tls_refusal(const Refusal& r) {
  EXPECT_TRUE(r.status == NATS_PROTOCOL_ERROR || r.status == NATS_IO_ERROR ||
              r.status == NATS_SSL_ERROR || r.status == NATS_CONNECTION_CLOSED)
      << natsStatus_GetText(r.status) << " (" << r.error << ")";
  EXPECT_EQ(r.error.find("Authorization"), std::string::npos) << r.error;
}

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

// Answers each request with "re:" + its payload.
void echo_responder(natsConnection* nc, natsSubscription*, natsMsg* req, void* closure) {
  std::string body = "re:" + data_of(req);
  natsConnection_Publish(nc, natsMsg_GetReply(req), body.data(), static_cast<int>(body.size()));
  static_cast<std::atomic<int>*>(closure)->fetch_add(1);
  natsMsg_Destroy(req);
}

// Answers each request with its own payload.
void mirror(natsConnection* nc, natsSubscription*, natsMsg* req, void*) {
  natsConnection_Publish(nc, natsMsg_GetReply(req), natsMsg_GetData(req),
                         natsMsg_GetDataLength(req));
  natsMsg_Destroy(req);
}

// Collects the asynchronous errors nats.c reports (permission violations). The handler runs on
// a nats.c thread.
class ErrorLog {
 public:
  static void handler(natsConnection* nc, natsSubscription*, natsStatus s, void* closure) {
    auto* self = static_cast<ErrorLog*>(closure);
    const char* detail = nullptr;
    natsConnection_GetLastError(nc, &detail);
    std::lock_guard lock(self->mu_);
    self->text_ += std::string(natsStatus_GetText(s)) + ": " + (detail ? detail : "") + "\n";
  }
  std::string get() {
    std::lock_guard lock(mu_);
    return text_;
  }
  // Waits until `text` was reported. One violation at a time: nats.c's handler reads the
  // connection's *last* error, so two -ERRs arriving together would both show the second text.
  bool wait_for(const std::string& text) {
    return wait_until([&] { return get().find(text) != std::string::npos; }, 5s);
  }

 private:
  std::mutex mu_;
  std::string text_;
};

// ---- tls.conf ----------------------------------------------------------------------------------

TEST(InteropTls, PubSubAndRequestReplyOverTls) {
  OptsPtr pub_opts = tls_options("tls-pub");
  OptsPtr sub_opts = tls_options("tls-sub");
  ASSERT_TRUE(pub_opts && sub_opts);
  ConnPtr pub = connect("tls-pub", pub_opts.get());
  ConnPtr subc = connect("tls-sub", sub_opts.get());
  ASSERT_TRUE(pub && subc);
  SubPtr sub = subscribe_sync(subc.get(), "tls.data");
  ASSERT_TRUE(sub);

  const std::vector<std::string> payloads = {"hello", "", std::string("b\0\r\n\xff", 5),
                                             "MSG fake 1 2\r\n"};
  for (const auto& p : payloads) {
    ASSERT_NATS_OK(
        natsConnection_Publish(pub.get(), "tls.data", p.data(), static_cast<int>(p.size())));
  }
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), kFlushTimeoutMs));
  for (size_t i = 0; i < payloads.size(); ++i) {
    MsgPtr msg;
    ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg));
    EXPECT_STREQ(natsMsg_GetSubject(msg.get()), "tls.data");
    EXPECT_EQ(data_of(msg.get()), payloads[i]) << "payload " << i;
  }

  std::atomic<int> served{0};
  natsSubscription* raw = nullptr;
  ASSERT_NATS_OK(natsConnection_Subscribe(&raw, subc.get(), "tls.echo", echo_responder, &served));
  SubPtr service(raw);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(subc.get(), kFlushTimeoutMs));
  for (int i = 0; i < 100; ++i) {
    std::string body = "q" + std::to_string(i);
    natsMsg* reply = nullptr;
    ASSERT_NATS_OK(natsConnection_Request(&reply, pub.get(), "tls.echo", body.data(),
                                          static_cast<int>(body.size()), kMsgTimeoutMs));
    MsgPtr owned(reply);
    EXPECT_EQ(data_of(reply), "re:" + body);
  }
  EXPECT_EQ(served.load(), 100);
}

TEST(InteropTls, OneMegabytePayloadsOverTls) {
  constexpr int kMessages = 4;
  OptsPtr pub_opts = tls_options("tls-mb-pub");
  OptsPtr sub_opts = tls_options("tls-mb-sub");
  ASSERT_TRUE(pub_opts && sub_opts);
  ConnPtr pub = connect("tls-mb-pub", pub_opts.get());
  ConnPtr subc = connect("tls-mb-sub", sub_opts.get());
  ASSERT_TRUE(pub && subc);
  EXPECT_EQ(natsConnection_GetMaxPayload(pub.get()), kDefaultMaxPayload);
  SubPtr sub = subscribe_sync(subc.get(), "tls.mb");
  ASSERT_TRUE(sub);
  std::vector<std::string> sent;
  for (int i = 0; i < kMessages; ++i) {
    sent.push_back(random_bytes(kDefaultMaxPayload, 200 + i));
    ASSERT_NATS_OK(natsConnection_Publish(pub.get(), "tls.mb", sent.back().data(),
                                          static_cast<int>(sent.back().size())));
  }
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), 30000));
  for (int i = 0; i < kMessages; ++i) {
    MsgPtr msg;
    ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg, 15000));
    ASSERT_EQ(natsMsg_GetDataLength(msg.get()), kDefaultMaxPayload);
    EXPECT_TRUE(data_of(msg.get()) == sent[i]) << "payload " << i << " corrupted";
  }

  // 1 MB each way through request/reply.
  natsSubscription* raw = nullptr;
  ASSERT_NATS_OK(natsConnection_Subscribe(&raw, subc.get(), "tls.mirror", mirror, nullptr));
  SubPtr svc(raw);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(subc.get(), kFlushTimeoutMs));
  for (int i = 0; i < 2; ++i) {
    natsMsg* reply = nullptr;
    ASSERT_NATS_OK(natsConnection_Request(&reply, pub.get(), "tls.mirror", sent[i].data(),
                                          static_cast<int>(sent[i].size()), 15000));
    MsgPtr owned(reply);
    EXPECT_TRUE(data_of(reply) == sent[i]) << "mirrored payload " << i << " corrupted";
  }
}

TEST(InteropTls, TenThousandInOrderOverTls) {
  constexpr int kMessages = 10000;
  OptsPtr pub_opts = tls_options("tls-order-pub");
  OptsPtr sub_opts = tls_options("tls-order-sub");
  ASSERT_TRUE(pub_opts && sub_opts);
  ConnPtr pub = connect("tls-order-pub", pub_opts.get());
  ConnPtr subc = connect("tls-order-sub", sub_opts.get());
  ASSERT_TRUE(pub && subc);
  SubPtr sub = subscribe_sync(subc.get(), "tls.order");
  ASSERT_TRUE(sub);
  ASSERT_NATS_OK(natsSubscription_SetPendingLimits(sub.get(), -1, -1));
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "tls.order", std::to_string(i).c_str()));
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

TEST(InteropTls, PlainTextClientGetsNoAnswer) {
  // nats.c always upgrades when INFO says tls_required, so a raw socket plays the plain client.
  RawConn raw;
  ASSERT_TRUE(raw.ok());
  std::string info;
  ASSERT_TRUE(raw.read_line(&info, 5s)) << "no INFO from the server";
  ASSERT_EQ(info.rfind("INFO ", 0), 0u) << info;
  EXPECT_NE(info.find("\"tls_required\":true"), std::string::npos) << info;
  ASSERT_TRUE(raw.send_all("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n"));
  // The server expected a TLS ClientHello: it closes without a protocol answer.
  std::string line;
  while (raw.read_line(&line, 2s)) {
    EXPECT_NE(line.rfind("PONG", 0), 0u) << "the server answered a plain-text client";
  }
  uint64_t bytes = 0;
  RawConn::CloseKind how = raw.drain_until_closed(10s, &bytes);
  EXPECT_NE(how, RawConn::CloseKind::kTimeout) << "the server kept the plain-text client open";
}

TEST(InteropTls, ClientWithoutTlsOptionsUpgradesAndChecksTheServer) {
  // nats.c 3.4 switches to TLS by itself when INFO says tls_required (it no longer fails with
  // NATS_SECURE_CONNECTION_REQUIRED), and then verifies the server like any TLS client: with no
  // trusted CA loaded, the test CA is unknown and the handshake fails.
  OptsPtr bare = make_options("tls-no-options");
  ASSERT_TRUE(bare);
  Refusal r = try_connect(bare.get());
  EXPECT_EQ(r.status, NATS_SSL_ERROR) << natsStatus_GetText(r.status) << " (" << r.error << ")";
  EXPECT_NE(r.error.find("SSL handshake error"), std::string::npos) << r.error;

  // Trusting the test CA is enough: no natsOptions_SetSecure needed.
  OptsPtr ca_only = make_options("tls-ca-only");
  ASSERT_TRUE(ca_only);
  ASSERT_NATS_OK(
      natsOptions_LoadCATrustedCertificates(ca_only.get(), (tls_dir() + "/ca.pem").c_str()));
  ConnPtr nc = connect("tls-ca-only", ca_only.get());
  ASSERT_TRUE(nc);
  EXPECT_NATS_OK(natsConnection_FlushTimeout(nc.get(), kFlushTimeoutMs));
}

TEST(InteropTls, ClientThatDoesNotTrustTheServerCaFails) {
  OptsPtr opts = tls_options("tls-wrong-ca", "other-ca");
  ASSERT_TRUE(opts);
  Refusal r = try_connect(opts.get());
  EXPECT_EQ(r.status, NATS_SSL_ERROR) << natsStatus_GetText(r.status) << " (" << r.error << ")";
  EXPECT_NE(r.error.find("SSL handshake error"), std::string::npos) << r.error;

  // The same client trusting the right CA gets in: only the trust anchor made the difference.
  OptsPtr good = tls_options("tls-right-ca");
  ASSERT_TRUE(good);
  ConnPtr nc = connect("tls-right-ca", good.get());
  ASSERT_TRUE(nc);
  EXPECT_NATS_OK(natsConnection_FlushTimeout(nc.get(), kFlushTimeoutMs));
}

// A server sends the chain its cert_file holds, not one completed from ca_file: a client that
// doesn't trust the CA fails on the leaf ("unable to get local issuer certificate"), not on a
// self-signed CA it was sent.
TEST(InteropTls, ServerSendsOnlyItsOwnCertificate) {
  OptsPtr opts = tls_options("tls-chain", "other-ca");
  ASSERT_TRUE(opts);
  Refusal r = try_connect(opts.get());
  ASSERT_EQ(r.status, NATS_SSL_ERROR) << r.error;
  EXPECT_NE(r.error.find("unable to get local issuer certificate"), std::string::npos) << r.error;
}

// ---- tls_verify.conf ---------------------------------------------------------------------------

TEST(InteropTlsVerify, CertificateFromTheCaIsAccepted) {
  for (const char* who : {"alice", "bob"}) {
    SCOPED_TRACE(who);
    OptsPtr opts = tls_options(std::string("verify-") + who, "ca", who);
    ASSERT_TRUE(opts);
    ConnPtr nc = connect(std::string("verify-") + who, opts.get());
    ASSERT_TRUE(nc);
    SubPtr sub = subscribe_sync(nc.get(), "verify.self");
    ASSERT_TRUE(sub);
    ASSERT_NATS_OK(natsConnection_PublishString(nc.get(), "verify.self", who));
    MsgPtr msg;
    ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg));
    EXPECT_EQ(data_of(msg.get()), who);
  }
}

TEST(InteropTlsVerify, NoCertificateIsRefused) {
  OptsPtr opts = tls_options("verify-anonymous");
  ASSERT_TRUE(opts);
  expect_tls_refusal(try_connect(opts.get()));
}

TEST(InteropTlsVerify, CertificateFromAForeignCaIsRefused) {
  OptsPtr opts = tls_options("verify-mallory", "ca", "mallory");
  ASSERT_TRUE(opts);
  expect_tls_refusal(try_connect(opts.get()));
}

// ---- tls_map.conf ------------------------------------------------------------------------------

TEST(InteropTlsMap, EmailIdentityGetsItsPermissions) {
  ErrorLog errors;
  OptsPtr opts = tls_options("map-alice", "ca", "alice");
  ASSERT_TRUE(opts);
  ASSERT_NATS_OK(natsOptions_SetErrorHandler(opts.get(), &ErrorLog::handler, &errors));
  ConnPtr alice = connect("map-alice", opts.get());
  ASSERT_TRUE(alice);
  SubPtr own = subscribe_sync(alice.get(), "alice.inbox");
  SubPtr watch = subscribe_sync(alice.get(), "bob.>");  // alice may subscribe to anything
  ASSERT_TRUE(own && watch);

  // A publish outside alice.> is a violation reported to the error handler, not delivered.
  ASSERT_NATS_OK(natsConnection_PublishString(alice.get(), "bob.forged", "from alice"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(alice.get(), kFlushTimeoutMs));
  EXPECT_TRUE(errors.wait_for("Permissions Violation for Publish to \"bob.forged\""))
      << errors.get();
  EXPECT_FALSE(natsConnection_IsClosed(alice.get()));

  ASSERT_NATS_OK(natsConnection_PublishString(alice.get(), "alice.inbox", "mine"));
  MsgPtr msg;
  ASSERT_NO_FATAL_FAILURE(next_msg(own.get(), &msg));
  EXPECT_EQ(data_of(msg.get()), "mine");
  ASSERT_NATS_OK(natsConnection_FlushTimeout(alice.get(), kFlushTimeoutMs));
  EXPECT_EQ(in_msgs(alice.get()), 1u) << "the forged publish was delivered";

  // The user name in CONNECT does not matter: the certificate names the user.
  OptsPtr other = tls_options("map-alice-as-bob", "ca", "alice");
  ASSERT_TRUE(other);
  ASSERT_NATS_OK(natsOptions_SetUserInfo(other.get(), "CN=bob,OU=ops,O=Acme,C=US", ""));
  ConnPtr alice2 = connect("map-alice-as-bob", other.get());
  ASSERT_TRUE(alice2);
  ASSERT_NATS_OK(natsConnection_PublishString(alice2.get(), "alice.inbox", "still alice"));
  ASSERT_NO_FATAL_FAILURE(next_msg(own.get(), &msg));
  EXPECT_EQ(data_of(msg.get()), "still alice");
}

TEST(InteropTlsMap, DnIdentityGetsItsPermissions) {
  ErrorLog errors;
  OptsPtr opts = tls_options("map-bob", "ca", "bob");
  ASSERT_TRUE(opts);
  ASSERT_NATS_OK(natsOptions_SetErrorHandler(opts.get(), &ErrorLog::handler, &errors));
  ConnPtr bob = connect("map-bob", opts.get());
  ASSERT_TRUE(bob);
  OptsPtr alice_opts = tls_options("map-alice-watcher", "ca", "alice");
  ASSERT_TRUE(alice_opts);
  ConnPtr alice = connect("map-alice-watcher", alice_opts.get());
  ASSERT_TRUE(alice);
  SubPtr watch = subscribe_sync(alice.get(), "bob.news");
  SubPtr own = subscribe_sync(bob.get(), "bob.news");
  ASSERT_TRUE(watch && own);

  // bob may publish bob.>; both subscribers get it.
  ASSERT_NATS_OK(natsConnection_PublishString(bob.get(), "bob.news", "hi"));
  MsgPtr msg;
  ASSERT_NO_FATAL_FAILURE(next_msg(watch.get(), &msg));
  EXPECT_EQ(data_of(msg.get()), "hi");
  ASSERT_NO_FATAL_FAILURE(next_msg(own.get(), &msg));
  EXPECT_EQ(data_of(msg.get()), "hi");

  // bob may not publish to alice.> ...
  ASSERT_NATS_OK(natsConnection_PublishString(bob.get(), "alice.inbox", "forged"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(bob.get(), kFlushTimeoutMs));
  EXPECT_TRUE(errors.wait_for("Permissions Violation for Publish to \"alice.inbox\""))
      << errors.get();
  // ... nor subscribe outside bob.> and _INBOX.>.
  natsSubscription* denied = nullptr;
  ASSERT_NATS_OK(natsConnection_SubscribeSync(&denied, bob.get(), "alice.inbox"));
  SubPtr denied_sub(denied);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(bob.get(), kFlushTimeoutMs));
  EXPECT_TRUE(errors.wait_for("Permissions Violation for Subscription to \"alice.inbox\""))
      << errors.get();
  EXPECT_FALSE(natsConnection_IsClosed(bob.get()));

  // Nothing alice publishes on alice.inbox reaches bob's denied subscription.
  ASSERT_NATS_OK(natsConnection_PublishString(alice.get(), "alice.inbox", "private"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(alice.get(), kFlushTimeoutMs));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(bob.get(), kFlushTimeoutMs));
  EXPECT_EQ(in_msgs(bob.get()), 1u) << "bob received more than his own bob.news";
}

TEST(InteropTlsMap, ForeignCaAndNoCertificateAreRefused) {
  // mallory's certificate carries alice's e-mail, but no trusted CA signed it.
  OptsPtr mallory = tls_options("map-mallory", "ca", "mallory");
  ASSERT_TRUE(mallory);
  expect_tls_refusal(try_connect(mallory.get()));

  OptsPtr anonymous = tls_options("map-anonymous");
  ASSERT_TRUE(anonymous);
  expect_tls_refusal(try_connect(anonymous.get()));
}

// ---- a server without TLS -----------------------------------------------------------------------

TEST(InteropTlsPlainServer, SecureClientIsRefusedByAServerWithoutTls) {
  OptsPtr opts = tls_options("tls-wanted");
  ASSERT_TRUE(opts);
  Refusal r = try_connect(opts.get());
  EXPECT_EQ(r.status, NATS_SECURE_CONNECTION_WANTED)
      << natsStatus_GetText(r.status) << " (" << r.error << ")";
}

// ---- reconnect, tls.conf -----------------------------------------------------------------------

TEST(InteropTlsReconnect, TlsClientReconnectsAndKeepsItsSubscription) {
  ReconnectingConn pub("tls-reconnect-pub", tls_options("tls-reconnect-pub"));
  ReconnectingConn subc("tls-reconnect-sub", tls_options("tls-reconnect-sub"));
  ASSERT_TRUE(pub && subc);
  SubPtr sub = subscribe_sync(subc.get(), "tls.rc");
  SubPtr self = subscribe_sync(subc.get(), "tls.rc.self");
  ASSERT_TRUE(sub && self);
  ASSERT_NATS_OK(natsConnection_PublishString(pub.get(), "tls.rc", "before"));
  MsgPtr msg;
  ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg));
  EXPECT_EQ(data_of(msg.get()), "before");

  ASSERT_EQ(server_ctl("stop"), 0) << "could not stop the server";
  ASSERT_TRUE(pub.events().disconnected.wait_for(1, 10s)) << "publisher saw no disconnect";
  ASSERT_TRUE(subc.events().disconnected.wait_for(1, 10s)) << "subscriber saw no disconnect";
  // Buffered while disconnected; sent after the TLS handshake and the resent SUBs.
  ASSERT_NATS_OK(natsConnection_PublishString(subc.get(), "tls.rc.self", "buffered"));

  ASSERT_EQ(server_ctl("start"), 0) << "could not start the server again on the same port";
  ASSERT_TRUE(pub.events().reconnected.wait_for(1, 15s)) << "publisher did not reconnect";
  ASSERT_TRUE(subc.events().reconnected.wait_for(1, 15s)) << "subscriber did not reconnect";
  EXPECT_EQ(natsConnection_Status(pub.get()), NATS_CONN_STATUS_CONNECTED);
  EXPECT_EQ(natsConnection_Status(subc.get()), NATS_CONN_STATUS_CONNECTED);
  EXPECT_EQ(pub.events().reconnected.count(), 1u);
  EXPECT_EQ(subc.events().reconnected.count(), 1u);
  EXPECT_EQ(pub.events().closed.count(), 0u);

  ASSERT_NO_FATAL_FAILURE(next_msg(self.get(), &msg));
  EXPECT_EQ(data_of(msg.get()), "buffered");

  // The subscription made before the restart still receives, in order.
  ASSERT_NATS_OK(natsConnection_FlushTimeout(subc.get(), kFlushTimeoutMs));
  for (int i = 0; i < 100; ++i) {
    ASSERT_NATS_OK(
        natsConnection_PublishString(pub.get(), "tls.rc", ("after-" + std::to_string(i)).c_str()));
  }
  ASSERT_NATS_OK(natsConnection_FlushTimeout(pub.get(), kFlushTimeoutMs));
  for (int i = 0; i < 100; ++i) {
    ASSERT_NO_FATAL_FAILURE(next_msg(sub.get(), &msg));
    EXPECT_EQ(data_of(msg.get()), "after-" + std::to_string(i));
  }
}

}  // namespace
}  // namespace interop
