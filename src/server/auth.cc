#include "server/auth.h"

#include <fmt/format.h>

#include <set>

#include "base/go_quote.h"
#include "crypto/nkeys.h"
#include "server/account.h"
#include "server/options.h"
#include "server/permissions.h"
#include "server/subject.h"

namespace nats {
namespace {

// nats-server's checkPermSubjectArray: every entry a valid subject, or in subscribe lists a
// valid "subject queue" pair.
std::string check_subjects(const std::vector<std::string>& list, bool allow_queue) {
  for (const std::string& s : list) {
    if (is_valid_subject(s)) continue;
    if (!allow_queue) return fmt::format("subject {} is not a valid subject", go_quote(s));
    std::string subject, queue;
    if (!split_subject_queue(s, subject, queue)) {
      // Tell which half is wrong when there are two.
      std::vector<std::string_view> fields;
      size_t i = 0;
      while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) fields.push_back(std::string_view(s).substr(start, i - start));
      }
      if (fields.size() == 2 && is_valid_subject(fields[0]))
        return fmt::format("queue {} is not a valid queue", go_quote(fields[1]));
      if (fields.size() == 2)
        return fmt::format("subject {} is not a valid subject", go_quote(fields[0]));
      return fmt::format("subject {} is not a valid subject", go_quote(s));
    }
  }
  return {};
}

std::string check_permissions(const Permissions& p) {
  if (p.publish) {
    if (auto e = check_subjects(p.publish->allow, false); !e.empty()) return "publish allow: " + e;
    if (auto e = check_subjects(p.publish->deny, false); !e.empty()) return "publish deny: " + e;
  }
  if (p.subscribe) {
    if (auto e = check_subjects(p.subscribe->allow, true); !e.empty())
      return "subscribe allow: " + e;
    if (auto e = check_subjects(p.subscribe->deny, true); !e.empty()) return "subscribe deny: " + e;
  }
  return {};
}

}  // namespace

std::vector<std::string> validate_auth_options(const Options& o) {
  std::vector<std::string> errors;
  const bool has_list = !o.users.empty() || !o.nkeys.empty();
  if (!o.users.empty() && !o.username.empty())
    errors.push_back("Can not have a single user/pass and a users array");
  if (!o.users.empty() && !o.authorization.empty())
    errors.push_back("Can not have a token and a users array");

  std::set<std::string_view> seen;
  for (const User& u : o.users) {
    if (!seen.insert(u.username).second)
      errors.push_back(fmt::format("Duplicate user {} detected", go_quote(u.username)));
    if (u.permissions) {
      if (auto e = check_permissions(*u.permissions); !e.empty())
        errors.push_back(
            fmt::format("invalid permissions for user {}: {}", go_quote(u.username), e));
    }
  }
  seen.clear();
  for (const NkeyUser& n : o.nkeys) {
    if (!crypto::decode_public_key(crypto::PrefixByte::kUser, n.nkey))
      errors.push_back("Not a valid public nkey for a user");
    if (!seen.insert(n.nkey).second)
      errors.push_back(fmt::format("Duplicate nkey {} detected", go_quote(n.nkey)));
    if (n.permissions) {
      if (auto e = check_permissions(*n.permissions); !e.empty())
        errors.push_back(fmt::format("invalid permissions for nkey {}: {}", go_quote(n.nkey), e));
    }
  }
  if (o.default_permissions) {
    if (auto e = check_permissions(*o.default_permissions); !e.empty())
      errors.push_back("invalid default permissions: " + e);
  }

  if (!o.no_auth_user.empty()) {
    if (!has_list) {
      errors.push_back(fmt::format("no_auth_user: \"{}\" present, but users/nkeys are not defined",
                                   o.no_auth_user));
    } else {
      bool found = false;
      for (const User& u : o.users) found = found || u.username == o.no_auth_user;
      for (const NkeyUser& n : o.nkeys) found = found || n.nkey == o.no_auth_user;
      if (!found) {
        errors.push_back(fmt::format(
            "no_auth_user: \"{}\" not present as user or nkey in authorization block or account "
            "configuration",
            o.no_auth_user));
      }
    }
  }
  for (std::string& e : validate_accounts(o)) errors.push_back(std::move(e));
  return errors;
}

}  // namespace nats
