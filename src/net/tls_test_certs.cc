#include "net/tls_test_certs.h"

#include <cstdio>
#include <stdexcept>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace nats::net::testing {

namespace {

EVP_PKEY* new_key() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  if (k == nullptr) throw std::runtime_error("EC key generation failed");
  return k;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  bool ok = cert != nullptr ? PEM_write_X509(f, cert) == 1
                            : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  if (!ok) throw std::runtime_error("PEM write failed for " + path);
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* new_cert(const std::vector<std::pair<std::string, std::string>>& subject, EVP_PKEY* key,
               long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  for (const auto& [type, value] : subject) {
    X509_NAME_add_entry_by_txt(name, type.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  }
  return cert;
}

}  // namespace

struct TestCa::Impl {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  mutable long next_serial = 2;
};

TestCa::TestCa(std::string dir, const std::string& common_name)
    : dir_(std::move(dir)), impl_(new Impl) {
  impl_->key = new_key();
  impl_->cert = new_cert({{"O", "nats-cpp tests"}, {"CN", common_name}}, impl_->key, 1);
  X509_set_issuer_name(impl_->cert, X509_get_subject_name(impl_->cert));
  add_ext(impl_->cert, impl_->cert, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(impl_->cert, impl_->cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(impl_->cert, impl_->cert, NID_subject_key_identifier, "hash");
  X509_sign(impl_->cert, impl_->key, EVP_sha256());
  ca_file_ = dir_ + "/ca.pem";
  write_pem(ca_file_, impl_->cert, nullptr);
  write_pem(dir_ + "/ca-key.pem", nullptr, impl_->key);
}

TestCa::~TestCa() {
  X509_free(impl_->cert);
  EVP_PKEY_free(impl_->key);
  delete impl_;
}

CertFiles TestCa::issue(const std::string& name, const CertSpec& spec) const {
  EVP_PKEY* key = new_key();
  X509* cert = new_cert(spec.subject, key, impl_->next_serial++);
  X509_set_issuer_name(cert, X509_get_subject_name(impl_->cert));
  add_ext(cert, impl_->cert, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert, impl_->cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_ext(cert, impl_->cert, NID_ext_key_usage, spec.server ? "serverAuth" : "clientAuth");
  std::string san;
  auto append = [&san](const char* kind, const std::string& v) {
    if (!san.empty()) san += ',';
    san += kind;
    san += ':';
    san += v;
  };
  for (const auto& d : spec.dns_names) append("DNS", d);
  for (const auto& ip : spec.ip_addresses) append("IP", ip);
  for (const auto& e : spec.emails) append("email", e);
  for (const auto& u : spec.uris) append("URI", u);
  if (!san.empty()) add_ext(cert, impl_->cert, NID_subject_alt_name, san);
  X509_sign(cert, impl_->key, EVP_sha256());
  CertFiles files{dir_ + "/" + name + ".pem", dir_ + "/" + name + "-key.pem"};
  write_pem(files.cert_file, cert, nullptr);
  write_pem(files.key_file, nullptr, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return files;
}

CertFiles TestCa::issue_localhost_server(const std::string& name) const {
  CertSpec spec;
  spec.subject = {{"O", "nats-cpp tests"}, {"CN", "localhost"}};
  spec.dns_names = {"localhost"};
  spec.ip_addresses = {"127.0.0.1", "::1"};
  return issue(name, spec);
}

}  // namespace nats::net::testing
