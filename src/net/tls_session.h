#pragma once
// One TLS connection over a non-blocking socket the caller owns and polls.
//
// Every call returns at once. OpenSSL reads straight from the socket (with read-ahead), but
// writes go into our own chain of encrypted bytes, which is sent with writev: a burst of records
// costs one system call, not one per 16 KB record, and plaintext is copied at most once (small
// pieces are gathered into a per-thread buffer before encryption). The chain is bounded: write()
// encrypts no more while earlier ciphertext is still waiting for the socket. When the socket
// would block, calls say so (kWantRead / kWantWrite) and the caller waits for readiness and
// calls again. Owned and used by one thread (the connection's loop).

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/out_buffer.h"
#include "net/tls_context.h"

typedef struct ssl_st SSL;

namespace nats::net {

enum class TlsIo { kDone, kWantRead, kWantWrite, kClosed, kError };

// The first certificate the peer presented, as the server's authentication and /connz need it.
struct PeerCertificate {
  std::vector<std::string> emails, dns_names, uris;
  // Subject RDNs in certificate order: (attribute short name or dotted OID, value).
  std::vector<std::pair<std::string, std::string>> subject_rdns;
  std::string subject;            // RFC 2253 order (last RDN first), like Go's Name.String()
  std::string subject_pk_sha256;  // hex SHA-256 of the DER SubjectPublicKeyInfo (pinned_certs)
  std::string cert_sha256;        // hex SHA-256 of the DER certificate
};

class TlsSession {
 public:
  TlsSession(std::shared_ptr<const TlsContext> ctx, int fd);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Drives the handshake: kDone when complete.
  TlsIo handshake();
  // Reads decrypted bytes: n > 0, or 0 with status (kWantRead when drained).
  size_t read(char* buf, size_t cap, TlsIo& status);
  // Data OpenSSL already holds (decrypted or read ahead) that the socket won't signal again.
  bool has_buffered_input() const;
  // Encrypts bytes from the gathered iovecs and sends them. Returns how many plaintext bytes
  // were taken (the caller consumes exactly that many; they are the session's now, encrypted,
  // even if not all on the wire yet), and kDone when everything offered went out, kWantWrite
  // when the socket is full (call again once writable, with whatever remains), or an error.
  size_t write(const iovec* iov, int cnt, TlsIo& status);
  // Encrypted bytes waiting for the socket (handshake, alerts or data).
  size_t pending_ciphertext() const { return cipher_out_.size(); }
  // One best-effort non-blocking attempt to send close_notify.
  void shutdown();

  std::string version() const;       // "1.3"
  std::string cipher_suite() const;  // Go/IANA name, e.g. TLS_AES_128_GCM_SHA256
  // Null when the peer sent no certificate.
  std::unique_ptr<PeerCertificate> peer_certificate() const;
  // Why the last call failed (OpenSSL's error queue, or the verification result).
  const std::string& last_error() const { return last_error_; }

 private:
  TlsIo status_of(int ret);
  // Sends queued ciphertext: true when all of it went out; false on EAGAIN (or an error, with
  // failed_ set).
  bool flush_ciphertext();

  std::shared_ptr<const TlsContext> ctx_;  // keeps the SSL_CTX alive
  SSL* ssl_;
  const int fd_;
  OutBuffer cipher_out_;  // filled by OpenSSL through our write BIO
  bool failed_ = false;   // the socket failed while sending ciphertext
  std::string last_error_;
};

}  // namespace nats::net
