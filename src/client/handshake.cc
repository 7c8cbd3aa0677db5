#include "handshake.h"

#include <sodium.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "crypto/nkeys.h"

namespace nats::client::detail {

using nlohmann::json;

Result<ServerInfo> parse_server_info(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status(Errc::kProtocol, "INFO is not a JSON object");
  ServerInfo info;
  auto str = [&j](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto num = [&j](const char* key) -> int64_t {
    auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  auto flag = [&j](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
  };
  info.server_id = str("server_id");
  info.server_name = str("server_name");
  info.version = str("version");
  info.host = str("host");
  info.port = int(num("port"));
  info.proto = int(num("proto"));
  info.max_payload = num("max_payload");
  info.headers = flag("headers");
  info.auth_required = flag("auth_required");
  info.tls_required = flag("tls_required");
  info.tls_available = flag("tls_available");
  info.jetstream = flag("jetstream");
  info.lame_duck_mode = flag("ldm");
  info.client_id = uint64_t(num("client_id"));
  info.client_ip = str("client_ip");
  info.nonce = str("nonce");
  if (auto it = j.find("connect_urls"); it != j.end() && it->is_array()) {
    for (const json& u : *it) {
      if (u.is_string()) info.connect_urls.push_back(u.get<std::string>());
    }
  }
  info.json = std::string(text);
  return info;
}

Result<std::string> sign_nonce(std::string_view seed, std::string_view nonce) {
  const auto sig = crypto::sign(seed, nonce);
  if (!sig) return Status(Errc::kInvalidArgument, "invalid nkey seed");
  std::string out(sodium_base64_ENCODED_LEN(sig->size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), sig->data(), sig->size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Result<std::string> connect_json(const Options& opts, const ServerUrl& url, const ServerInfo& info,
                                 const Creds* creds, bool over_tls) {
  json c = {
      {"verbose", false},    {"pedantic", false},         {"tls_required", over_tls},
      {"lang", kClientLang}, {"version", kClientVersion}, {"protocol", 1},
      {"echo", opts.echo},   {"headers", true},           {"no_responders", true},
  };
  if (!opts.name.empty()) c["name"] = opts.name;
  auto signed_by = [&](const std::string& seed) -> Status {
    if (info.nonce.empty()) return Status();  // nothing to sign: the server will say if it minds
    auto sig = sign_nonce(seed, info.nonce);
    if (!sig) return sig.status();
    c["sig"] = sig.value();
    return Status();
  };
  if (creds != nullptr) {
    c["jwt"] = creds->jwt;
    if (Status s = signed_by(creds->seed); !s) return s;
  } else if (!opts.nkey_seed.empty()) {
    const auto kp = crypto::keypair_from_seed(opts.nkey_seed);
    if (!kp) return Status(Errc::kInvalidArgument, "invalid nkey seed");
    c["nkey"] = kp->public_key;
    if (Status s = signed_by(opts.nkey_seed); !s) return s;
  } else if (!opts.token.empty()) {
    c["auth_token"] = opts.token;
  } else if (!opts.user.empty()) {
    c["user"] = opts.user;
    c["pass"] = opts.password;
  } else if (url.has_password) {
    c["user"] = url.user;
    c["pass"] = url.password;
  } else if (!url.user.empty()) {
    c["auth_token"] = url.user;
  }
  return c.dump();
}

}  // namespace nats::client::detail
