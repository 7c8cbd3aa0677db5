#pragma once
// The `accounts {}` and `mappings {}` blocks of a configuration file, with nats-server's
// (server/opts.go parseAccounts, parseAccountMappings, ...) keys, aliases and error texts.
// Part of the configuration mapper (config_options.cc), which hands itself in as the Context
// for error reporting and for the parts shared with `authorization {}` (users, permissions).
//
// Checks that need every account (references, authorization of imports, cycles) are not made
// here but by AccountRegistry (server/account.h) through validate_auth_options().
// Main thread, at start-up and reload.

#include <string_view>
#include <vector>

#include "config/config_value.h"
#include "server/options.h"

namespace nats::config_detail {

class Context {
 public:
  virtual ~Context() = default;
  virtual void error(const config::Position& at, std::string_view reason) = 0;
  // "unknown field" unless the key is a variable definition.
  virtual void unknown(const config::MapEntry& e) = 0;
  virtual void not_supported(const config::MapEntry& e, std::string_view feature) = 0;
  virtual void wrong_type(const config::MapEntry& e, std::string_view expected) = 0;
  // A `users` array, as in `authorization {}`.
  virtual void parse_users(const config::MapEntry& e, std::vector<User>& users,
                           std::vector<NkeyUser>& nkeys) = 0;
  virtual bool parse_permissions(const config::MapEntry& e, Permissions& p) = 0;
};

void apply_accounts(Context& ctx, const config::MapEntry& e, Options& opts);
void apply_mappings(Context& ctx, const config::MapEntry& e, std::vector<SubjectMapping>& out);

// Go's %T of a configuration value ("string", "int64", "map[string]interface {}", ...), which
// nats-server puts in some error texts.
std::string_view go_type_name(const config::Value& v);

}  // namespace nats::config_detail
