#include "server/config_options.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "base/ascii.h"
#include "config/config_parser.h"
#include "config/duration.h"
#include "server/config_accounts.h"
#include "server/config_tls.h"

namespace nats {

namespace {

using config::Map;
using config::MapEntry;
using config::Value;

// Walks the configuration tree and fills Options, collecting every problem rather than
// stopping at the first, as nats-server does.
class Applier final : public config_detail::Context {
 public:
  Applier(Options& opts, ConfigApplyResult& result) : opts_(opts), result_(result) {}

  void apply_top_level(const Map& root) {
    for (const MapEntry& e : root.entries()) apply_top_level_key(e);
  }

  // config_detail::Context, for the accounts block (config_accounts.cc).
  void error(const config::Position& at, std::string_view reason) override {
    result_.errors.push_back(fmt::format("{}: {}", at.to_string(), reason));
  }
  void warning(const MapEntry& e, std::string_view reason) {
    result_.warnings.push_back(fmt::format("{}: invalid use of field \"{}\": {}",
                                           e.key_position.to_string(), e.key, reason));
  }
  void unknown(const MapEntry& e) override {
    if (e.used_as_variable) return;  // a variable definition, not an option
    error(e.key_position, fmt::format("unknown field \"{}\"", e.key));
  }
  void not_supported(const MapEntry& e, std::string_view feature) override {
    error(e.key_position, fmt::format("\"{}\": {} not supported yet", e.key, feature));
  }
  void wrong_type(const MapEntry& e, std::string_view expected) override {
    error(e.key_position, fmt::format("error parsing \"{}\": expected {}, got {}", e.key, expected,
                                      e.value.type_name()));
  }

 private:
  bool get_bool(const MapEntry& e, bool& out) {
    if (auto b = e.value.as_bool()) {
      out = *b;
      return true;
    }
    wrong_type(e, "a boolean");
    return false;
  }
  bool get_string(const MapEntry& e, std::string& out) {
    if (auto s = e.value.as_string()) {
      out = std::string(*s);
      return true;
    }
    wrong_type(e, "a string");
    return false;
  }
  template <typename Int>
  bool get_int(const MapEntry& e, Int& out) {
    auto v = e.value.as_int();
    if (!v) {
      wrong_type(e, "an integer");
      return false;
    }
    if (*v < int64_t(std::numeric_limits<Int>::min()) ||
        *v > int64_t(std::numeric_limits<Int>::max())) {
      error(e.key_position, fmt::format("error parsing \"{}\": {} is out of range", e.key, *v));
      return false;
    }
    out = Int(*v);
    return true;
  }
  // A Go duration string ("2m", "1h30m"); a bare integer is taken as seconds with a warning,
  // for configurations older than duration strings.
  bool get_duration(const MapEntry& e, std::chrono::nanoseconds& out) {
    if (auto s = e.value.as_string()) {
      auto d = config::parse_go_duration(*s);
      if (!d) {
        error(e.key_position,
              fmt::format("error parsing {}: time: invalid duration \"{}\"", e.key, *s));
        return false;
      }
      out = *d;
      return true;
    }
    if (auto i = e.value.as_int()) {
      warning(e, fmt::format("{} should be converted to a duration", e.key));
      out = std::chrono::seconds(*i);
      return true;
    }
    wrong_type(e, "a duration");
    return false;
  }
  // "host:port", ":port" or a bare port number.
  bool get_host_port(const MapEntry& e, std::string& host, int& port) {
    if (auto i = e.value.as_int()) {
      port = int(*i);
      return true;
    }
    auto s = e.value.as_string();
    if (!s) {
      wrong_type(e, "a port or host:port");
      return false;
    }
    const size_t colon = s->rfind(':');
    int p = 0;
    if (colon == std::string_view::npos ||
        std::from_chars(s->data() + colon + 1, s->data() + s->size(), p).ec != std::errc()) {
      error(e.key_position, fmt::format("could not parse address string \"{}\"", *s));
      return false;
    }
    std::string_view h = s->substr(0, colon);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    host = std::string(h);
    port = p;
    return true;
  }

  void apply_top_level_key(const MapEntry& e) {
    const std::string k = ascii_lower(e.key);
    if (k == "listen") {
      std::string host;
      int port = opts_.port;
      if (get_host_port(e, host, port)) {
        if (!host.empty()) opts_.host = host;
        opts_.port = port;
      }
    } else if (k == "port") {
      get_int(e, opts_.port);
    } else if (k == "host" || k == "net") {
      get_string(e, opts_.host);
    } else if (k == "server_name") {
      std::string name;
      if (get_string(e, name)) {
        if (name.find(' ') != std::string::npos) {
          error(e.key_position, "server name cannot contain spaces");
        } else {
          opts_.server_name = name;
        }
      }
    } else if (k == "client_advertise") {
      get_string(e, opts_.client_advertise);
    } else if (k == "debug") {
      get_bool(e, opts_.debug);
    } else if (k == "trace") {
      get_bool(e, opts_.trace);
    } else if (k == "trace_verbose") {
      if (get_bool(e, opts_.trace_verbose)) opts_.trace = opts_.trace_verbose;
    } else if (k == "logtime") {
      get_bool(e, opts_.logtime);
    } else if (k == "logtime_utc") {
      get_bool(e, opts_.logtime_utc);
    } else if (k == "logfile" || k == "log_file") {
      get_string(e, opts_.log_file);
    } else if (k == "logfile_size_limit" || k == "log_size_limit") {
      get_int(e, opts_.log_size_limit);
    } else if (k == "pidfile" || k == "pid_file") {
      get_string(e, opts_.pid_file);
    } else if (k == "ports_file_dir") {
      get_string(e, opts_.ports_file_dir);
    } else if (k == "http") {
      get_host_port(e, opts_.http_host, opts_.http_port);
    } else if (k == "http_port" || k == "monitor_port") {
      get_int(e, opts_.http_port);
    } else if (k == "http_base_path") {
      get_string(e, opts_.http_base_path);
    } else if (k == "max_control_line") {
      get_int(e, opts_.max_control_line);
    } else if (k == "max_payload") {
      get_int(e, opts_.max_payload);
    } else if (k == "max_pending") {
      get_int(e, opts_.max_pending);
    } else if (k == "no_fast_producer_stall") {
      get_bool(e, opts_.no_fast_producer_stall);
    } else if (k == "max_connections" || k == "max_conn") {
      get_int(e, opts_.max_connections);
    } else if (k == "max_subscriptions" || k == "max_subs") {
      get_int(e, opts_.max_subscriptions);
    } else if (k == "max_traced_msg_len") {
      get_int(e, opts_.max_traced_msg_len);
    } else if (k == "max_closed_clients") {
      get_int(e, opts_.max_closed_clients);
    } else if (k == "ping_interval") {
      get_duration(e, opts_.ping_interval);
    } else if (k == "ping_max") {
      get_int(e, opts_.max_pings_out);
    } else if (k == "write_deadline") {
      get_duration(e, opts_.write_deadline);
    } else if (k == "lame_duck_duration") {
      get_duration(e, opts_.lame_duck_duration);
    } else if (k == "lame_duck_grace_period") {
      get_duration(e, opts_.lame_duck_grace_period);
    } else if (k == "no_auth_user") {
      get_string(e, opts_.no_auth_user);
    } else if (k == "authorization") {
      apply_authorization(e);
    } else if (k == "syslog") {
      bool on = false;
      if (get_bool(e, on) && on) not_supported(e, "syslog is");
    } else if (k == "no_system_account" || k == "no_system" || k == "no_sys_acc") {
      get_bool(e, opts_.no_system_account);
    } else if (k == "https") {
      get_host_port(e, opts_.http_host, opts_.https_port);
    } else if (k == "https_port") {
      get_int(e, opts_.https_port);
    } else if (k == "tls") {
      apply_tls_block(e, opts_, result_.errors);
    } else if (k == "allow_non_tls") {
      get_bool(e, opts_.allow_non_tls);
    } else if (k == "ocsp" || k == "ocsp_cache") {
      not_supported(e, "OCSP is");
    } else if (k == "cluster" || k == "gateway" || k == "leaf" || k == "leafnodes") {
      not_supported(e, "clustering is");
    } else if (k == "jetstream" || k == "store_dir" || k == "storedir" ||
               k == "default_js_domain") {
      not_supported(e, "JetStream is");
    } else if (k == "accounts") {
      config_detail::apply_accounts(*this, e, opts_);
    } else if (k == "mappings" || k == "maps") {
      config_detail::apply_mappings(*this, e, opts_.mappings);
    } else if (k == "system_account" || k == "system") {
      get_string(e, opts_.system_account);
    } else if (k == "operator" || k == "operators" ||
               k == "roots" || k == "root" || k == "root_operators" || k == "root_operator" ||
               k == "resolver" || k == "account_resolver" || k == "accounts_resolver" ||
               k == "resolver_tls" || k == "resolver_preload" || k == "resolver_pinned_accounts" ||
               k == "trusted" || k == "trusted_keys") {
      not_supported(e, "accounts and decentralized security are");
    } else if (k == "websocket" || k == "ws") {
      not_supported(e, "WebSocket is");
    } else if (k == "mqtt") {
      not_supported(e, "MQTT is");
    } else if (k == "remote_syslog" || k == "prof_port" || k == "prof_block_rate" ||
               k == "logfile_max_num" || k == "log_max_num" || k == "server_tags" ||
               k == "server_metadata" || k == "feature_flags" || k == "proxies" ||
               k == "proxy_protocol" || k == "max_sub_tokens" || k == "max_subscription_tokens" ||
               k == "disable_sublist_cache" || k == "no_sublist_cache" ||
               k == "no_header_support" || k == "write_timeout" || k == "trace_headers" ||
               k == "connect_error_reports" || k == "reconnect_error_reports" ||
               k == "default_sentinel") {
      not_supported(e, "this option is");
    } else {
      unknown(e);
    }
  }

  void apply_authorization(const MapEntry& e) {
    const Map* m = e.value.as_map();
    if (m == nullptr) {
      wrong_type(e, "a map");
      return;
    }
    for (const MapEntry& a : m->entries()) {
      const std::string k = ascii_lower(a.key);
      if (k == "user" || k == "username") {
        get_string(a, opts_.username);
      } else if (k == "pass" || k == "password") {
        get_string(a, opts_.password);
      } else if (k == "token") {
        get_string(a, opts_.authorization);
      } else if (k == "timeout") {
        // Seconds as a number (a float allowed), or a duration string.
        if (auto n = a.value.as_number()) {
          opts_.auth_timeout = std::chrono::nanoseconds(int64_t(*n * 1e9));
        } else {
          get_duration(a, opts_.auth_timeout);
        }
      } else if (k == "users") {
        parse_users(a, opts_.users, opts_.nkeys);
      } else if (k == "default_permission" || k == "default_permissions" || k == "permissions") {
        Permissions p;
        if (parse_permissions(a, p)) opts_.default_permissions = p;
      } else if (k == "auth_callout" || k == "auth_hook") {
        not_supported(a, "auth callout is");
      } else {
        unknown(a);
      }
    }
  }

  void parse_users(const MapEntry& e, std::vector<User>& users,
                   std::vector<NkeyUser>& nkeys) override {
    const config::Array* list = e.value.as_array();
    if (list == nullptr) {
      error(e.key_position, "Expected users field to be an array");
      return;
    }
    for (const Value& u : *list) {
      const Map* um = u.as_map();
      if (um == nullptr) {
        error(u.position(), "Expected user entry to be a map/struct");
        continue;
      }
      User user;
      NkeyUser nkey;
      std::optional<Permissions> perms;
      for (const MapEntry& f : um->entries()) {
        const std::string k = ascii_lower(f.key);
        if (k == "nkey") {
          get_string(f, nkey.nkey);
        } else if (k == "user" || k == "username") {
          get_string(f, user.username);
        } else if (k == "pass" || k == "password") {
          get_string(f, user.password);
        } else if (k == "permission" || k == "permissions" || k == "authorization") {
          Permissions p;
          if (parse_permissions(f, p)) perms = p;
        } else if (k == "allowed_connection_types" || k == "connection_types" || k == "clients" ||
                   k == "proxy_required") {
          not_supported(f, "this option is");
        } else {
          unknown(f);
        }
      }
      if (!nkey.nkey.empty()) {
        if (!user.username.empty() || !user.password.empty()) {
          error(u.position(), "Nkey users do not take usernames or passwords");
          continue;
        }
        nkey.permissions = perms;
        nkeys.push_back(std::move(nkey));
      } else if (!user.username.empty()) {
        user.permissions = perms;
        users.push_back(std::move(user));
      } else {
        error(u.position(), "User entry requires a user");
      }
    }
  }

  // Subjects as one string or an array of strings.
  bool parse_subjects(const MapEntry& e, const Value& v, std::vector<std::string>& out) {
    if (auto s = v.as_string()) {
      out.emplace_back(*s);
      return true;
    }
    if (const config::Array* a = v.as_array()) {
      for (const Value& s : *a) {
        auto str = s.as_string();
        if (!str) {
          error(s.position(), "Subject in permissions array cannot be cast to string");
          return false;
        }
        out.emplace_back(*str);
      }
      return true;
    }
    error(e.key_position, "Expected subject permissions to be a subject, or array of subjects");
    return false;
  }

  // `publish: "foo"`, `publish: ["a", "b"]` or `publish: {allow: [...], deny: [...]}`.
  bool parse_subject_permission(const MapEntry& e, SubjectPermission& out) {
    if (const Map* m = e.value.as_map()) {
      for (const MapEntry& f : m->entries()) {
        const std::string k = ascii_lower(f.key);
        if (k == "allow") {
          if (!parse_subjects(f, f.value, out.allow)) return false;
        } else if (k == "deny") {
          if (!parse_subjects(f, f.value, out.deny)) return false;
        } else {
          error(f.key_position,
                fmt::format("Unknown field name \"{}\" parsing subject permissions", f.key));
          return false;
        }
      }
      return true;
    }
    return parse_subjects(e, e.value, out.allow);
  }

  bool parse_permissions(const MapEntry& e, Permissions& p) override {
    const Map* m = e.value.as_map();
    if (m == nullptr) {
      error(e.key_position, "Expected permissions to be a map/struct");
      return false;
    }
    bool ok = true;
    for (const MapEntry& f : m->entries()) {
      const std::string k = ascii_lower(f.key);
      if (k == "pub" || k == "publish" || k == "import") {
        SubjectPermission sp;
        if (parse_subject_permission(f, sp))
          p.publish = sp;
        else
          ok = false;
      } else if (k == "sub" || k == "subscribe" || k == "export") {
        SubjectPermission sp;
        if (parse_subject_permission(f, sp))
          p.subscribe = sp;
        else
          ok = false;
      } else if (k == "publish_allow_responses" || k == "allow_responses") {
        if (auto b = f.value.as_bool()) {
          if (*b) p.response = ResponsePermission{};
        } else if (const Map* rm = f.value.as_map()) {
          ResponsePermission rp;
          for (const MapEntry& r : rm->entries()) {
            const std::string rk = ascii_lower(r.key);
            if (rk == "max" || rk == "max_msgs" || rk == "max_messages" || rk == "max_responses") {
              int max = 0;
              if (get_int(r, max) && max != 0) rp.max_msgs = max;
            } else if (rk == "expires" || rk == "expiration" || rk == "ttl") {
              std::chrono::nanoseconds ttl{0};
              if (get_duration(r, ttl) && ttl.count() != 0) rp.expires = ttl;
            } else {
              error(r.key_position, fmt::format("Unknown field \"{}\" parsing permissions", r.key));
              ok = false;
            }
          }
          p.response = rp;
        } else {
          error(f.key_position, "error parsing response permissions, expected a boolean or a map");
          ok = false;
        }
        // Responses are an exception to the publish allow list, so there must be one.
        if (p.response && !p.publish) p.publish = SubjectPermission{};
      } else {
        error(f.key_position, fmt::format("Unknown field \"{}\" parsing permissions", f.key));
        ok = false;
      }
    }
    return ok;
  }

  Options& opts_;
  ConfigApplyResult& result_;
};

}  // namespace

std::string ConfigApplyResult::to_string() const {
  std::string out;
  for (const std::string& w : warnings) out += w + "\n";
  for (const std::string& e : errors) out += e + "\n";
  return out;
}

ConfigApplyResult apply_config(const config::Map& root, Options& opts) {
  ConfigApplyResult result;
  Applier(opts, result).apply_top_level(root);
  // nats-server treats warnings as fatal too when loading a file.
  return result;
}

ConfigApplyResult load_config_file(const std::string& path, Options& opts) {
  opts.config_file = path;
  config::ParseResult parsed = config::parse_config_file(path);
  if (!parsed.ok()) {
    ConfigApplyResult r;
    r.errors.push_back(parsed.error().to_string());
    return r;
  }
  return apply_config(parsed.map(), opts);
}

}  // namespace nats
