#pragma once
// verify_and_map: which configured user a client certificate stands for.
//
// nats-server's order (checkClientTLSCertSubject): the certificate's e-mail addresses, then its
// DNS names, then its URIs, each looked up as a user name; then every user name that parses as
// a distinguished name is compared with the certificate subject, first in order (RFC 4514
// order, most specific first), then as a set of attributes in any order; last, the subject
// string as Go prints it. Attribute types compare by OID, so "CN", "cn" and "commonName" agree.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/tls_session.h"

namespace nats {

// `exists(name)` says whether a user of that name is configured; `names` lists them all (for
// the DN comparisons). Returns the matching user name.
std::optional<std::string> map_certificate_to_user(
    const net::PeerCertificate& cert, const std::function<bool(std::string_view)>& exists,
    const std::vector<std::string_view>& names);

// Parses an RFC 4514 distinguished name into (type, value) pairs in written order, multi-valued
// RDNs flattened; nullopt when it isn't one (no '=' in some part, a dangling escape).
std::optional<std::vector<std::pair<std::string, std::string>>> parse_distinguished_name(
    std::string_view dn);

}  // namespace nats
