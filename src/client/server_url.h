#pragma once
// Server URLs as users write them: "nats://user:pass@host:port", "nats://token@host",
// "host:port", "host", "[::1]:4222". Pure functions; any thread.

#include <string>
#include <string_view>

#include "nats/status.h"

namespace nats::client::detail {

inline constexpr int kDefaultPort = 4222;

struct ServerUrl {
  std::string scheme = "nats";  // "nats", or "tls": this server must be spoken to over TLS
  std::string host;
  int port = kDefaultPort;
  std::string user;  // user, or the token when there is no password
  std::string password;
  bool has_password = false;

  // "nats://host:port", without credentials: what logs, INFO and the pool show.
  std::string host_port() const;
  std::string to_string() const { return scheme + "://" + host_port(); }
};

Result<ServerUrl> parse_server_url(std::string_view text);

}  // namespace nats::client::detail
