#pragma once
// The OpenSSL context a client connection hands to its TLS sessions, built from TlsOptions:
// trusted roots (the CA file, or the system's), the client certificate, TLS 1.2 at least.
// Built once per Connection (on the caller's thread when TLS is asked for, so a bad file fails
// connect() at once; otherwise on the I/O thread the first time a server requires TLS).

#include <asio/ssl/context.hpp>
#include <memory>

#include "nats/options.h"
#include "nats/status.h"

namespace nats::client::detail {

Result<std::unique_ptr<asio::ssl::context>> make_tls_context(const TlsOptions& tls);

}  // namespace nats::client::detail
