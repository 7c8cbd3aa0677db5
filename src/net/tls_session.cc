#include "net/tls_session.h"

#include <algorithm>
#include <cstring>

#include <openssl/err.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace nats::net {

namespace {

constexpr size_t kRecordSize = 16 * 1024;       // TLS's largest record payload
constexpr size_t kGatherBytes = 64 * 1024;      // plaintext gathered per SSL_write
constexpr size_t kCipherBatch = 256 * 1024;     // ciphertext encrypted before a writev
constexpr int kMaxIovecs = 64;

// A write-only BIO that appends what OpenSSL writes to the session's ciphertext chain.
int chain_write(BIO* bio, const char* data, int len) {
  static_cast<OutBuffer*>(BIO_get_data(bio))->append(std::string_view(data, size_t(len)));
  return len;
}
long chain_ctrl(BIO*, int cmd, long, void*) {
  // FLUSH must succeed (OpenSSL flushes after each handshake flight); we send on our own terms.
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}
int chain_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}
const BIO_METHOD* chain_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "natsd ciphertext");
    BIO_meth_set_write(m, chain_write);
    BIO_meth_set_ctrl(m, chain_ctrl);
    BIO_meth_set_create(m, chain_create);
    return m;
  }();
  return method;
}

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

std::string sha256_hex(const unsigned char* der, int len) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(der, size_t(len), md, &md_len, EVP_sha256(), nullptr);
  return hex(md, md_len);
}

std::string asn1_text(const ASN1_STRING* s) {
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), size_t(n));
  OPENSSL_free(utf8);
  return out;
}

// The attribute names Go's pkix.Name.String() prints; anything else appears as its dotted OID
// with the DER value in hex.
const char* go_attribute_name(int nid) {
  switch (nid) {
    case NID_countryName:
      return "C";
    case NID_organizationName:
      return "O";
    case NID_organizationalUnitName:
      return "OU";
    case NID_commonName:
      return "CN";
    case NID_serialNumber:
      return "SERIALNUMBER";
    case NID_localityName:
      return "L";
    case NID_stateOrProvinceName:
      return "ST";
    case NID_streetAddress:
      return "STREET";
    case NID_postalCode:
      return "POSTALCODE";
    default:
      return nullptr;
  }
}

// RFC 4514 escaping as Go applies it to attribute values.
std::string escape_dn_value(const std::string& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    bool escape = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
                  c == ';' || (i == 0 && (c == ' ' || c == '#')) ||
                  (i + 1 == v.size() && c == ' ');
    if (escape) out += '\\';
    out += c;
  }
  return out;
}

void fill_subject(X509* cert, PeerCertificate& pc) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int count = X509_NAME_entry_count(name);
  // Collect (set index, "type=value") in certificate order, then print sets last to first.
  std::vector<std::pair<int, std::string>> parts;
  for (int i = 0; i < count; ++i) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(e);
    const int nid = OBJ_obj2nid(obj);
    const char* sn = nid != NID_undef ? OBJ_nid2sn(nid) : nullptr;
    char oid[128];
    OBJ_obj2txt(oid, sizeof oid, obj, 1);
    std::string value = asn1_text(data);
    pc.subject_rdns.emplace_back(sn != nullptr ? sn : oid, value);
    std::string part;
    if (const char* go = go_attribute_name(nid)) {
      part = std::string(go) + "=" + escape_dn_value(value);
    } else {
      // Go prints unknown attributes as OID=#<DER of the value>.
      std::string der_hex;
      if (ASN1_TYPE* t = ASN1_TYPE_new()) {
        if (ASN1_TYPE_set1(t, ASN1_STRING_type(data), data) == 1) {
          unsigned char* der = nullptr;
          int n = i2d_ASN1_TYPE(t, &der);
          if (n > 0) der_hex = hex(der, size_t(n));
          OPENSSL_free(der);
        }
        ASN1_TYPE_free(t);
      }
      part = std::string(oid) + "=#" + der_hex;
    }
    parts.emplace_back(X509_NAME_ENTRY_set(e), std::move(part));
  }
  std::string subject;
  for (size_t end = parts.size(); end > 0;) {
    size_t begin = end - 1;
    while (begin > 0 && parts[begin - 1].first == parts[end - 1].first) --begin;
    if (!subject.empty()) subject += ',';
    for (size_t i = begin; i < end; ++i) {
      if (i > begin) subject += '+';
      subject += parts[i].second;
    }
    end = begin;
  }
  pc.subject = std::move(subject);
}

void fill_alt_names(X509* cert, PeerCertificate& pc) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    switch (g->type) {
      case GEN_EMAIL:
        pc.emails.push_back(asn1_text(g->d.rfc822Name));
        break;
      case GEN_DNS:
        pc.dns_names.push_back(asn1_text(g->d.dNSName));
        break;
      case GEN_URI:
        pc.uris.push_back(asn1_text(g->d.uniformResourceIdentifier));
        break;
      default:
        break;
    }
  }
  GENERAL_NAMES_free(names);
}

}  // namespace

TlsSession::TlsSession(std::shared_ptr<const TlsContext> ctx, int fd)
    : ctx_(std::move(ctx)), ssl_(SSL_new(ctx_->native())), fd_(fd) {
  BIO* rbio = BIO_new_socket(fd, BIO_NOCLOSE);
  BIO* wbio = BIO_new(chain_method());
  BIO_set_data(wbio, &cipher_out_);
  SSL_set_bio(ssl_, rbio, wbio);  // the SSL owns both
  if (ctx_->role() == TlsContext::Role::kServer) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
    const std::string& host = ctx_->settings().server_name;
    if (!host.empty()) {
      SSL_set_tlsext_host_name(ssl_, host.c_str());
      if (!ctx_->settings().insecure) SSL_set1_host(ssl_, host.c_str());
    }
  }
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

TlsIo TlsSession::status_of(int ret) {
  const int err = SSL_get_error(ssl_, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      return TlsIo::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return TlsIo::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      return TlsIo::kClosed;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0) {
        // EOF without close_notify, or a socket error: the peer is gone either way.
        last_error_ = errno != 0 ? std::strerror(errno) : "EOF";
        ERR_clear_error();
        return TlsIo::kClosed;
      }
      [[fallthrough]];
    default: {
      last_error_ = take_openssl_errors();
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        last_error_ += std::string(" (certificate: ") + X509_verify_cert_error_string(verify) + ")";
      }
      return TlsIo::kError;
    }
  }
}

bool TlsSession::flush_ciphertext() {
  iovec iov[kMaxIovecs];
  while (!cipher_out_.empty()) {
    const int cnt = cipher_out_.gather(iov, kMaxIovecs);
    const ssize_t n = ::writev(fd_, iov, cnt);
    if (n > 0) {
      cipher_out_.consume(size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    failed_ = true;
    last_error_ = n < 0 ? std::strerror(errno) : "connection closed";
    return false;
  }
  return true;
}

TlsIo TlsSession::handshake() {
  ERR_clear_error();
  errno = 0;
  int r = SSL_do_handshake(ssl_);
  // Whatever the handshake produced goes out first; it is only done once it has.
  const bool sent = flush_ciphertext();
  if (failed_) return TlsIo::kError;
  if (r == 1) return sent ? TlsIo::kDone : TlsIo::kWantWrite;
  TlsIo st = status_of(r);
  if (st == TlsIo::kWantRead && !sent) st = TlsIo::kWantWrite;
  // A peer that hangs up mid-handshake failed the handshake.
  return st == TlsIo::kClosed ? TlsIo::kError : st;
}

size_t TlsSession::read(char* buf, size_t cap, TlsIo& status) {
  ERR_clear_error();
  errno = 0;
  size_t n = 0;
  int r = SSL_read_ex(ssl_, buf, cap, &n);
  // Reading can produce records to send (a TLS 1.3 key update answer, an alert).
  if (!cipher_out_.empty()) flush_ciphertext();
  if (r == 1) {
    status = TlsIo::kDone;
    return n;
  }
  status = status_of(0);
  return 0;
}

bool TlsSession::has_buffered_input() const { return SSL_has_pending(ssl_) == 1; }

size_t TlsSession::write(const iovec* iov, int cnt, TlsIo& status) {
  // Earlier ciphertext first: until it is out, take nothing more (this bounds the chain).
  if (!flush_ciphertext()) {
    status = failed_ ? TlsIo::kError : TlsIo::kWantWrite;
    return 0;
  }
  thread_local std::vector<char> gather(kGatherBytes);
  size_t taken = 0;
  int i = 0;
  size_t offset = 0;  // into iov[i]
  while (i < cnt) {
    // A large piece is encrypted in place; small ones are gathered into one SSL_write so that
    // records are full.
    const char* data;
    size_t len;
    if (iov[i].iov_len - offset >= kRecordSize) {
      data = static_cast<const char*>(iov[i].iov_base) + offset;
      len = std::min(iov[i].iov_len - offset, kGatherBytes);
      offset += len;
      if (offset == iov[i].iov_len) {
        ++i;
        offset = 0;
      }
    } else {
      len = 0;
      while (i < cnt && len < kGatherBytes) {
        const size_t take = std::min(iov[i].iov_len - offset, kGatherBytes - len);
        if (len > 0 && take >= kRecordSize) break;  // leave a big piece for the in-place path
        std::memcpy(gather.data() + len, static_cast<const char*>(iov[i].iov_base) + offset,
                    take);
        len += take;
        offset += take;
        if (offset == iov[i].iov_len) {
          ++i;
          offset = 0;
        }
      }
      data = gather.data();
    }
    ERR_clear_error();
    size_t done = 0;
    while (done < len) {
      size_t n = 0;
      if (SSL_write_ex(ssl_, data + done, len - done, &n) != 1) {
        status = status_of(0);
        return taken + done;
      }
      done += n;
    }
    taken += len;
    if (cipher_out_.size() >= kCipherBatch && !flush_ciphertext()) break;
  }
  const bool sent = flush_ciphertext();
  status = failed_ ? TlsIo::kError : (sent && i == cnt ? TlsIo::kDone : TlsIo::kWantWrite);
  return taken;
}

void TlsSession::shutdown() {
  ERR_clear_error();
  SSL_shutdown(ssl_);
  flush_ciphertext();  // close_notify, best effort
  ERR_clear_error();
}

std::string TlsSession::version() const { return tls_version_name(SSL_version(ssl_)); }

std::string TlsSession::cipher_suite() const {
  const SSL_CIPHER* c = SSL_get_current_cipher(ssl_);
  if (c == nullptr) return {};
  const char* name = SSL_CIPHER_standard_name(c);
  return name != nullptr ? name : SSL_CIPHER_get_name(c);
}

std::unique_ptr<PeerCertificate> TlsSession::peer_certificate() const {
  X509* cert = SSL_get0_peer_certificate(ssl_);
  if (cert == nullptr) return nullptr;
  auto pc = std::make_unique<PeerCertificate>();
  fill_subject(cert, *pc);
  fill_alt_names(cert, *pc);
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  if (n > 0) pc->cert_sha256 = sha256_hex(der, n);
  OPENSSL_free(der);
  der = nullptr;
  n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (n > 0) pc->subject_pk_sha256 = sha256_hex(der, n);
  OPENSSL_free(der);
  return pc;
}

}  // namespace nats::net
