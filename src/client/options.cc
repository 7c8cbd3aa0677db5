#include "nats/options.h"

#include "server_url.h"

namespace nats::client {

std::vector<std::string> split_server_list(std::string_view urls) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= urls.size()) {
    size_t comma = urls.find(',', pos);
    if (comma == std::string_view::npos) comma = urls.size();
    std::string_view part = urls.substr(pos, comma - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty()) out.emplace_back(part);
    pos = comma + 1;
  }
  return out;
}

Status Options::validate() const {
  auto bad = [](std::string what) { return Status(Errc::kInvalidArgument, std::move(what)); };
  if (servers.empty()) return bad("nats: no servers given");
  for (const std::string& s : servers) {
    if (auto u = detail::parse_server_url(s); !u) return u.status();
  }
  if (connect_timeout.count() <= 0) return bad("nats: connect_timeout must be positive");
  if (ping_interval.count() <= 0) return bad("nats: ping_interval must be positive");
  if (max_pings_out < 1) return bad("nats: max_pings_out must be at least 1");
  if (reconnect_wait.count() < 0 || reconnect_jitter.count() < 0) {
    return bad("nats: reconnect waits cannot be negative");
  }
  if (inbox_prefix.empty() || inbox_prefix.find_first_of(" \t\r\n*>") != std::string::npos ||
      inbox_prefix.back() == '.') {
    return bad("nats: invalid inbox prefix");
  }
  if (pending_msgs_limit <= 0 || pending_bytes_limit <= 0) {
    return bad("nats: pending limits must be positive");
  }
  if (write_buffer_limit == 0) return bad("nats: write_buffer_limit must be positive");
  int kinds = !creds_file.empty() + !nkey_seed.empty() + !token.empty() + !user.empty();
  if (kinds > 1) return bad("nats: give one kind of credentials (creds, nkey, token or user)");
  if (user.empty() && !password.empty()) return bad("nats: a password needs a user");
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return bad("nats: a TLS client certificate needs its key, and a key its certificate");
  }
  return Status();
}

}  // namespace nats::client
