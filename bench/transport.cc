#include "transport.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace natsbench {

namespace {

// With read-ahead, one recv() fills this much of OpenSSL's record buffer: a busy subscriber takes
// many 16 KB records per system call, as the plain path takes 256 KB per recv().
constexpr size_t kTlsReadAheadBytes = 256 * 1024;
// The certificates outlive any run by far; the start is backdated against clock skew.
constexpr long kCertValiditySecs = 7 * 24 * 3600;
constexpr long kCertBackdateSecs = 3600;
// TLS_AES_128_GCM_SHA256 first: what nats-server (Go) picks on AES-NI hardware whatever the client
// offers, so natsd (OpenSSL, client's order) is measured with the same cipher.
constexpr char kCipherSuites[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

std::string ssl_errors() {
  std::string out;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named O=natsbench/CN=`cn`, signed by issuer (itself when null).
Cert make_cert(EVP_PKEY* key, const char* cn, long serial, X509* issuer, EVP_PKEY* issuer_key,
               const std::vector<std::pair<int, const char*>>& exts) {
  Cert cert(X509_new());
  if (!cert) return nullptr;
  X509* c = cert.get();
  X509_set_version(c, 2);  // v3
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
  X509_gmtime_adj(X509_getm_notBefore(c), -kCertBackdateSecs);
  X509_gmtime_adj(X509_getm_notAfter(c), kCertValiditySecs);
  X509_set_pubkey(c, key);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("natsbench"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : c;
  X509_set_issuer_name(c, X509_get_subject_name(signer));
  for (const auto& [nid, value] : exts) {
    if (!add_ext(c, signer, nid, value)) return nullptr;
  }
  if (X509_sign(c, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0) return nullptr;
  return cert;
}

bool write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = cert != nullptr
                      ? PEM_write_X509(f, cert) == 1
                      : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  return std::fclose(f) == 0 && ok;
}

SSL_CTX* new_client_ctx(const std::string& ca_file, bool idle) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return nullptr;
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  if (SSL_CTX_set_ciphersuites(ctx, kCipherSuites) != 1 ||
      SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    SSL_CTX_free(ctx);
    return nullptr;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // Every connection pays a full handshake, as the first connection of a client does.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  // Partial writes: SSL_write returns after each record, so send() can report progress as
  // send(2) does; the publisher retries from batch + offset, hence the moving buffer.
  long mode = SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
  if (idle) {
    mode |= SSL_MODE_RELEASE_BUFFERS;
  } else {
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_default_read_buffer_len(ctx, kTlsReadAheadBytes);
  }
  SSL_CTX_set_mode(ctx, mode);
  return ctx;
}

}  // namespace

std::unique_ptr<TlsClient> TlsClient::create(const std::string& dir, std::string& err) {
  std::unique_ptr<TlsClient> t(new TlsClient);
  t->ca_file_ = dir + "/ca.pem";
  t->cert_file_ = dir + "/server.pem";
  t->key_file_ = dir + "/server-key.pem";
  Key ca_key(EVP_EC_gen("P-256"));
  Key server_key(EVP_EC_gen("P-256"));
  if (!ca_key || !server_key) {
    err = "EC key generation: " + ssl_errors();
    return nullptr;
  }
  Cert ca = make_cert(ca_key.get(), "natsbench CA", 1, nullptr, nullptr,
                      {{NID_basic_constraints, "critical,CA:TRUE"},
                       {NID_key_usage, "critical,keyCertSign,cRLSign"},
                       {NID_subject_key_identifier, "hash"}});
  Cert server = ca ? make_cert(server_key.get(), "localhost", 2, ca.get(), ca_key.get(),
                               {{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                                {NID_ext_key_usage, "serverAuth"},
                                {NID_key_usage, "critical,digitalSignature"}})
                   : nullptr;
  if (!ca || !server) {
    err = "certificate: " + ssl_errors();
    return nullptr;
  }
  if (!write_pem(t->ca_file_, ca.get(), nullptr) ||
      !write_pem(t->cert_file_, server.get(), nullptr) ||
      !write_pem(t->key_file_, nullptr, server_key.get())) {
    err = "cannot write the certificates in " + dir;
    return nullptr;
  }
  t->bulk_ = new_client_ctx(t->ca_file_, false);
  t->idle_ = new_client_ctx(t->ca_file_, true);
  if (t->bulk_ == nullptr || t->idle_ == nullptr) {
    err = "client TLS context: " + ssl_errors();
    return nullptr;
  }
  return t;
}

TlsClient::~TlsClient() {
  SSL_CTX_free(bulk_);
  SSL_CTX_free(idle_);
}

Transport::~Transport() {
  SSL_free(ssl_);  // no close_notify: the server sees the connection drop, as on a client crash
  if (fd_ >= 0) close(fd_);
}

bool Transport::start_tls(SSL_CTX* ctx, std::string& err) {
  ssl_ = SSL_new(ctx);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1 ||
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1") != 1) {
    err = "SSL_new: " + ssl_errors();
    return false;
  }
  SSL_set_connect_state(ssl_);
  return true;
}

Transport::Step Transport::handshake(std::string& err) {
  ERR_clear_error();
  const int r = SSL_connect(ssl_);
  if (r == 1) return Step::kDone;
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_, r)) {
    case SSL_ERROR_WANT_READ:
      return Step::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Step::kWantWrite;
    case SSL_ERROR_SYSCALL:
      err = saved_errno != 0 ? std::string("TLS handshake: ") + std::strerror(saved_errno)
                             : "TLS handshake: connection closed by the server";
      return Step::kFailed;
    default:
      err = "TLS handshake: " + ssl_errors();
      if (long v = SSL_get_verify_result(ssl_); v != X509_V_OK) {
        err += std::string(" (") + X509_verify_cert_error_string(v) + ")";
      }
      return Step::kFailed;
  }
}

std::string Transport::cipher() const { return ssl_ != nullptr ? SSL_get_cipher_name(ssl_) : ""; }

ssize_t Transport::tls_recv(char* p, size_t n) {
  more_ = false;
  size_t got = 0;
  // SSL_read returns one record at a time; take what read-ahead already holds, but never go back
  // to the socket (it may be blocking) once something was read.
  while (got < n) {
    const int r = SSL_read(ssl_, p + got, static_cast<int>(std::min<size_t>(n - got, INT_MAX)));
    const int saved_errno = errno;
    if (r > 0) {
      got += static_cast<size_t>(r);
      if (SSL_has_pending(ssl_) != 1) break;
      continue;
    }
    const int e = SSL_get_error(ssl_, r);
    ERR_clear_error();
    if (got > 0) break;  // report the error on the next call
    switch (e) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        errno = EAGAIN;
        return -1;
      case SSL_ERROR_ZERO_RETURN:  // close_notify
        return 0;
      case SSL_ERROR_SYSCALL:
        if (saved_errno == 0) return 0;  // EOF without close_notify
        errno = saved_errno;
        return -1;
      default:
        errno = EPROTO;
        return -1;
    }
  }
  more_ = got == n && SSL_has_pending(ssl_) == 1;
  return static_cast<ssize_t>(got);
}

ssize_t Transport::tls_send(const char* p, size_t n) {
  const int r = SSL_write(ssl_, p, static_cast<int>(std::min<size_t>(n, INT_MAX)));
  write_pending_ = false;
  if (r > 0) return r;
  const int saved_errno = errno;
  const int e = SSL_get_error(ssl_, r);
  ERR_clear_error();
  switch (e) {
    case SSL_ERROR_WANT_WRITE:
      send_wait_ = POLLOUT;
      write_pending_ = true;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_WANT_READ:
      send_wait_ = POLLIN;
      write_pending_ = true;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_SYSCALL:
      errno = saved_errno != 0 ? saved_errno : EPIPE;
      return -1;
    default:
      errno = EPROTO;
      return -1;
  }
}

}  // namespace natsbench
