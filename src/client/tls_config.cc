#include "tls_config.h"

#include <openssl/ssl.h>

namespace nats::client::detail {

namespace {

Status tls_error(const std::string& what, const std::string& path, const asio::error_code& ec) {
  return Status(Errc::kInvalidArgument, "nats: " + what + " '" + path + "': " + ec.message());
}

}  // namespace

Result<std::unique_ptr<asio::ssl::context>> make_tls_context(const TlsOptions& tls) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  // Every NATS server speaks TLS 1.2 or later; older versions only widen the attack surface.
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  asio::error_code ec;
  if (!tls.ca_file.empty()) {
    if (ctx->load_verify_file(tls.ca_file, ec); ec) {
      return tls_error("cannot load the CA file", tls.ca_file, ec);
    }
  } else if (ctx->set_default_verify_paths(ec); ec) {
    return Status(Errc::kInvalidArgument,
                  "nats: cannot load the system's CA roots: " + ec.message());
  }
  if (!tls.cert_file.empty()) {
    if (ctx->use_certificate_chain_file(tls.cert_file, ec); ec) {
      return tls_error("cannot load the client certificate", tls.cert_file, ec);
    }
    // OpenSSL also checks here that the key belongs to the certificate.
    if (ctx->use_private_key_file(tls.key_file, asio::ssl::context::pem, ec); ec) {
      return tls_error("cannot load the client key", tls.key_file, ec);
    }
  }
  ctx->set_verify_mode(tls.skip_verify ? asio::ssl::verify_none : asio::ssl::verify_peer);
  return ctx;
}

}  // namespace nats::client::detail
