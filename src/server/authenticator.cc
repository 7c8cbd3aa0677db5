#include "server/authenticator.h"

#include <openssl/evp.h>

#include <fmt/format.h>
#include <sodium.h>

#include "base/check.h"
#include "base/go_quote.h"
#include "crypto/bcrypt.h"
#include "crypto/nkeys.h"
#include "crypto/random.h"
#include "server/account.h"
#include "server/cert_user_map.h"
#include "server/options.h"

namespace nats {
namespace {

// Constant-time for equal lengths, so a wrong guess takes as long as a right one.
bool secure_equal(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// nats-server accepts the signature as base64url without padding, or else as standard base64.
std::optional<crypto::Signature> decode_signature(std::string_view sig) {
  crypto::ensure_sodium();
  crypto::Signature out;
  for (int variant : {sodium_base64_VARIANT_URLSAFE_NO_PADDING, sodium_base64_VARIANT_ORIGINAL}) {
    size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), sig.data(), sig.size(), nullptr, &len, &end,
                          variant) == 0 &&
        end == sig.data() + sig.size() && len == out.size()) {
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace

Authenticator::Authenticator(const Options& o, size_t max_cached_passwords)
    : token_(o.authorization),
      username_(o.username),
      password_(o.password),
      no_auth_user_(o.no_auth_user),
      tls_map_(o.tls_map),
      max_cached_passwords_(max_cached_passwords) {
  crypto::random_bytes(cache_salt_);
  for (const NkeyUser& n : o.nkeys) {
    if (!crypto::decode_public_key(crypto::PrefixByte::kUser, n.nkey)) {
      warnings_.push_back(fmt::format("Not a valid public nkey for a user: {}", go_quote(n.nkey)));
    }
    add_identity(nkeys_, n.nkey, {}, n.permissions, o.default_permissions, n.account);
  }
  for (const User& u : o.users) {
    add_identity(users_, u.username, u.password, u.permissions, o.default_permissions, u.account);
    uses_bcrypt_ = uses_bcrypt_ || crypto::is_bcrypt(u.password);
    plaintext_passwords_ = plaintext_passwords_ || !crypto::is_bcrypt(u.password);
  }
  uses_bcrypt_ = uses_bcrypt_ || crypto::is_bcrypt(token_) || crypto::is_bcrypt(password_);
  plaintext_passwords_ =
      plaintext_passwords_ || (!password_.empty() && !crypto::is_bcrypt(password_));
  auth_required_ = !users_.empty() || !nkeys_.empty() || !token_.empty() || !username_.empty();
  if (!no_auth_user_.empty() && !users_.contains(no_auth_user_) &&
      !nkeys_.contains(no_auth_user_)) {
    warnings_.push_back(fmt::format(
        "no_auth_user: \"{}\" not present as user or nkey in authorization block", no_auth_user_));
  }
}

Authenticator::~Authenticator() = default;

void Authenticator::add_identity(StringMap<std::unique_ptr<Identity>>& map, std::string name,
                                 std::string password, const std::optional<Permissions>& own,
                                 const std::optional<Permissions>& defaults,
                                 std::string_view account) {
  auto id = std::make_unique<Identity>();
  id->name = name;
  id->password = std::move(password);
  id->account.assign(account);
  // The authorization block's default permissions are for its own users; users of an
  // account got their account's defaults from the configuration.
  static const std::optional<Permissions> kNone;
  const std::optional<Permissions>& perms = own ? own : account.empty() ? defaults : kNone;
  if (perms) {
    std::vector<std::string> errors;
    id->permissions = std::make_unique<CompiledPermissions>(*perms, &errors);
    for (auto& e : errors) warnings_.push_back(fmt::format("{}: {}", go_quote(name), e));
  }
  // A duplicate is a configuration error (validate_auth_options); the first one wins here.
  map.emplace(std::move(name), std::move(id));
}

AuthStatus Authenticator::compare_secret(std::string_view configured,
                                         std::string_view given) const {
  if (!crypto::is_bcrypt(configured)) {
    return secure_equal(configured, given) ? AuthStatus::kAccepted : AuthStatus::kRejected;
  }
  const Digest key = cache_key(configured, given);
  std::lock_guard lock(cache_mu_);
  return verified_.contains(key) ? AuthStatus::kAccepted : AuthStatus::kCheckPassword;
}

bool Authenticator::signature_valid(std::string_view nkey, std::string_view sig,
                                    std::string_view nonce) const {
  if (sig.empty() || nonce.empty()) return false;
  auto raw = decode_signature(sig);
  if (!raw) return false;
  return crypto::verify(nkey, nonce, *raw);
}

AuthDecision Authenticator::authenticate(const AuthRequest& r) const {
  AuthDecision d;
  if (!auth_required_) {
    d.status = AuthStatus::kAccepted;
    return d;
  }
  const bool no_credentials = r.user.empty() && r.password.empty() && r.token.empty();

  const Identity* nkey = nullptr;
  if (!nkeys_.empty()) {
    std::string_view key = r.nkey;
    if (!no_auth_user_.empty() && no_credentials && key.empty() && nkeys_.contains(no_auth_user_))
      key = no_auth_user_;
    if (!key.empty()) {
      auto it = nkeys_.find(key);
      if (it == nkeys_.end()) return d;
      nkey = it->second.get();
    }
  }
  if (nkey != nullptr) {
    // The no_auth_user stands for clients that present nothing, so it signs nothing.
    if (nkey->name != no_auth_user_ && !signature_valid(nkey->name, r.sig, r.nonce)) return d;
    d.status = AuthStatus::kAccepted;
    d.user = nkey->name;
    d.is_nkey = true;
    d.permissions = nkey->permissions.get();
    d.account = nkey->account;
    return d;
  }

  if (!users_.empty() && tls_map_) {
    // verify_and_map: the certificate says who the client is; a CONNECT's user name is ignored.
    if (r.certificate == nullptr) return d;
    std::vector<std::string_view> names;
    names.reserve(users_.size());
    for (const auto& [name, id] : users_) names.push_back(name);
    auto mapped = map_certificate_to_user(
        *r.certificate, [this](std::string_view n) { return users_.contains(n); }, names);
    if (!mapped) return d;
    const Identity& u = *users_.find(*mapped)->second;
    d.user = u.name;
    d.from_certificate = true;
    d.permissions = u.permissions.get();
    d.account = u.account;
    // As in nats-server, a password in the CONNECT must still match the user's (normally none).
    d.status = compare_secret(u.password, r.password);
    if (d.status == AuthStatus::kCheckPassword) {
      d.hash = u.password;
      d.secret = r.password;
    }
    return d;
  }

  if (!users_.empty()) {
    std::string_view name = r.user;
    std::string_view password = r.password;
    if (!no_auth_user_.empty() && no_credentials) {
      if (auto it = users_.find(no_auth_user_); it != users_.end()) {
        // As in nats-server, the no_auth_user is handed its own configured password.
        name = it->second->name;
        password = it->second->password;
      }
    }
    if (!name.empty()) {
      auto it = users_.find(name);
      if (it == users_.end()) return d;
      const Identity& u = *it->second;
      d.user = u.name;
      d.permissions = u.permissions.get();
      d.account = u.account;
      if (password.data() == u.password.data() && crypto::is_bcrypt(u.password)) {
        // A bcrypt hash never matches itself: nats-server refuses such a no_auth_user too.
        return d;
      }
      d.status = compare_secret(u.password, password);
      if (d.status == AuthStatus::kCheckPassword) {
        d.hash = u.password;
        d.secret = password;
      }
      return d;
    }
  }

  if (!token_.empty()) {
    d.status = compare_secret(token_, r.token);
    if (d.status == AuthStatus::kCheckPassword) {
      d.hash = token_;
      d.secret = r.token;
    }
    return d;
  }
  if (!username_.empty()) {
    if (!secure_equal(username_, r.user)) return d;
    d.status = compare_secret(password_, r.password);
    if (d.status == AuthStatus::kCheckPassword) {
      d.hash = password_;
      d.secret = r.password;
    }
    return d;
  }
  return d;
}

Authenticator::Digest Authenticator::cache_key(std::string_view hash,
                                               std::string_view password) const {
  // Salted with a per-process random value, so a digest seen in a core dump cannot be used to
  // test guesses faster than bcrypt would allow without also knowing the salt.
  Digest out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  NATS_CHECK(ctx != nullptr);
  const unsigned char separator = 0;
  unsigned int len = 0;
  const bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, cache_salt_.data(), cache_salt_.size()) == 1 &&
                  EVP_DigestUpdate(ctx, hash.data(), hash.size()) == 1 &&
                  EVP_DigestUpdate(ctx, &separator, 1) == 1 &&
                  EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, out.data(), &len) == 1;
  EVP_MD_CTX_free(ctx);
  NATS_CHECK(ok && len == out.size());
  return out;
}

bool Authenticator::verify_password(std::string_view hash, std::string_view password) const {
  const Digest key = cache_key(hash, password);
  {
    std::lock_guard lock(cache_mu_);
    if (verified_.contains(key)) return true;
  }
  if (!crypto::bcrypt_verify(hash, password)) return false;
  std::lock_guard lock(cache_mu_);
  if (verified_.insert(key).second) {
    verified_order_.push_back(key);
    if (verified_order_.size() > max_cached_passwords_) {
      verified_.erase(verified_order_.front());
      verified_order_.pop_front();
    }
  }
  return true;
}

std::optional<std::string_view> Authenticator::identity_account(std::string_view name,
                                                               bool nkey) const {
  const auto& map = nkey ? nkeys_ : users_;
  auto it = map.find(name);
  if (it == map.end()) return std::nullopt;
  return std::string_view(it->second->account);
}

void Authenticator::adopt_verified_passwords(const Authenticator& previous) {
  std::scoped_lock lock(cache_mu_, previous.cache_mu_);
  // The digests are salted: the salt comes along with them.
  cache_salt_ = previous.cache_salt_;
  verified_ = previous.verified_;
  verified_order_ = previous.verified_order_;
  while (verified_order_.size() > max_cached_passwords_) {
    verified_.erase(verified_order_.front());
    verified_order_.pop_front();
  }
}

size_t Authenticator::cached_passwords() const {
  std::lock_guard lock(cache_mu_);
  return verified_.size();
}

}  // namespace nats
