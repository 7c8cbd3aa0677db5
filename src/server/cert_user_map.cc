#include "server/cert_user_map.h"

#include <algorithm>

#include <openssl/objects.h>

#include "base/ascii.h"

namespace nats {

namespace {

using Attributes = std::vector<std::pair<std::string, std::string>>;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// One attribute type in a comparable form: its OID when OpenSSL knows the name.
std::string type_key(const std::string& type) {
  int nid = OBJ_txt2nid(type.c_str());
  if (nid == NID_undef) {
    // Short names are upper case in OpenSSL ("CN", "OU"); DNs often spell them in lower case.
    std::string upper = type;
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
    nid = OBJ_txt2nid(upper.c_str());
  }
  if (nid != NID_undef) return "#" + std::to_string(nid);
  // go-ldap spells e-mail "E" or "EMAILADDRESS"; OpenSSL knows it as emailAddress.
  const std::string lower = ascii_lower(type);
  if (lower == "e" || lower == "emailaddress") return "#" + std::to_string(NID_pkcs9_emailAddress);
  return lower;
}

Attributes normalized(const Attributes& a) {
  Attributes out;
  out.reserve(a.size());
  for (const auto& [t, v] : a) out.emplace_back(type_key(t), v);
  return out;
}

}  // namespace

std::optional<Attributes> parse_distinguished_name(std::string_view dn) {
  Attributes out;
  std::string type, value;
  bool in_value = false;
  auto finish = [&]() -> bool {
    std::string_view t = trim(type);
    if (!in_value || t.empty()) return false;
    out.emplace_back(std::string(t), std::string(trim(value)));
    type.clear();
    value.clear();
    in_value = false;
    return true;
  };
  for (size_t i = 0; i < dn.size(); ++i) {
    const char c = dn[i];
    if (!in_value) {
      if (c == '=') {
        in_value = true;
      } else if (c == ',' || c == '+') {
        return std::nullopt;
      } else {
        type += c;
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= dn.size()) return std::nullopt;
      int hi = hex_digit(dn[i + 1]);
      int lo = i + 2 < dn.size() ? hex_digit(dn[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        value += char(hi * 16 + lo);
        i += 2;
      } else {
        value += dn[++i];
      }
    } else if (c == ',' || c == '+' || c == ';') {
      if (!finish()) return std::nullopt;
    } else {
      value += c;
    }
  }
  if (!finish()) return std::nullopt;
  return out;
}

std::optional<std::string> map_certificate_to_user(
    const net::PeerCertificate& cert, const std::function<bool(std::string_view)>& exists,
    const std::vector<std::string_view>& names) {
  for (const auto* list : {&cert.emails, &cert.dns_names, &cert.uris}) {
    for (const auto& candidate : *list) {
      if (exists(candidate)) return candidate;
    }
  }
  // The certificate's attributes in RFC 4514 order (the reverse of the encoding).
  Attributes subject = normalized(cert.subject_rdns);
  std::reverse(subject.begin(), subject.end());
  if (!subject.empty()) {
    std::vector<std::pair<std::string_view, Attributes>> parsed;
    for (std::string_view name : names) {
      if (auto dn = parse_distinguished_name(name)) parsed.emplace_back(name, normalized(*dn));
    }
    for (const auto& [name, attrs] : parsed) {
      if (attrs == subject) return std::string(name);
    }
    Attributes sorted_subject = subject;
    std::sort(sorted_subject.begin(), sorted_subject.end());
    for (auto& [name, attrs] : parsed) {
      Attributes sorted = attrs;
      std::sort(sorted.begin(), sorted.end());
      if (sorted == sorted_subject) return std::string(name);
    }
  }
  if (!cert.subject.empty() && exists(cert.subject)) return cert.subject;
  return std::nullopt;
}

}  // namespace nats
