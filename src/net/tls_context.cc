#include "net/tls_context.h"

#include <array>
#include <string_view>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace nats::net {

namespace {

struct CipherName {
  std::string_view go;       // Go's crypto/tls name (the IANA name)
  std::string_view openssl;  // OpenSSL's name for SSL_CTX_set_cipher_list
  bool insecure;             // in Go's InsecureCipherSuites()
};

// Every TLS 1.2 suite Go knows. TLS 1.3 suites are accepted by name but, as in Go, not
// configurable: all three stay enabled.
constexpr std::array<CipherName, 22> kCiphers{{
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", false},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", false},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", false},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", false},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", false},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", false},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", false},
    {"TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA", true},
    {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", true},
    {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", true},
    {"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA", true},
    {"TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA", true},
    {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA", true},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256", true},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", true},
}};
constexpr std::array<std::string_view, 3> kTls13Ciphers{
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"};

struct CurveName {
  std::string_view go, openssl;
};
constexpr std::array<CurveName, 4> kCurves{{
    {"X25519", "X25519"},
    {"CurveP256", "P-256"},
    {"CurveP384", "P-384"},
    {"CurveP521", "P-521"},
}};

const CipherName* find_cipher(std::string_view go) {
  for (const auto& c : kCiphers) {
    if (c.go == go) return &c;
  }
  return nullptr;
}

// OpenSSL's cipher list for Go names (TLS 1.3 names are skipped: not configurable); with no
// names, every secure suite.
std::string openssl_ciphers(const std::vector<std::string>& go_names) {
  std::string list;
  auto add = [&list](const CipherName& c) {
    if (!list.empty()) list += ':';
    list += c.openssl;
  };
  if (go_names.empty()) {
    for (const auto& c : kCiphers) {
      if (!c.insecure) add(c);
    }
  }
  for (const auto& n : go_names) {
    if (const CipherName* c = find_cipher(n)) add(*c);
  }
  return list;
}

std::string openssl_curves(const std::vector<std::string>& go_names) {
  if (go_names.empty()) return "X25519:P-256:P-384:P-521";
  std::string list;
  for (const auto& n : go_names) {
    for (const auto& c : kCurves) {
      if (c.go != n) continue;
      if (!list.empty()) list += ':';
      list += c.openssl;
    }
  }
  return list;
}

bool load_pair(SSL_CTX* ctx, const std::string& cert, const std::string& key,
               std::string* error, const std::string& which) {
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    *error = "error parsing X509 certificate/key pair" + which + ": " + take_openssl_errors();
    return false;
  }
  return true;
}

}  // namespace

std::string take_openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown error" : out;
}

bool tls_version_from_string(const std::string& s, uint16_t& out) {
  if (s == "1.0") {
    out = 0x0301;
  } else if (s == "1.1") {
    out = 0x0302;
  } else if (s == "1.2") {
    out = kTls12;
  } else if (s == "1.3") {
    out = kTls13;
  } else {
    return false;
  }
  return true;
}

std::string tls_version_name(int version) {
  switch (version) {
    case 0x0301:
      return "1.0";
    case 0x0302:
      return "1.1";
    case kTls12:
      return "1.2";
    case kTls13:
      return "1.3";
    default:
      return "Unknown [" + std::to_string(version) + "]";
  }
}

bool tls_cipher_is_insecure(const std::string& go_name) {
  const CipherName* c = find_cipher(go_name);
  return c != nullptr && c->insecure;
}

bool tls_cipher_known(const std::string& go_name) {
  if (find_cipher(go_name) != nullptr) return true;
  for (auto n : kTls13Ciphers) {
    if (n == go_name) return true;
  }
  return false;
}

bool tls_curve_known(const std::string& go_name) {
  for (const auto& c : kCurves) {
    if (c.go == go_name) return true;
  }
  return false;
}

std::shared_ptr<TlsContext> TlsContext::create(const TlsSettings& s, Role role,
                                               std::string* error) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(role == Role::kServer ? TLS_server_method() : TLS_client_method());
  if (ctx == nullptr) {
    *error = "cannot create a TLS context: " + take_openssl_errors();
    return nullptr;
  }
  std::shared_ptr<TlsContext> out(new TlsContext(ctx, role, s));

  if (s.cert_file.empty() != s.key_file.empty()) {
    *error = s.key_file.empty() ? "missing 'key_file' in TLS configuration"
                                : "missing 'cert_file' in TLS configuration";
    return nullptr;
  }
  if (!s.cert_file.empty() && !load_pair(ctx, s.cert_file, s.key_file, error, "")) return nullptr;
  for (size_t i = 0; i < s.cert_pairs.size(); ++i) {
    std::string which = " " + std::to_string(i + 1) + "/" + std::to_string(s.cert_pairs.size());
    if (!load_pair(ctx, s.cert_pairs[i].first, s.cert_pairs[i].second, error, which)) {
      return nullptr;
    }
  }
  if (!s.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, s.ca_file.c_str(), nullptr) != 1) {
      *error = "failed to parse root ca certificate: " + take_openssl_errors();
      return nullptr;
    }
    if (role == Role::kServer) {
      // Tell clients which CAs we accept, so they pick the right certificate.
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.ca_file.c_str())) {
        SSL_CTX_set_client_CA_list(ctx, names);
      }
    }
  } else if (role == Role::kClient || s.verify) {
    SSL_CTX_set_default_verify_paths(ctx);
  }

  if (SSL_CTX_set_min_proto_version(ctx, s.min_version < kTls12 ? kTls12 : s.min_version) != 1) {
    *error = "cannot set the minimum TLS version: " + take_openssl_errors();
    return nullptr;
  }
  std::string ciphers = openssl_ciphers(s.cipher_suites);
  // Only TLS 1.3 names configured: TLS 1.2 keeps its defaults, as Go ignores those names.
  if (ciphers.empty()) ciphers = openssl_ciphers({});
  if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    *error = "none of the configured cipher suites is available: " + take_openssl_errors();
    return nullptr;
  }
  const std::string curves = openssl_curves(s.curve_preferences);
  if (SSL_CTX_set1_groups_list(ctx, curves.c_str()) != 1) {
    *error = "none of the configured curve preferences is available: " + take_openssl_errors();
    return nullptr;
  }

  // Go's order: AES-128 first (hardware AES makes it the fastest), ChaCha20 last.
  SSL_CTX_set_ciphersuites(ctx,
                           "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
  // A peer that hangs up without close_notify has simply gone, as in Go: report EOF, not an error.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (role == Role::kServer) {
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    if (s.verify) SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    // No session resumption state to share between loops: each handshake is full, as with Go.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
  } else if (!s.insecure) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  // Writes return after each record, so a partly written chain can be consumed record by record;
  // read-ahead pulls whole socket buffers in one read instead of one read per record header.
  // NO_AUTO_CHAIN: send the certificate file's chain as written, not completed from ca_file
  // (Go sends only what cert_file holds; clients see the same chain from both servers).
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
  SSL_CTX_set_read_ahead(ctx, 1);
  return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

}  // namespace nats::net
