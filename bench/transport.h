// natsbench's byte streams: a plain TCP socket, or TLS (OpenSSL) over it once the server's INFO
// has been read. Independent of the server's own TLS code (src/net), so a bug there cannot hide
// here, and kept cheap so the server is what saturates.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <memory>
#include <string>

using SSL = struct ssl_st;
using SSL_CTX = struct ssl_ctx_st;

namespace natsbench {

// The TLS side of one natsbench run: a CA and a server certificate it signed (EC P-256, written as
// PEM into `dir` for the servers' `tls {}` block), and the client contexts that trust that CA.
// Created once by main before any workload; its contexts are shared read-only by every thread.
class TlsClient {
 public:
  // Writes dir/ca.pem, dir/server.pem and dir/server-key.pem (SAN 127.0.0.1 and localhost) and
  // sets up the contexts: TLS 1.3 only, TLS_AES_128_GCM_SHA256 offered first (what nats-server
  // picks), server certificate verified. Empty result and `err` set on failure.
  static std::unique_ptr<TlsClient> create(const std::string& dir, std::string& err);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  const std::string& ca_file() const { return ca_file_; }
  const std::string& cert_file() const { return cert_file_; }
  const std::string& key_file() const { return key_file_; }

  // For the few busy connections of a throughput workload: read-ahead into a large record buffer
  // (one recv() takes many records), partial writes (one record per SSL_write return).
  SSL_CTX* bulk() const { return bulk_; }
  // For thousands of idle connections: OpenSSL's buffers freed while idle, so natsbench itself
  // stays small.
  SSL_CTX* idle() const { return idle_; }

 private:
  TlsClient() = default;

  std::string ca_file_, cert_file_, key_file_;
  SSL_CTX* bulk_ = nullptr;
  SSL_CTX* idle_ = nullptr;
};

// One connection's transport. Owns the socket and, after start_tls(), the SSL session. Owned by
// one thread at a time (an SSL object must not be read and written from two threads).
//
// recv() and send() behave as recv(2)/send(2): > 0 bytes, 0 on orderly close (recv), or -1 with
// errno EAGAIN when the socket would block (or its SO_RCVTIMEO expired), another errno on error.
// Plain sockets go straight to the system calls, so the plain workloads cost what they did before
// TLS existed.
class Transport {
 public:
  explicit Transport(int fd) : fd_(fd) {}
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int fd() const { return fd_; }
  bool is_tls() const { return ssl_ != nullptr; }

  ssize_t recv(char* p, size_t n) {
    if (ssl_ == nullptr) return ::recv(fd_, p, n, 0);
    return tls_recv(p, n);
  }
  ssize_t send(const char* p, size_t n) {
    if (ssl_ == nullptr) return ::send(fd_, p, n, MSG_NOSIGNAL);
    return tls_send(p, n);
  }

  // True when the last recv() filled the caller's buffer while TLS still held undelivered
  // records: call recv() again without waiting for the socket, which may have nothing to say.
  bool more() const { return more_; }
  // What to poll() for after send() returned EAGAIN: POLLOUT, or POLLIN when TLS must read first.
  short send_wait_events() const { return send_wait_; }
  // True after send() returned EAGAIN on TLS: OpenSSL holds an encrypted record of that data, and
  // the next send() must pass the same bytes again (at least as many), not a PONG.
  bool write_pending() const { return write_pending_; }

  // Begins the TLS client handshake on the socket (blocking or not); then call handshake().
  bool start_tls(SSL_CTX* ctx, std::string& err);
  enum class Step { kDone, kWantRead, kWantWrite, kFailed };
  // One step of SSL_connect. On kFailed, err says why.
  Step handshake(std::string& err);
  // The negotiated cipher suite, e.g. "TLS_AES_128_GCM_SHA256"; empty for a plain connection.
  std::string cipher() const;

 private:
  ssize_t tls_recv(char* p, size_t n);
  ssize_t tls_send(const char* p, size_t n);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool more_ = false;
  bool write_pending_ = false;
  short send_wait_ = POLLOUT;
};

}  // namespace natsbench
