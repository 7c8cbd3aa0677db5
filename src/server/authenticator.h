#pragma once
// Client authentication: who a CONNECT says it is, and whether that holds.
//
// Built by the Server from Options at construction and immutable afterwards, except for the
// cache of verified bcrypt passwords, which has its own lock. authenticate() runs on the loop
// that owns the connection and never blocks: every check is cheap except bcrypt, which it
// hands back as kCheckPassword for the caller to run verify_password() on the worker pool.
//
// The rules and their order are nats-server's (processClientOrLeafAuthentication):
//  1. Nothing configured: everyone is accepted.
//  2. With nkey users: a CONNECT without user, pass, auth_token and nkey is the no_auth_user
//     if that names an nkey. A CONNECT with an nkey must name a configured one and carry `sig`,
//     the Ed25519 signature of the INFO nonce (base64url without padding, or standard base64),
//     except for the no_auth_user itself.
//  3. Otherwise, with users and verify_and_map: the user the client certificate maps to
//     (server/cert_user_map.h), whatever the CONNECT says.
//  3b. Otherwise, with users: a CONNECT without user, pass and auth_token is the no_auth_user if
//     that names a user; a CONNECT with a user name must name a configured user and match its
//     password (plain text, or bcrypt when the configured password is a bcrypt hash; the
//     no_auth_user is "given" its own configured password, so one with a bcrypt password
//     never passes, exactly as in nats-server).
//  4. Otherwise the single token (--auth / authorization.token, plain or bcrypt), else the
//     single user and password (--user/--pass, the password plain or bcrypt).
// Anything else is refused. Users and nkey users without permissions get default_permissions.

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "base/string_map.h"
#include "server/auth.h"
#include "server/permissions.h"

namespace nats {
namespace net {
struct PeerCertificate;
}

struct Options;

// The credentials from a CONNECT, and the nonce this connection's INFO carried (empty if none).
struct AuthRequest {
  std::string_view user, password, token, nkey, sig, nonce;
  // The client's verified TLS certificate, for verify_and_map; null without one.
  const net::PeerCertificate* certificate = nullptr;
};

enum class AuthStatus : uint8_t {
  kAccepted,
  kRejected,
  // Accepted if the client's password (or token) matches the bcrypt `hash`: run
  // verify_password(hash, secret) off the loop, then treat the rest of the decision as
  // accepted or rejected.
  kCheckPassword,
};

// What authenticate() decided. `user`, `account` and `hash` point into the Authenticator and
// the permissions are owned by it: valid for its lifetime. `secret` points into the request.
struct AuthDecision {
  AuthStatus status = AuthStatus::kRejected;
  // Who the client is once accepted: a user name (the no_auth_user's when that applied) or an
  // nkey; empty for a token, the single user from flags, or no authentication.
  std::string_view user;
  bool is_nkey = false;
  bool from_certificate = false;  // verify_and_map chose the user from the client certificate
  const CompiledPermissions* permissions = nullptr;  // null: no restrictions
  std::string_view account;                          // empty: the global account
  std::string_view hash;                             // kCheckPassword: the configured bcrypt hash
  std::string_view secret;  // kCheckPassword: the client's password or token
};

inline constexpr size_t kMaxCachedPasswords = 1024;  // verified (hash, password) digests

class Authenticator {
 public:
  explicit Authenticator(const Options& opts, size_t max_cached_passwords = kMaxCachedPasswords);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Clients must authenticate: CONNECT must come first, within auth_timeout.
  bool auth_required() const { return auth_required_; }
  // INFO's auth_required: false when a no_auth_user lets clients in without credentials.
  bool advertise_auth_required() const { return auth_required_ && no_auth_user_.empty(); }
  // INFO carries a nonce for nkey users to sign.
  bool nonce_required() const { return !nkeys_.empty(); }
  // Some configured secret is a bcrypt hash, so checks need the worker pool.
  bool uses_bcrypt() const { return uses_bcrypt_; }
  // A configured password is plain text (nats-server warns at start-up).
  bool has_plaintext_passwords() const { return plaintext_passwords_; }
  // Entries skipped or ignored while compiling (bad permission subjects, accounts), for the log.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Loop thread; cheap and non-blocking. A bcrypt comparison verified before (same hash and
  // password) is answered from the cache; otherwise it comes back as kCheckPassword.
  AuthDecision authenticate(const AuthRequest& r) const;

  // Compares `password` with a bcrypt `hash`, remembering a match so the next identical
  // check is a cache hit. Blocking (the whole bcrypt cost): for the worker pool. Any thread.
  bool verify_password(std::string_view hash, std::string_view password) const;

  // The account of a configured user (nkey when `nkey`), "" for the global one; nullopt when
  // no such user is configured. Reload uses it: a client whose user is gone or has moved to
  // another account is disconnected, as nats-server does.
  std::optional<std::string_view> identity_account(std::string_view name, bool nkey) const;
  // Users or nkeys are configured (not just a token or a single user).
  bool has_identities() const { return !users_.empty() || !nkeys_.empty(); }

  // Takes over another authenticator's verified passwords (a reload's predecessor), so
  // connected bcrypt users are re-checked from the cache. Call before this one is shared.
  void adopt_verified_passwords(const Authenticator& previous);

  // Entries in the verified-password cache; for tests.
  size_t cached_passwords() const;

 private:
  struct Identity {
    std::string name;      // user name or nkey
    std::string password;  // users only
    std::unique_ptr<CompiledPermissions> permissions;
    std::string account;
  };
  using Digest = std::array<uint8_t, 32>;

  void add_identity(StringMap<std::unique_ptr<Identity>>& map, std::string name,
                    std::string password, const std::optional<Permissions>& own,
                    const std::optional<Permissions>& defaults, std::string_view account);
  // A configured secret against the client's: constant-time for plain text; for bcrypt a cache
  // hit, else kCheckPassword.
  AuthStatus compare_secret(std::string_view configured, std::string_view given) const;
  bool signature_valid(std::string_view nkey, std::string_view sig, std::string_view nonce) const;
  Digest cache_key(std::string_view hash, std::string_view password) const;

  bool auth_required_ = false;
  bool uses_bcrypt_ = false;
  bool plaintext_passwords_ = false;
  std::string token_;
  std::string username_, password_;
  std::string no_auth_user_;
  bool tls_map_ = false;  // verify_and_map
  StringMap<std::unique_ptr<Identity>> users_;
  StringMap<std::unique_ptr<Identity>> nkeys_;
  std::vector<std::string> warnings_;

  // Verified (hash, password) pairs as salted SHA-256 digests, never the passwords; bounded,
  // oldest forgotten first. Failed checks are never cached.
  const size_t max_cached_passwords_;
  Digest cache_salt_;
  mutable std::mutex cache_mu_;
  mutable absl::flat_hash_set<Digest> verified_;  // guarded by cache_mu_
  mutable std::deque<Digest> verified_order_;     // guarded by cache_mu_
};

}  // namespace nats
