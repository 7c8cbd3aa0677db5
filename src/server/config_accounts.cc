#include "server/config_accounts.h"

#include <charconv>
#include <set>

#include <fmt/format.h>

#include "base/ascii.h"
#include "config/duration.h"
#include "crypto/nkeys.h"
#include "server/account.h"
#include "server/subject.h"
#include "server/subject_mapping.h"
#include "server/subject_transform.h"

namespace nats::config_detail {

namespace {

using config::Map;
using config::MapEntry;
using config::Value;

class AccountsParser {
 public:
  AccountsParser(Context& ctx, Options& opts) : ctx_(ctx), opts_(opts) {}

  void parse(const MapEntry& e) {
    if (const config::Array* names = e.value.as_array()) {
      parse_name_list(*names);
      return;
    }
    const Map* m = e.value.as_map();
    if (m == nullptr) {
      ctx_.wrong_type(e, "a map or an array");
      return;
    }
    opts_.accounts_position = e.key_position.to_string();
    for (const MapEntry& a : m->entries()) {
      if (a.used_as_variable) continue;
      const Map* am = a.value.as_map();
      if (am == nullptr) {
        ctx_.error(a.key_position, "Expected map entries for accounts");
        continue;
      }
      if (a.key == kGlobalAccountName) {
        ctx_.error(a.key_position, fmt::format("\"{}\" is a Reserved Account", a.key));
        continue;
      }
      parse_account(a.key, *am);
    }
  }

 private:
  void parse_name_list(const config::Array& names) {
    std::set<std::string> seen;
    for (const Value& v : names) {
      auto name = v.as_string();
      if (!name) {
        ctx_.error(v.position(), "Expected account name to be a string");
        continue;
      }
      if (*name == kGlobalAccountName) {
        ctx_.error(v.position(), fmt::format("\"{}\" is a Reserved Account", *name));
        continue;
      }
      if (!seen.insert(std::string(*name)).second) {
        ctx_.error(v.position(), fmt::format("Duplicate Account Entry: {}", *name));
        continue;
      }
      AccountOptions ao;
      ao.name = std::string(*name);
      opts_.accounts.push_back(std::move(ao));
    }
  }

  void parse_account(const std::string& name, const Map& m) {
    AccountOptions ao;
    ao.name = name;
    std::vector<User> users;
    std::vector<NkeyUser> nkeys;
    const MapEntry* users_entry = nullptr;
    for (const MapEntry& f : m.entries()) {
      const std::string k = ascii_lower(f.key);
      if (k == "nkey") {
        auto nk = f.value.as_string();
        if (!nk || !crypto::decode_public_key(crypto::PrefixByte::kAccount, *nk)) {
          ctx_.error(f.key_position, fmt::format("Not a valid public nkey for an account: \"{}\"",
                                                 nk ? std::string(*nk) : std::string()));
          continue;
        }
        ao.nkey = std::string(*nk);
      } else if (k == "imports") {
        parse_imports(f, ao.imports);
      } else if (k == "exports") {
        parse_exports(f, ao.exports);
      } else if (k == "users") {
        users_entry = &f;
        ctx_.parse_users(f, users, nkeys);
      } else if (k == "default_permissions") {
        Permissions p;
        if (ctx_.parse_permissions(f, p)) ao.default_permissions = p;
      } else if (k == "mappings" || k == "maps") {
        apply_mappings(ctx_, f, ao.mappings);
      } else if (k == "limits") {
        parse_limits(f, ao.limits);
      } else if (k == "jetstream") {
        ctx_.not_supported(f, "JetStream is");
      } else if (k == "msg_trace" || k == "trace_dest") {
        ctx_.not_supported(f, "message tracing is");
      } else {
        ctx_.unknown(f);
      }
    }
    if (users_entry != nullptr && (!users.empty() || !nkeys.empty())) {
      if (!opts_.username.empty()) {
        ctx_.error(users_entry->key_position, "Can not have a single user/pass and accounts");
        return;
      }
      if (!opts_.authorization.empty()) {
        ctx_.error(users_entry->key_position, "Can not have a token and accounts");
        return;
      }
    }
    // The account's default permissions are for its users without their own.
    for (User& u : users) {
      if (!u.permissions) u.permissions = ao.default_permissions;
      u.account = name;
      opts_.users.push_back(std::move(u));
    }
    for (NkeyUser& n : nkeys) {
      if (!n.permissions) n.permissions = ao.default_permissions;
      n.account = name;
      opts_.nkeys.push_back(std::move(n));
    }
    opts_.accounts.push_back(std::move(ao));
  }

  void parse_limits(const MapEntry& e, AccountLimits& limits) {
    const Map* m = e.value.as_map();
    if (m == nullptr) {
      ctx_.error(e.key_position, fmt::format("Expected account limits to be a map/struct, got {}",
                                             e.value.debug_string()));
      return;
    }
    for (const MapEntry& f : m->entries()) {
      const std::string k = ascii_lower(f.key);
      int64_t* target = k == "max_connections" || k == "max_conn"     ? &limits.max_connections
                        : k == "max_subscriptions" || k == "max_subs" ? &limits.max_subscriptions
                        : k == "max_payload" || k == "max_pay"        ? &limits.max_payload
                        : k == "max_leafnodes" || k == "max_leafs"    ? &limits.max_leafnodes
                                                                      : nullptr;
      if (target == nullptr) {
        if (!f.used_as_variable)
          ctx_.error(f.key_position,
                     fmt::format("Unknown field \"{}\" parsing account limits", f.key));
        continue;
      }
      auto v = f.value.as_int();
      if (!v) {
        ctx_.wrong_type(f, "an integer");
        continue;
      }
      *target = *v;
    }
  }

  // ---- exports ----

  // `kind`s should be an array of maps ("Exports should be an array, got ...", "Export Items
  // should be a map with type entry, got ..."); calls item() for each map.
  template <typename Fn>
  void for_each_item(const MapEntry& e, std::string_view kind, Fn item) {
    const config::Array* items = e.value.as_array();
    if (items == nullptr) {
      ctx_.error(e.key_position,
                 fmt::format("{}s should be an array, got {}", kind, go_type_name(e.value)));
      return;
    }
    for (const Value& v : *items) {
      if (const Map* m = v.as_map()) {
        item(v, *m);
      } else {
        ctx_.error(v.position(), fmt::format("{} Items should be a map with type entry, got {}",
                                             kind, go_type_name(v)));
      }
    }
  }

  void parse_exports(const MapEntry& e, std::vector<ExportOptions>& out) {
    for_each_item(e, "Export", [&](const Value&, const Map& m) {
      if (auto ex = parse_export(m)) out.push_back(std::move(*ex));
    });
  }

  std::optional<ExportOptions> parse_export(const Map& m) {
    ExportOptions ex;
    bool is_stream = false, is_service = false;
    const MapEntry* response_at = nullptr;
    const MapEntry* latency_at = nullptr;
    bool threshold_seen = false;
    for (const MapEntry& f : m.entries()) {
      const std::string k = ascii_lower(f.key);
      if (k == "stream" || k == "service") {
        const bool service = k == "service";
        if (service ? is_stream : is_service) {
          ctx_.error(f.key_position,
                     fmt::format("Detected {} \"{}\" but already saw a {}", k,
                                 f.value.as_string().value_or(""), service ? "stream" : "service"));
          continue;
        }
        if (!service && response_at != nullptr) {
          ctx_.error(response_at->key_position, "Detected response directive on non-service");
          continue;
        }
        if (!service && latency_at != nullptr) {
          ctx_.error(latency_at->key_position, "Detected latency directive on non-service");
          continue;
        }
        auto s = f.value.as_string();
        if (!s) {
          ctx_.error(f.key_position, fmt::format("Expected {} name to be string, got {}", k,
                                                 go_type_name(f.value)));
          continue;
        }
        ex.subject = std::string(*s);
        ex.service = service;
        (service ? is_service : is_stream) = true;
      } else if (k == "response" || k == "response_type") {
        if (response_at != nullptr) {
          ctx_.error(f.key_position, "Duplicate response type definition");
          continue;
        }
        response_at = &f;
        auto s = f.value.as_string();
        if (!s) {
          ctx_.error(f.key_position, fmt::format("Expected response type to be string, got {}",
                                                 go_type_name(f.value)));
          continue;
        }
        const std::string t = ascii_lower(*s);
        if (t == "single" || t == "singleton") {
          ex.response_type = ServiceResponseType::kSingleton;
        } else if (t == "stream") {
          ex.response_type = ServiceResponseType::kStream;
        } else if (t == "chunk" || t == "chunked") {
          ex.response_type = ServiceResponseType::kChunked;
        } else {
          ctx_.error(f.key_position, fmt::format("Unknown response type: \"{}\"", *s));
          continue;
        }
        if (is_stream) ctx_.error(f.key_position, "Detected response directive on non-service");
      } else if (k == "threshold" || k == "response_threshold" || k == "response_max_time" ||
                 k == "response_time") {
        if (threshold_seen) {
          ctx_.error(f.key_position, "Duplicate response threshold detected");
          continue;
        }
        threshold_seen = true;
        auto s = f.value.as_string();
        if (!s) {
          ctx_.error(f.key_position,
                     fmt::format("Expected response threshold to be a parseable time duration, "
                                 "got {}",
                                 go_type_name(f.value)));
          continue;
        }
        auto d = config::parse_go_duration(*s);
        if (!d) {
          ctx_.error(f.key_position,
                     fmt::format("Expected response threshold to be a parseable time duration, "
                                 "got \"{}\"",
                                 *s));
          continue;
        }
        ex.response_threshold = *d;
        if (is_stream) ctx_.error(f.key_position, "Detected response directive on non-service");
      } else if (k == "accounts") {
        const config::Array* names = f.value.as_array();
        if (names == nullptr) {
          ctx_.wrong_type(f, "an array");
          continue;
        }
        std::vector<std::string> list;
        for (const Value& n : *names) {
          if (auto s = n.as_string()) list.emplace_back(*s);
        }
        ex.accounts = std::move(list);
      } else if (k == "latency") {
        latency_at = &f;
        ServiceLatencyOptions lat;
        if (!parse_latency(f, lat)) continue;
        if (is_stream) {
          ctx_.error(f.key_position, "Detected latency directive on non-service");
          continue;
        }
        ex.latency = lat;
      } else if (k == "account_token_position") {
        auto v = f.value.as_int();
        if (!v || *v < 0) {
          ctx_.wrong_type(f, "an integer");
          continue;
        }
        ex.account_token_position = unsigned(*v);
      } else if (k == "allow_trace") {
        if (is_stream) ctx_.error(f.key_position, "Detected allow_trace directive on non-service");
      } else if (!f.used_as_variable) {
        ctx_.unknown(f);
      }
    }
    if (!is_stream && !is_service) return std::nullopt;
    return ex;
  }

  bool parse_latency(const MapEntry& e, ServiceLatencyOptions& lat) {
    if (auto s = e.value.as_string()) {
      lat.subject = std::string(*s);
      return true;
    }
    const Map* m = e.value.as_map();
    if (m == nullptr) {
      ctx_.error(e.key_position,
                 fmt::format("Expected latency entry to be a map/struct or string, got {}",
                             go_type_name(e.value)));
      return false;
    }
    if (const MapEntry* s = m->find_entry("sampling")) {
      int64_t sample = 0;
      bool headers = false;
      if (auto i = s->value.as_int()) {
        sample = *i;
      } else if (auto str = s->value.as_string()) {
        std::string t = ascii_lower(*str);
        while (!t.empty() && t.back() == ' ') t.pop_back();
        while (!t.empty() && t.front() == ' ') t.erase(0, 1);
        if (t == "headers") {
          headers = true;
        } else {
          std::string_view num = *str;
          if (!num.empty() && num.back() == '%') num.remove_suffix(1);
          auto n = go_atoi(num);
          if (!n) {
            ctx_.error(s->key_position,
                       fmt::format("Failed to parse latency sample: strconv.Atoi: parsing \"{}\": "
                                   "invalid syntax",
                                   num));
            return false;
          }
          sample = *n;
        }
      } else {
        ctx_.error(s->key_position,
                   fmt::format("Expected latency sample to be a string or map/struct, got {}",
                               go_type_name(s->value)));
        return false;
      }
      if (!headers && (sample < 1 || sample > 100)) {
        ctx_.error(s->key_position, "bad sampling percentage, should be 1-100");
        return false;
      }
      lat.headers = headers;
      lat.sampling = int(sample);
    }
    const MapEntry* subject = m->find_entry("subject");
    if (subject == nullptr) {
      ctx_.error(e.key_position, "Latency subject required, but missing");
      return false;
    }
    auto s = subject->value.as_string();
    if (!s) {
      // Sic: nats-server prints the type of the string it failed to fill.
      ctx_.error(subject->key_position, "Expected latency subject to be a string, got string");
      return false;
    }
    lat.subject = std::string(*s);
    return true;
  }

  // ---- imports ----

  void parse_imports(const MapEntry& e, std::vector<ImportOptions>& out) {
    for_each_item(e, "Import", [&](const Value& v, const Map& m) {
      auto im = parse_import(m);
      if (!im) return;
      if (im->service) {
        for (const ImportOptions& other : out) {
          if (other.service && other.to == im->to && other.account == im->account) {
            ctx_.error(v.position(),
                       fmt::format("Duplicate service import subject \"{}\", previously used in "
                                   "import for account \"{}\", subject \"{}\"",
                                   im->to, other.account, other.subject));
            return;
          }
        }
      }
      out.push_back(std::move(*im));
    });
  }
  // {account: A, subject: "x"}; false after reporting a problem.
  bool parse_source(const MapEntry& f, const char* kind, ImportOptions& im) {
    const Map* m = f.value.as_map();
    if (m == nullptr) {
      ctx_.error(f.key_position, fmt::format("{} entry should be an account map, got {}", kind,
                                             go_type_name(f.value)));
      return false;
    }
    for (const MapEntry& a : m->entries()) {
      const std::string k = ascii_lower(a.key);
      if (k == "account") {
        if (auto s = a.value.as_string()) im.account = std::string(*s);
      } else if (k == "subject") {
        if (auto s = a.value.as_string()) im.subject = std::string(*s);
      } else if (!a.used_as_variable) {
        ctx_.unknown(a);
      }
    }
    if (im.account.empty() || im.subject.empty()) {
      ctx_.error(f.key_position, "Expect an account name and a subject");
      return false;
    }
    return true;
  }

  std::optional<ImportOptions> parse_import(const Map& m) {
    ImportOptions im;
    bool is_stream = false, is_service = false;
    std::string to;
    for (const MapEntry& f : m.entries()) {
      const std::string k = ascii_lower(f.key);
      if (k == "stream") {
        if (is_service) {
          ctx_.error(f.key_position, "Detected stream but already saw a service");
          continue;
        }
        if (!parse_source(f, "Stream", im)) continue;
        is_stream = true;
      } else if (k == "service") {
        if (is_stream) {
          ctx_.error(f.key_position, "Detected service but already saw a stream");
          continue;
        }
        if (!parse_source(f, "Service", im)) continue;
        is_service = true;
        im.service = true;
      } else if (k == "prefix") {
        if (auto s = f.value.as_string()) im.prefix = std::string(*s);
      } else if (k == "to") {
        if (auto s = f.value.as_string()) to = std::string(*s);
        if (is_stream && !im.prefix.empty()) {
          ctx_.error(f.key_position, "Stream import can not have a 'prefix' and a 'to' property");
          continue;
        }
      } else if (k == "share") {
        if (auto b = f.value.as_bool()) im.share = *b;
      } else if (k == "allow_trace") {
        if (is_service)
          ctx_.error(f.key_position, "Detected allow_trace directive on a non-stream");
      } else if (!f.used_as_variable) {
        ctx_.unknown(f);
      }
    }
    if (!is_stream && !is_service) return std::nullopt;
    im.to = to;
    if (is_service && im.to.empty()) im.to = im.subject;
    return im;
  }

  Context& ctx_;
  Options& opts_;
};

// A mapping destination: {destination: "x", weight: 80%}.
bool parse_destination(Context& ctx, const Value& v, MappingDestination& d) {
  const Map* m = v.as_map();
  if (m == nullptr) {
    ctx.error(v.position(), "Expected an entry for the mapping destination");
    return false;
  }
  bool weight_seen = false;
  for (const MapEntry& f : m->entries()) {
    const std::string k = ascii_lower(f.key);
    if (k == "dest" || k == "destination") {
      if (auto s = f.value.as_string()) d.subject = std::string(*s);
    } else if (k == "weight") {
      int64_t w = 0;
      if (auto s = f.value.as_string()) {
        std::string_view num = *s;
        if (!num.empty() && num.back() == '%') num.remove_suffix(1);
        auto n = go_atoi(num);
        if (!n) {
          ctx.error(f.key_position,
                    fmt::format("Invalid weight \"{}\" for mapping destination", num));
          return false;
        }
        w = *n;
      } else if (auto i = f.value.as_int()) {
        w = *i;
      } else {
        ctx.error(f.key_position,
                  fmt::format("Unknown entry type for weight of {}\n", f.value.debug_string()));
        return false;
      }
      if (w > 100 || w < 0) {
        ctx.error(f.key_position, fmt::format("Invalid weight {} for mapping destination", w));
        return false;
      }
      d.weight = int(w);
      weight_seen = true;
    } else if (k == "cluster") {
      if (auto s = f.value.as_string()) d.cluster = std::string(*s);
    } else {
      ctx.error(f.key_position, fmt::format("Unknown field \"{}\" for mapping destination", f.key));
      return false;
    }
  }
  if (!weight_seen) {
    ctx.error(v.position(),
              fmt::format("Missing weight for mapping destination \"{}\"", d.subject));
    return false;
  }
  return true;
}

}  // namespace

std::string_view go_type_name(const Value& v) {
  switch (v.type()) {
    case Value::Type::kString:
      return "string";
    case Value::Type::kInteger:
      return "int64";
    case Value::Type::kFloat:
      return "float64";
    case Value::Type::kBool:
      return "bool";
    case Value::Type::kDatetime:
      return "time.Time";
    case Value::Type::kMap:
      return "map[string]interface {}";
    case Value::Type::kArray:
      return "[]interface {}";
  }
  return "unknown";
}

void apply_accounts(Context& ctx, const MapEntry& e, Options& opts) {
  AccountsParser(ctx, opts).parse(e);
}

void apply_mappings(Context& ctx, const MapEntry& e, std::vector<SubjectMapping>& out) {
  const Map* m = e.value.as_map();
  if (m == nullptr) {
    ctx.wrong_type(e, "a map");
    return;
  }
  for (const MapEntry& f : m->entries()) {
    if (!is_valid_subject(f.key)) {
      ctx.error(f.key_position, fmt::format("Subject \"{}\" is not a valid subject", f.key));
      continue;
    }
    SubjectMapping mapping;
    mapping.source = f.key;
    std::string error;
    if (auto dest = f.value.as_string()) {
      mapping.destinations.push_back({std::string(*dest), 100, {}});
      if (!Mapping::create(mapping, &error)) {
        ctx.error(f.key_position, fmt::format("Error adding mapping for \"{}\" to \"{}\" : {}",
                                              f.key, *dest, error));
        continue;
      }
    } else {
      bool ok = true;
      if (const config::Array* list = f.value.as_array()) {
        for (const Value& v : *list) {
          MappingDestination d;
          if (parse_destination(ctx, v, d)) {
            mapping.destinations.push_back(std::move(d));
          } else {
            ok = false;
          }
        }
      } else {
        MappingDestination d;
        ok = parse_destination(ctx, f.value, d);
        if (ok) mapping.destinations.push_back(std::move(d));
      }
      if (!ok) continue;
      if (!Mapping::create(mapping, &error)) {
        ctx.error(f.key_position,
                  fmt::format("Error adding mapping for \"{}\" : {}", f.key, error));
        continue;
      }
    }
    out.push_back(std::move(mapping));
  }
}

}  // namespace nats::config_detail
