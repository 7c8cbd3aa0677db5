#pragma once
// TLS configuration as nats-server takes it (Go crypto/tls names for versions, cipher suites
// and curves), turned into an OpenSSL SSL_CTX.
//
// A TlsContext is immutable once created and shared (shared_ptr) by every session made from
// it, so a reload can install a new one while existing connections keep theirs.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;

namespace nats::net {

inline constexpr uint16_t kTls12 = 0x0303;
inline constexpr uint16_t kTls13 = 0x0304;

// What a `tls {}` block (or the --tls* flags) says. Plain data: comparable for reload.
struct TlsSettings {
  std::string cert_file, key_file;
  // `certs: [{cert_file, key_file}, ...]`: several certificates (OpenSSL picks by key type).
  std::vector<std::pair<std::string, std::string>> cert_pairs;
  std::string ca_file;
  bool verify = false;          // require a client certificate signed by ca_file (or system CAs)
  bool insecure = false;        // client contexts: skip server verification
  std::string server_name;      // client contexts: SNI and host name to verify
  std::vector<std::string> cipher_suites;      // Go names; empty: secure defaults
  std::vector<std::string> curve_preferences;  // Go names; empty: X25519, P-256, P-384, P-521
  uint16_t min_version = kTls12;

  bool operator==(const TlsSettings&) const = default;
};

// Go's names, accepted in configuration files. Each returns false when the name is unknown.
// "1.2" -> kTls12; versions below 1.2 are rejected by the config layer with nats-server's text.
bool tls_version_from_string(const std::string& s, uint16_t& out);
// The name /connz and logs use for a negotiated version: "1.2", "1.3".
std::string tls_version_name(int version);
// True for the cipher suites Go lists as insecure (RC4, 3DES, CBC with SHA-256).
bool tls_cipher_is_insecure(const std::string& go_name);
bool tls_cipher_known(const std::string& go_name);
bool tls_curve_known(const std::string& go_name);

class TlsContext {
 public:
  enum class Role { kServer, kClient };
  // Loads certificates and keys. On failure returns null with nats-server's wording in *error
  // (e.g. "error parsing X509 certificate/key pair: ...").
  static std::shared_ptr<TlsContext> create(const TlsSettings& settings, Role role,
                                            std::string* error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* native() const { return ctx_; }
  Role role() const { return role_; }
  const TlsSettings& settings() const { return settings_; }

 private:
  TlsContext(SSL_CTX* ctx, Role role, TlsSettings settings)
      : ctx_(ctx), role_(role), settings_(std::move(settings)) {}
  SSL_CTX* ctx_;
  Role role_;
  TlsSettings settings_;
};

// The text of OpenSSL's error queue (oldest first), emptying it.
std::string take_openssl_errors();

}  // namespace nats::net
