#pragma once
// The two JSON documents of the NATS handshake, as the client sees them: the server's INFO
// (read) and our CONNECT (written), including the credentials and the nonce signature.
// Pure functions; any thread (run on the I/O thread during connects).

#include <string>
#include <string_view>

#include "creds.h"
#include "nats/connection.h"
#include "nats/options.h"
#include "server_url.h"

namespace nats::client::detail {

inline constexpr std::string_view kClientLang = "cpp";
inline constexpr std::string_view kClientVersion = "0.1.0";

Result<ServerInfo> parse_server_info(std::string_view json);

// CONNECT's JSON for this server. Credentials, first that is set: creds (JWT, signed nonce),
// nkey seed (public key, signed nonce), token, user/password, then those in the URL.
// `over_tls`: the connection is already encrypted (CONNECT's tls_required).
Result<std::string> connect_json(const Options& opts, const ServerUrl& url, const ServerInfo& info,
                                 const Creds* creds, bool over_tls = false);

// Base64url without padding of the Ed25519 signature of `nonce` by `seed`, as CONNECT's sig.
Result<std::string> sign_nonce(std::string_view seed, std::string_view nonce);

}  // namespace nats::client::detail
