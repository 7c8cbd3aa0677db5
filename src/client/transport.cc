#include "transport.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <asio/experimental/as_tuple.hpp>

namespace nats::client::detail {

namespace {

constexpr auto kUse = asio::experimental::as_tuple(asio::use_awaitable);

bool is_ip_address(const std::string& host) {
  asio::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

asio::awaitable<Status> Transport::upgrade_to_tls(asio::ssl::context& ctx,
                                                  const std::string& verify_name) {
  retired_tls_ = std::move(tls_);
  tls_ = std::make_unique<TlsStream>(socket_, ctx);
  tls_active_ = true;
  SSL* ssl = tls_->native_handle();
  if (!verify_name.empty()) {
    // OpenSSL checks the name during the handshake: a DNS name against the certificate's DNS
    // SANs (or CN), an address against its IP SANs.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (is_ip_address(verify_name)) {
      X509_VERIFY_PARAM_set1_ip_asc(param, verify_name.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, verify_name.c_str());
      X509_VERIFY_PARAM_set1_host(param, verify_name.c_str(), verify_name.size());
    }
  }
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, kUse);
  if (!ec) co_return Status();
  std::string why = ec.message();
  // A failed certificate check says more in OpenSSL's words ("hostname mismatch",
  // "unable to get local issuer certificate") than in the handshake's generic error.
  if (const long verify = SSL_get_verify_result(ssl); verify != X509_V_OK) {
    why = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
  }
  co_return Status(Errc::kTls, "nats: TLS handshake failed: " + why);
}

std::string Transport::tls_description() const {
  if (!tls_active_) return {};
  SSL* ssl = tls_->native_handle();
  return std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
}

}  // namespace nats::client::detail
