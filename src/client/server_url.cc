#include "server_url.h"

#include <charconv>

#include "base/ascii.h"

namespace nats::client::detail {

std::string ServerUrl::host_port() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ServerUrl> parse_server_url(std::string_view text) {
  auto bad = [text](std::string_view why) {
    return Status(Errc::kInvalidArgument,
                  "invalid server URL '" + std::string(text) + "': " + std::string(why));
  };
  ServerUrl u;
  std::string_view rest = text;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (const size_t p = rest.find("://"); p != std::string_view::npos) {
    u.scheme = ascii_lower(rest.substr(0, p));
    rest.remove_prefix(p + 3);
  }
  if (u.scheme != "nats" && u.scheme != "tls") return bad("unknown scheme '" + u.scheme + "'");
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    rest = rest.substr(0, slash);  // a path means nothing to NATS
  }
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    if (const size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      u.user = userinfo.substr(0, colon);
      u.password = userinfo.substr(colon + 1);
      u.has_password = true;
    } else {
      u.user = userinfo;
    }
  }
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("unclosed '['");
    u.host = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("junk after ']'");
      port_text = rest.substr(1);
    }
  } else if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    u.host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
  } else {
    u.host = rest;
  }
  if (u.host.empty()) return bad("no host");
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535) {
      return bad("bad port");
    }
    u.port = port;
  }
  return u;
}

}  // namespace nats::client::detail
