#pragma once
// One TLS connection over a non-blocking socket the caller owns and polls.
//
// Every call returns at once. When OpenSSL needs the socket to become readable or writable it
// says so (kWantRead / kWantWrite) and the caller waits for that and calls again; a write that
// wanted something must be repeated with the same bytes, which write_from() arranges by copying
// from the caller's chain into its own staging buffer first and consuming only what went out.
// Owned and used by one thread (the connection's loop).

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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
  // Encrypts and sends up to `max` bytes from the gathered iovecs, a record (16 KB) at a time.
  // Returns how many bytes of the iovecs were sent (the caller consumes exactly that many), and
  // the status that stopped it: kDone (all offered bytes sent), kWantWrite, or an error.
  size_t write(const iovec* iov, int cnt, TlsIo& status);
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

  std::shared_ptr<const TlsContext> ctx_;  // keeps the SSL_CTX alive
  SSL* ssl_;
  // Bytes copied from the caller's chain for the record in flight; kept until written so a
  // retried SSL_write sees the same buffer contents.
  std::vector<char> staging_;
  size_t staged_ = 0;
  std::string last_error_;
};

}  // namespace nats::net
