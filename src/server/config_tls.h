#pragma once
// The client `tls {}` block of a configuration file, with nats-server's keys, aliases and error
// texts, and the OpenSSL settings the server builds its TLS context from.

#include <string>
#include <vector>

#include "config/config_value.h"
#include "net/tls_context.h"
#include "server/options.h"

namespace nats {

// Fills opts' tls_* fields from the block in `e` (key "tls") and turns TLS on. Problems are
// appended to errors as "file:line:col: reason". The certificate and key files are loaded once
// here, as nats-server does while parsing, so `natsd -t` reports unreadable ones.
void apply_tls_block(const config::MapEntry& e, Options& opts, std::vector<std::string>& errors);

// True when clients are offered TLS (flags or a tls block).
inline bool client_tls_enabled(const Options& o) { return o.tls || o.tls_verify; }

// The OpenSSL-facing settings for the client listener.
net::TlsSettings client_tls_settings(const Options& o);

}  // namespace nats
