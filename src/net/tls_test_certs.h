#pragma once
// Certificates for tests, made at run time with OpenSSL (EC P-256 keys, valid for a day):
// a CA, and leaf certificates it signs with whatever subject and alternative names a test
// needs. Written as PEM files into a directory the test owns. Tests only.

#include <string>
#include <vector>

namespace nats::net::testing {

struct CertSpec {
  // Subject attributes in certificate order, e.g. {{"C","US"},{"O","Synadia"},{"CN","alice"}}.
  std::vector<std::pair<std::string, std::string>> subject;
  std::vector<std::string> dns_names, ip_addresses, emails, uris;
  bool server = true;  // extendedKeyUsage serverAuth, else clientAuth
};

struct CertFiles {
  std::string cert_file, key_file;
};

class TestCa {
 public:
  // Creates the CA key and self-signed certificate in dir (ca.pem, ca-key.pem).
  explicit TestCa(std::string dir, const std::string& common_name = "nats-cpp test CA");
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  const std::string& ca_file() const { return ca_file_; }
  // Issues a certificate; files are <name>.pem and <name>-key.pem in the directory.
  CertFiles issue(const std::string& name, const CertSpec& spec) const;
  // A server certificate for localhost and 127.0.0.1.
  CertFiles issue_localhost_server(const std::string& name = "server") const;

 private:
  std::string dir_;
  std::string ca_file_;
  struct Impl;
  Impl* impl_;
};

}  // namespace nats::net::testing
