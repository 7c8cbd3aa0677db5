#include "server/config_tls.h"

#include <cmath>

#include <fmt/format.h>

#include "base/ascii.h"
#include "config/duration.h"

namespace nats {

namespace {

using config::MapEntry;
using config::Value;

class TlsBlock {
 public:
  TlsBlock(Options& opts, std::vector<std::string>& errors) : opts_(opts), errors_(errors) {}

  void apply(const MapEntry& block) {
    const config::Map* m = block.value.as_map();
    if (m == nullptr) {
      error(block.value, "error parsing tls config, expected a map");
      return;
    }
    Options& o = opts_;
    const size_t errors_before = errors_.size();
    bool verify = false;
    for (const MapEntry& e : m->entries()) {
      const std::string k = ascii_lower(e.key);
      if (k == "cert_file") {
        string_of(e, "error parsing tls config, expected 'cert_file' to be filename", o.tls_cert);
      } else if (k == "key_file") {
        string_of(e, "error parsing tls config, expected 'key_file' to be filename", o.tls_key);
      } else if (k == "ca_file") {
        string_of(e, "error parsing tls config, expected 'ca_file' to be filename", o.tls_ca_cert);
      } else if (k == "insecure") {
        bool b;
        bool_of(e, "error parsing tls config, expected 'insecure' to be a boolean", b);
      } else if (k == "verify") {
        bool_of(e, "error parsing tls config, expected 'verify' to be a boolean", verify);
      } else if (k == "verify_and_map") {
        bool b = false;
        if (bool_of(e, "error parsing tls config, expected 'verify_and_map' to be a boolean", b)) {
          if (b) verify = true;
          o.tls_map = b;
        }
      } else if (k == "verify_cert_and_check_known_urls") {
        bool b = false;
        if (bool_of(e,
                    "error parsing tls config, expected 'verify_cert_and_check_known_urls' to be a "
                    "boolean",
                    b) &&
            b) {
          // Only meaningful for routes and gateways; on the client listener it just verifies.
          verify = true;
        }
      } else if (k == "allow_insecure_cipher_suites") {
        bool_of(e, "error parsing tls config, expected 'allow_insecure_cipher_suites' to be a boolean",
                allow_insecure_);
      } else if (k == "cipher_suites") {
        names_of(e, "cipher_suites", o.tls_cipher_suites, net::tls_cipher_known,
                 "unrecognized cipher");
      } else if (k == "curve_preferences") {
        names_of(e, "curve_preferences", o.tls_curve_preferences, net::tls_curve_known,
                 "unrecognized curve preference");
      } else if (k == "timeout") {
        timeout_of(e);
      } else if (k == "connection_rate_limit") {
        if (!e.value.as_int()) error(e.value, "error parsing tls config, 'connection_rate_limit' wrong type");
      } else if (k == "pinned_certs") {
        pinned_of(e);
      } else if (k == "handshake_first" || k == "first" || k == "immediate") {
        handshake_first_of(e);
      } else if (k == "certs" || k == "certificates") {
        certs_of(e);
      } else if (k == "min_version") {
        min_version_of(e);
      } else if (k == "ocsp_peer" || k == "cert_store" || k == "cert_match_by" ||
                 k == "cert_match" || k == "ca_certs_match" || k == "cert_match_skip_invalid") {
        error(e.value, fmt::format("error parsing tls config, \"{}\" is not supported yet", e.key));
      } else {
        error(e.value, fmt::format("error parsing tls config, unknown field \"{}\"", e.key));
      }
    }
    o.tls = true;
    o.tls_verify = verify;
    if (!o.tls_cert_pairs.empty() && !o.tls_cert.empty()) {
      error(block.value,
            "error parsing tls config, cannot combine 'cert_file' option with 'certs' option");
    }
    std::vector<std::string> insecure;
    for (const auto& c : o.tls_cipher_suites) {
      if (net::tls_cipher_is_insecure(c)) insecure.push_back(c);
    }
    if (!insecure.empty() && !allow_insecure_) {
      std::string names;
      for (const auto& c : insecure) names += (names.empty() ? "" : ", ") + c;
      error(block.value, "insecure cipher suites configured without "
                         "'allow_insecure_cipher_suites' option set: " + names);
    }
    if (errors_.size() == errors_before) {
      // Load the files now, as nats-server does while parsing.
      std::string why;
      if (!net::TlsContext::create(client_tls_settings(o), net::TlsContext::Role::kServer, &why)) {
        error(block.value, why);
      }
    }
  }

 private:
  void error(const Value& at, std::string_view reason) {
    errors_.push_back(fmt::format("{}: {}", at.position().to_string(), reason));
  }
  bool string_of(const MapEntry& e, std::string_view complaint, std::string& out) {
    if (auto s = e.value.as_string()) {
      out = std::string(*s);
      return true;
    }
    error(e.value, complaint);
    return false;
  }
  bool bool_of(const MapEntry& e, std::string_view complaint, bool& out) {
    if (auto b = e.value.as_bool()) {
      out = *b;
      return true;
    }
    error(e.value, complaint);
    return false;
  }
  void names_of(const MapEntry& e, std::string_view key, std::vector<std::string>& out,
                bool (*known)(const std::string&), std::string_view unknown) {
    const config::Array* a = e.value.as_array();
    if (a == nullptr || a->empty()) {
      error(e.value, fmt::format("error parsing tls config, '{}' cannot be empty", key));
      return;
    }
    out.clear();
    for (const Value& v : *a) {
      std::string name(v.as_string().value_or(""));
      if (!known(name)) {
        error(v, fmt::format("{} {}", unknown, name));
        continue;
      }
      out.push_back(name);
    }
  }
  void timeout_of(const MapEntry& e) {
    double seconds = 0;
    if (auto i = e.value.as_int()) {
      seconds = double(*i);
    } else if (auto f = e.value.as_float()) {
      seconds = *f;
    } else if (auto s = e.value.as_string()) {
      auto d = config::parse_go_duration(*s);
      if (!d) {
        error(e.value, fmt::format("error parsing tls config, 'timeout' time: invalid duration \"{}\"",
                                   *s));
        return;
      }
      opts_.tls_timeout = *d;
      return;
    } else {
      error(e.value, "error parsing tls config, 'timeout' wrong type");
      return;
    }
    opts_.tls_timeout = std::chrono::nanoseconds(int64_t(std::llround(seconds * 1e9)));
  }
  void pinned_of(const MapEntry& e) {
    const config::Array* a = e.value.as_array();
    if (a == nullptr) {
      error(e.value,
            "error parsing tls config, expected 'pinned_certs' to be a list of hex-encoded sha256 "
            "of DER encoded SubjectPublicKeyInfo");
      return;
    }
    opts_.tls_pinned_certs.clear();
    for (const Value& v : *a) {
      std::string entry = ascii_lower(v.as_string().value_or(""));
      bool ok = entry.size() == 64 &&
                entry.find_first_not_of("0123456789abcdef") == std::string::npos;
      if (!ok) {
        error(v, fmt::format("error parsing tls config, 'pinned_certs' key {} does not look like "
                             "hex-encoded sha256 of DER encoded SubjectPublicKeyInfo",
                             entry));
        continue;
      }
      opts_.tls_pinned_certs.push_back(entry);
    }
  }
  void handshake_first_of(const MapEntry& e) {
    if (auto b = e.value.as_bool()) {
      opts_.tls_handshake_first = *b;
      return;
    }
    auto s = e.value.as_string();
    if (!s) {
      error(e.value, fmt::format("field \"{}\" should be a boolean or a string, got {}", e.key,
                                 e.value.type_name()));
      return;
    }
    const std::string v = ascii_lower(*s);
    if (v == "true" || v == "on") {
      opts_.tls_handshake_first = true;
    } else if (v == "false" || v == "off") {
      opts_.tls_handshake_first = false;
    } else if (v == "auto" || v == "auto_fallback") {
      opts_.tls_handshake_first = true;
      opts_.tls_handshake_first_fallback = std::chrono::milliseconds(50);
    } else if (auto d = config::parse_go_duration(*s)) {
      opts_.tls_handshake_first = true;
      opts_.tls_handshake_first_fallback = *d;
    } else {
      error(e.value, fmt::format("field \"{}\"'s value \"{}\" is invalid", e.key, *s));
    }
  }
  void certs_of(const MapEntry& e) {
    const config::Array* a = e.value.as_array();
    if (a == nullptr) {
      error(e.value, fmt::format("error parsing certificates config: unsupported type {}",
                                 e.value.type_name()));
      return;
    }
    opts_.tls_cert_pairs.clear();
    for (const Value& v : *a) {
      const config::Map* pair = v.as_map();
      if (pair == nullptr) {
        error(v, fmt::format("error parsing certificates config: unsupported type {}",
                             v.type_name()));
        continue;
      }
      std::string cert, key;
      for (const MapEntry& f : pair->entries()) {
        auto s = f.value.as_string();
        if (!s) {
          error(f.value, fmt::format("error parsing certificates config: unsupported type {}",
                                     f.value.type_name()));
        } else if (f.key == "cert_file") {
          cert = std::string(*s);
        } else if (f.key == "key_file") {
          key = std::string(*s);
        } else {
          error(f.value, fmt::format("error parsing tls certs config, unknown field \"{}\"", f.key));
        }
      }
      if (cert.empty() || key.empty()) {
        error(v, "error parsing certificates config: both 'cert_file' and 'cert_key' options are "
                 "required");
        continue;
      }
      opts_.tls_cert_pairs.emplace_back(cert, key);
    }
  }
  void min_version_of(const MapEntry& e) {
    auto s = e.value.as_string();
    if (!s) {
      error(e.value, fmt::format("error parsing tls config: 'min_version' wrong type: {}",
                                 e.value.type_name()));
      return;
    }
    uint16_t v = 0;
    if (!net::tls_version_from_string(std::string(*s), v)) {
      error(e.value, fmt::format("error parsing tls config: unknown version: {}", *s));
      return;
    }
    if (v < net::kTls12) {
      error(e.value, fmt::format("error parsing tls config: unsupported TLS version: TLS {}", *s));
      return;
    }
    opts_.tls_min_version = v;
  }

  Options& opts_;
  std::vector<std::string>& errors_;
  bool allow_insecure_ = false;
};

}  // namespace

void apply_tls_block(const config::MapEntry& e, Options& opts, std::vector<std::string>& errors) {
  TlsBlock(opts, errors).apply(e);
}

net::TlsSettings client_tls_settings(const Options& o) {
  net::TlsSettings s;
  s.cert_file = o.tls_cert;
  s.key_file = o.tls_key;
  s.cert_pairs = o.tls_cert_pairs;
  s.ca_file = o.tls_ca_cert;
  s.verify = o.tls_verify;
  s.cipher_suites = o.tls_cipher_suites;
  s.curve_preferences = o.tls_curve_preferences;
  if (o.tls_min_version != 0) s.min_version = o.tls_min_version;
  return s;
}

}  // namespace nats
