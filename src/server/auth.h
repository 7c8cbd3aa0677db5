#pragma once
// The authentication and authorization model: users, nkey users and their permissions, as plain
// data in Options. The configuration mapper and tests fill it; the server compiles it at start-up
// (server/authenticator.h, server/permissions.h) and never changes it afterwards.
//
// The meanings are nats-server's (docs.nats.io, "Authorization"):
// - A subject list entry is a subject that may hold wildcards. In subscribe lists an entry may be
//   "subject queue": it then concerns queue subscriptions in that queue group (the queue may
//   itself use wildcards, "foo.> v1.*"). `allow = ["foo"]` permits plain and queue
//   subscriptions to foo in any group; `allow = ["foo v1"]` only queue subscriptions in v1.
// - An empty allow list means "no allow list": everything is allowed unless denied. Deny always
//   wins over allow.
// - `response` (allow_responses) lets a client publish to the reply subject of each request
//   it received, at most `max_msgs` times within `expires`, even where its publish permissions
//   would refuse it. With `response` set and no publish allow list, nothing else may be
//   published (the reply subjects are all the client may publish to), as in nats-server.
//
// Plain data: copyable, no invariants beyond what validate_auth_options() checks.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace nats {

struct Options;

struct SubjectPermission {
  std::vector<std::string> allow;  // empty: everything not denied is allowed
  std::vector<std::string> deny;

  bool operator==(const SubjectPermission&) const = default;
};

// nats-server's defaults: one response within two minutes.
inline constexpr int kDefaultAllowResponseMaxMsgs = 1;
inline constexpr std::chrono::nanoseconds kDefaultAllowResponseExpires = std::chrono::minutes(2);

struct ResponsePermission {
  int max_msgs = kDefaultAllowResponseMaxMsgs;  // 0: the default; negative: unlimited
  std::chrono::nanoseconds expires{0};          // 0: the default (2 minutes); negative: never

  bool operator==(const ResponsePermission&) const = default;
};

struct Permissions {
  std::optional<SubjectPermission> publish;
  std::optional<SubjectPermission> subscribe;
  std::optional<ResponsePermission> response;

  bool operator==(const Permissions&) const = default;
};

// A user authenticated by name and password. `password` is plain text or a bcrypt hash
// ("$2a$", "$2b$", "$2y$" ...); a hash is checked with bcrypt, off the event loops.
struct User {
  std::string username;
  std::string password;
  std::optional<Permissions> permissions;  // none: Options::default_permissions, else anything
  std::string account;                     // empty: the global account ($G)

  bool operator==(const User&) const = default;
};

// A user authenticated by an Ed25519 signature of the nonce in INFO; `nkey` is its public key
// ("U...").
struct NkeyUser {
  std::string nkey;
  std::optional<Permissions> permissions;  // none: Options::default_permissions, else anything
  std::string account;                     // empty: the global account ($G)

  bool operator==(const NkeyUser&) const = default;
};

// Problems nats-server refuses to start with, in its words where it has them: a no_auth_user
// that names nobody, a user list next to a token or single user, a duplicated user, invalid
// permission subjects, an nkey that is not a user public key. Empty when all is well. The
// configuration mapper reports them; the server itself only logs and skips bad entries.
std::vector<std::string> validate_auth_options(const Options& opts);

}  // namespace nats
