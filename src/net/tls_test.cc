#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "net/tls_context.h"
#include "net/tls_session.h"
#include "net/tls_test_certs.h"

namespace nats::net {
namespace {

using testing::CertSpec;
using testing::TestCa;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/nats-tls-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Two connected non-blocking sockets with small buffers, so writes do hit EAGAIN.
struct SocketPair {
  int a = -1, b = -1;
  SocketPair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    a = fds[0];
    b = fds[1];
    for (int fd : fds) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      int size = 8 * 1024;
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
  }
  ~SocketPair() {
    ::close(a);
    ::close(b);
  }
};

// Runs both handshakes to completion (or failure) by alternating them.
bool handshake(TlsSession& server, TlsSession& client, TlsIo* server_status = nullptr) {
  TlsIo s = TlsIo::kWantRead, c = TlsIo::kWantRead;
  for (int i = 0; i < 1000; ++i) {
    if (c != TlsIo::kDone && c != TlsIo::kError) c = client.handshake();
    if (s != TlsIo::kDone && s != TlsIo::kError) s = server.handshake();
    if (s == TlsIo::kError || c == TlsIo::kError) break;
    if (s == TlsIo::kDone && c == TlsIo::kDone) break;
  }
  if (server_status) *server_status = s;
  return s == TlsIo::kDone && c == TlsIo::kDone;
}

class TlsTest : public ::testing::Test {
 protected:
  TlsTest() : ca_(dir_.path()) {
    server_files_ = ca_.issue_localhost_server();
    server_settings_.cert_file = server_files_.cert_file;
    server_settings_.key_file = server_files_.key_file;
    client_settings_.ca_file = ca_.ca_file();
    client_settings_.server_name = "localhost";
  }
  std::shared_ptr<TlsContext> make(const TlsSettings& s, TlsContext::Role role) {
    std::string error;
    auto ctx = TlsContext::create(s, role, &error);
    EXPECT_NE(ctx, nullptr) << error;
    return ctx;
  }

  TempDir dir_;
  TestCa ca_;
  testing::CertFiles server_files_;
  TlsSettings server_settings_, client_settings_;
};

TEST_F(TlsTest, HandshakeAndEchoLargeGatheredWrites) {
  SocketPair sp;
  TlsSession server(make(server_settings_, TlsContext::Role::kServer), sp.a);
  TlsSession client(make(client_settings_, TlsContext::Role::kClient), sp.b);
  ASSERT_TRUE(handshake(server, client)) << server.last_error() << " / " << client.last_error();
  EXPECT_EQ(server.version(), "1.3");
  EXPECT_EQ(client.cipher_suite(), server.cipher_suite());
  EXPECT_TRUE(server.cipher_suite().starts_with("TLS_")) << server.cipher_suite();
  EXPECT_EQ(server.peer_certificate(), nullptr);  // verify is off: none asked for

  // 400 KB in 200 iovecs: the socket fills up (kWantWrite) long before it is all sent, and
  // the writer must resume exactly where it stopped.
  std::string expected;
  std::vector<std::string> pieces;
  for (int i = 0; i < 200; ++i) pieces.push_back(std::string(2000, char('a' + i % 26)) + "\n");
  for (auto& p : pieces) expected += p;
  size_t offset = 0;  // bytes of `expected` consumed by the writer
  std::string received;
  char buf[4096];
  int want_writes = 0;
  while (received.size() < expected.size()) {
    if (offset < expected.size() || server.pending_ciphertext() > 0) {
      // Re-gather from the unconsumed rest, as a connection's OutBuffer does.
      iovec iov[64];
      int cnt = 0;
      size_t skip = offset;
      for (auto& p : pieces) {
        if (skip >= p.size()) {
          skip -= p.size();
          continue;
        }
        iov[cnt].iov_base = p.data() + skip;
        iov[cnt].iov_len = p.size() - skip;
        skip = 0;
        if (++cnt == 64) break;
      }
      TlsIo st;
      offset += server.write(iov, cnt, st);
      ASSERT_TRUE(st == TlsIo::kDone || st == TlsIo::kWantWrite) << server.last_error();
      if (st == TlsIo::kWantWrite) ++want_writes;
    }
    for (;;) {
      TlsIo st;
      size_t n = client.read(buf, sizeof buf, st);
      if (n == 0) {
        ASSERT_EQ(st, TlsIo::kWantRead) << client.last_error();
        break;
      }
      received.append(buf, n);
    }
  }
  EXPECT_EQ(received, expected);
  EXPECT_GT(want_writes, 0);
}

TEST_F(TlsTest, VerifiedClientCertificateIdentity) {
  server_settings_.verify = true;
  server_settings_.ca_file = ca_.ca_file();
  CertSpec spec;
  spec.subject = {{"C", "US"}, {"O", "Acme, Inc"}, {"OU", "eng"}, {"CN", "alice"}};
  spec.emails = {"alice@example.com"};
  spec.dns_names = {"alice.example.com"};
  spec.uris = {"spiffe://example.com/alice"};
  spec.server = false;
  auto files = ca_.issue("alice", spec);
  client_settings_.cert_file = files.cert_file;
  client_settings_.key_file = files.key_file;

  SocketPair sp;
  TlsSession server(make(server_settings_, TlsContext::Role::kServer), sp.a);
  TlsSession client(make(client_settings_, TlsContext::Role::kClient), sp.b);
  ASSERT_TRUE(handshake(server, client)) << server.last_error() << " / " << client.last_error();
  auto pc = server.peer_certificate();
  ASSERT_NE(pc, nullptr);
  EXPECT_EQ(pc->subject, "CN=alice,OU=eng,O=Acme\\, Inc,C=US");
  ASSERT_EQ(pc->subject_rdns.size(), 4u);
  EXPECT_EQ(pc->subject_rdns[0], std::make_pair(std::string("C"), std::string("US")));
  EXPECT_EQ(pc->subject_rdns[3], std::make_pair(std::string("CN"), std::string("alice")));
  EXPECT_EQ(pc->emails, std::vector<std::string>{"alice@example.com"});
  EXPECT_EQ(pc->dns_names, std::vector<std::string>{"alice.example.com"});
  EXPECT_EQ(pc->uris, std::vector<std::string>{"spiffe://example.com/alice"});
  EXPECT_EQ(pc->subject_pk_sha256.size(), 64u);
  EXPECT_EQ(pc->cert_sha256.size(), 64u);
  EXPECT_NE(pc->subject_pk_sha256, pc->cert_sha256);
}

TEST_F(TlsTest, VerifyRefusesClientWithoutCertificate) {
  server_settings_.verify = true;
  server_settings_.ca_file = ca_.ca_file();
  SocketPair sp;
  TlsSession server(make(server_settings_, TlsContext::Role::kServer), sp.a);
  TlsSession client(make(client_settings_, TlsContext::Role::kClient), sp.b);
  TlsIo st;
  EXPECT_FALSE(handshake(server, client, &st));
  EXPECT_EQ(st, TlsIo::kError);
  EXPECT_NE(server.last_error().find("certificate"), std::string::npos) << server.last_error();
}

TEST_F(TlsTest, VerifyRefusesCertificateFromAnotherCa) {
  server_settings_.verify = true;
  server_settings_.ca_file = ca_.ca_file();
  TempDir other_dir;
  TestCa other(other_dir.path(), "someone else");
  CertSpec spec;
  spec.subject = {{"CN", "mallory"}};
  spec.server = false;
  auto files = other.issue("mallory", spec);
  client_settings_.cert_file = files.cert_file;
  client_settings_.key_file = files.key_file;
  SocketPair sp;
  TlsSession server(make(server_settings_, TlsContext::Role::kServer), sp.a);
  TlsSession client(make(client_settings_, TlsContext::Role::kClient), sp.b);
  TlsIo st;
  EXPECT_FALSE(handshake(server, client, &st));
  EXPECT_EQ(st, TlsIo::kError);
}

TEST_F(TlsTest, ClientRejectsServerNameMismatch) {
  client_settings_.server_name = "not-localhost.example";
  SocketPair sp;
  TlsSession server(make(server_settings_, TlsContext::Role::kServer), sp.a);
  TlsSession client(make(client_settings_, TlsContext::Role::kClient), sp.b);
  EXPECT_FALSE(handshake(server, client));
}

TEST_F(TlsTest, MinVersionAndCipherSuites) {
  // A TLS 1.2-only client against a server whose minimum is 1.3 fails; with 1.2 allowed it
  // negotiates the one suite configured.
  server_settings_.cipher_suites = {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"};
  {
    SocketPair sp;
    TlsSession server(make(server_settings_, TlsContext::Role::kServer), sp.a);
    auto cctx = make(client_settings_, TlsContext::Role::kClient);
    SSL_CTX_set_max_proto_version(cctx->native(), kTls12);
    TlsSession client(cctx, sp.b);
    ASSERT_TRUE(handshake(server, client)) << server.last_error();
    EXPECT_EQ(server.version(), "1.2");
    EXPECT_EQ(server.cipher_suite(), "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  }
  server_settings_.min_version = kTls13;
  {
    SocketPair sp;
    TlsSession server(make(server_settings_, TlsContext::Role::kServer), sp.a);
    auto cctx = make(client_settings_, TlsContext::Role::kClient);
    SSL_CTX_set_max_proto_version(cctx->native(), kTls12);
    TlsSession client(cctx, sp.b);
    EXPECT_FALSE(handshake(server, client));
  }
}

TEST_F(TlsTest, BadFilesAreReportedLikeNatsServer) {
  std::string error;
  TlsSettings s;
  s.cert_file = server_files_.cert_file;
  EXPECT_EQ(TlsContext::create(s, TlsContext::Role::kServer, &error), nullptr);
  EXPECT_EQ(error, "missing 'key_file' in TLS configuration");
  s.key_file = dir_.path() + "/nope.pem";
  EXPECT_EQ(TlsContext::create(s, TlsContext::Role::kServer, &error), nullptr);
  EXPECT_TRUE(error.starts_with("error parsing X509 certificate/key pair: ")) << error;
  s.key_file = server_files_.key_file;
  s.ca_file = dir_.path() + "/missing-ca.pem";
  EXPECT_EQ(TlsContext::create(s, TlsContext::Role::kServer, &error), nullptr);
}

TEST(TlsNames, GoNames) {
  uint16_t v = 0;
  EXPECT_TRUE(tls_version_from_string("1.2", v));
  EXPECT_EQ(v, kTls12);
  EXPECT_FALSE(tls_version_from_string("1.4", v));
  EXPECT_EQ(tls_version_name(kTls13), "1.3");
  EXPECT_TRUE(tls_cipher_known("TLS_AES_128_GCM_SHA256"));
  EXPECT_TRUE(tls_cipher_known("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
  EXPECT_FALSE(tls_cipher_known("ECDHE-RSA-AES128-GCM-SHA256"));
  EXPECT_TRUE(tls_cipher_is_insecure("TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
  EXPECT_FALSE(tls_cipher_is_insecure("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
  EXPECT_TRUE(tls_curve_known("CurveP256"));
  EXPECT_FALSE(tls_curve_known("P-256"));
}

}  // namespace
}  // namespace nats::net
