#include "server/flags.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <variant>

#include <fmt/format.h>

namespace nats {
namespace {

// ---------------------------------------------------------------------------------------------
// Go value syntax. The flag package parses booleans with strconv.ParseBool and integers with
// strconv.ParseInt(s, 0, 64); these reproduce what each accepts and how each fails.

std::optional<bool> parse_go_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False") {
    return false;
  }
  return std::nullopt;
}

enum class IntError { kNone, kSyntax, kRange };

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Go allows '_' between digits, and between a base prefix ("0x", "0b", "0o") and a digit, when
// the base comes from the literal itself.
bool underscores_well_placed(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  bool hex = false;
  // What came last: 'd' a digit (or base prefix), '_' an underscore, 'x' anything else, '^' start.
  char last = '^';
  size_t i = 0;
  if (s.size() >= 2 && s[0] == '0') {
    char b = ascii_lower(s[1]);
    if (b == 'b' || b == 'o' || b == 'x') {
      hex = b == 'x';
      last = 'd';
      i = 2;
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    bool digit = (c >= '0' && c <= '9') || (hex && ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f');
    if (digit) {
      last = 'd';
    } else if (c == '_') {
      if (last != 'd') return false;
      last = '_';
    } else {
      if (last == '_') return false;
      last = 'x';
    }
  }
  return last != '_';
}

// strconv.ParseInt(s, 0, 64): optional sign; "0x", "0o", "0b" or a bare leading "0" (octal)
// pick the base; underscores as separators.
IntError parse_go_int(std::string_view s, int64_t& out) {
  if (s.empty()) return IntError::kSyntax;
  const std::string_view whole = s;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return IntError::kSyntax;
  uint64_t base = 10;
  if (s[0] == '0') {
    char b = s.size() >= 3 ? ascii_lower(s[1]) : '\0';
    if (b == 'b' || b == 'o' || b == 'x') {
      base = b == 'b' ? 2 : b == 'o' ? 8 : 16;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  uint64_t n = 0;
  bool saw_underscore = false;
  for (char c : s) {
    uint64_t d;
    if (c == '_') {
      saw_underscore = true;
      continue;
    } else if (c >= '0' && c <= '9') {
      d = static_cast<uint64_t>(c - '0');
    } else if (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'z') {
      d = static_cast<uint64_t>(ascii_lower(c) - 'a' + 10);
    } else {
      return IntError::kSyntax;
    }
    if (d >= base) return IntError::kSyntax;
    // Go accumulates unsigned and gives up the moment 64 bits overflow; the signed limit is
    // checked only once all characters were accepted.
    if (n > (UINT64_MAX - d) / base) return IntError::kRange;
    n = n * base + d;
  }
  if (saw_underscore && !underscores_well_placed(whole)) return IntError::kSyntax;
  const uint64_t max_magnitude = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (n > max_magnitude) return IntError::kRange;
  out = negative ? static_cast<int64_t>(0 - n) : static_cast<int64_t>(n);
  return IntError::kNone;
}

// Go's %q for a string: double quotes, with quotes, backslashes and control characters escaped
// and bytes that are not UTF-8 shown as \x escapes.
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Pass a well-formed UTF-8 sequence through; escape a stray byte.
      size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
      bool ok = len > 0 && i + len <= s.size();
      for (size_t k = 1; ok && k < len; ++k) {
        ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      }
      if (ok) {
        out.append(s.substr(i, len));
        i += len;
      } else {
        out += fmt::format("\\x{:02x}", c);
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

// ---------------------------------------------------------------------------------------------
// The flag set.

// Flags that choose what to do rather than how the server runs, and the three combined logging
// flags, which nats-server applies only after all others.
struct CommandFlags {
  bool show_help = false;
  bool show_version = false;
  bool show_tls_help = false;
  std::string signal;
  std::string config_file;
  bool debug_and_trace = false;          // -DV
  bool trace_and_verbose = false;        // -VV
  bool debug_trace_and_verbose = false;  // -DVV
};

using FlagTarget = std::variant<bool*, int*, int64_t*, std::string*>;

struct FlagSpec {
  std::string_view name;
  FlagTarget target;
  std::string_view option;  // Options member it sets, for explicit_options; empty if none
};

// Every flag nats-server defines, with its aliases, bound to where its value goes.
std::vector<FlagSpec> define_flags(Options& o, CommandFlags& c) {
  return {
      {"h", &c.show_help, ""},
      {"help", &c.show_help, ""},
      {"port", &o.port, "port"},
      {"p", &o.port, "port"},
      {"n", &o.server_name, "server_name"},
      {"name", &o.server_name, "server_name"},
      {"server_name", &o.server_name, "server_name"},
      {"addr", &o.host, "host"},
      {"a", &o.host, "host"},
      {"net", &o.host, "host"},
      {"client_advertise", &o.client_advertise, "client_advertise"},
      {"D", &o.debug, "debug"},
      {"debug", &o.debug, "debug"},
      {"V", &o.trace, "trace"},
      {"VV", &c.trace_and_verbose, ""},
      {"trace", &o.trace, "trace"},
      {"DV", &c.debug_and_trace, ""},
      {"DVV", &c.debug_trace_and_verbose, ""},
      {"T", &o.logtime, "logtime"},
      {"logtime", &o.logtime, "logtime"},
      {"logtime_utc", &o.logtime_utc, "logtime_utc"},
      {"user", &o.username, "username"},
      {"pass", &o.password, "password"},
      {"auth", &o.authorization, "authorization"},
      {"m", &o.http_port, "http_port"},
      {"http_port", &o.http_port, "http_port"},
      {"ms", &o.https_port, "https_port"},
      {"https_port", &o.https_port, "https_port"},
      {"c", &c.config_file, "config_file"},
      {"config", &c.config_file, "config_file"},
      {"t", &o.check_config, "check_config"},
      {"sl", &c.signal, ""},
      {"signal", &c.signal, ""},
      {"P", &o.pid_file, "pid_file"},
      {"pid", &o.pid_file, "pid_file"},
      {"ports_file_dir", &o.ports_file_dir, "ports_file_dir"},
      {"l", &o.log_file, "log_file"},
      {"log", &o.log_file, "log_file"},
      {"log_size_limit", &o.log_size_limit, "log_size_limit"},
      {"s", &o.syslog, "syslog"},
      {"syslog", &o.syslog, "syslog"},
      {"r", &o.remote_syslog, "remote_syslog"},
      {"remote_syslog", &o.remote_syslog, "remote_syslog"},
      {"version", &c.show_version, ""},
      {"v", &c.show_version, ""},
      {"profile", &o.profile_port, "profile_port"},
      {"routes", &o.routes, "routes"},
      {"cluster", &o.cluster.listen, "cluster.listen"},
      {"cluster_listen", &o.cluster.listen, "cluster.listen"},
      {"cluster_advertise", &o.cluster.advertise, "cluster.advertise"},
      {"no_advertise", &o.cluster.no_advertise, "cluster.no_advertise"},
      {"connect_retries", &o.cluster.connect_retries, "cluster.connect_retries"},
      {"cluster_name", &o.cluster.name, "cluster.name"},
      {"help_tls", &c.show_tls_help, ""},
      {"tls", &o.tls, "tls"},
      {"tlsverify", &o.tls_verify, "tls_verify"},
      {"tlscert", &o.tls_cert, "tls_cert"},
      {"tlskey", &o.tls_key, "tls_key"},
      {"tlscacert", &o.tls_ca_cert, "tls_ca_cert"},
      {"max_traced_msg_len", &o.max_traced_msg_len, "max_traced_msg_len"},
      {"js", &o.jetstream, "jetstream"},
      {"jetstream", &o.jetstream, "jetstream"},
      {"sd", &o.store_dir, "store_dir"},
      {"store_dir", &o.store_dir, "store_dir"},
  };
}

FlagParseResult flag_syntax_error(FlagParseResult r, std::string message) {
  r.action = FlagAction::kError;
  r.error = std::move(message) + "\n";
  r.print_usage = true;
  r.exit_code = kFlagSyntaxExitCode;
  return r;
}

FlagParseResult startup_error(FlagParseResult r, std::string_view message) {
  r.action = FlagAction::kError;
  r.error = fmt::format("natsd: {}\n", message);
  r.print_usage = false;
  r.exit_code = kStartupErrorExitCode;
  return r;
}

// Stores `value` for a flag that takes one; returns Go's error text on failure.
std::optional<std::string> set_value(const FlagSpec& spec, std::string_view name,
                                     std::string_view value) {
  auto invalid = [&](std::string_view why) {
    return fmt::format("invalid value {} for flag -{}: {}", go_quote(value), name, why);
  };
  if (auto* s = std::get_if<std::string*>(&spec.target)) {
    (*s)->assign(value);
    return std::nullopt;
  }
  int64_t n = 0;
  switch (parse_go_int(value, n)) {
    case IntError::kSyntax:
      return invalid("parse error");
    case IntError::kRange:
      return invalid("value out of range");
    case IntError::kNone:
      break;
  }
  if (auto* i64 = std::get_if<int64_t*>(&spec.target)) {
    **i64 = n;
  } else if (auto* i = std::get_if<int*>(&spec.target)) {
    // Go's int is 64 bits; ours is 32. Nothing meaningful (ports, counts) needs more.
    if (n < std::numeric_limits<int>::min() || n > std::numeric_limits<int>::max()) {
      return invalid("value out of range");
    }
    **i = static_cast<int>(n);
  }
  return std::nullopt;
}

FlagParseResult parse(int argc, const char* const* argv, const Options& base, bool second_pass) {
  FlagParseResult r;
  r.options = base;
  CommandFlags cmd;
  cmd.config_file = base.config_file;
  const std::vector<FlagSpec> specs = define_flags(r.options, cmd);

  std::vector<std::string_view> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);

  size_t next = 0;
  while (next < args.size()) {
    const std::string_view arg = args[next];
    if (arg.size() < 2 || arg[0] != '-') break;  // first non-flag argument: stop
    size_t dashes = 1;
    if (arg[1] == '-') {
      dashes = 2;
      if (arg.size() == 2) {  // "--" ends the flags and is consumed
        ++next;
        break;
      }
    }
    std::string_view name = arg.substr(dashes);
    if (name.empty() || name[0] == '-' || name[0] == '=') {
      return flag_syntax_error(std::move(r), fmt::format("bad flag syntax: {}", arg));
    }
    ++next;

    std::optional<std::string_view> value;
    if (size_t eq = name.find('=', 1); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [name](const FlagSpec& f) { return f.name == name; });
    if (spec == specs.end()) {
      return flag_syntax_error(std::move(r),
                               fmt::format("flag provided but not defined: -{}", name));
    }

    if (auto* b = std::get_if<bool*>(&spec->target)) {
      // A boolean takes a value only as -flag=value; "-D false" is -D then a non-flag.
      if (value) {
        std::optional<bool> v = parse_go_bool(*value);
        if (!v) {
          return flag_syntax_error(
              std::move(r),
              fmt::format("invalid boolean value {} for -{}: parse error", go_quote(*value), name));
        }
        **b = *v;
      } else {
        **b = true;
      }
    } else {
      if (!value && next < args.size()) value = args[next++];
      if (!value) {
        return flag_syntax_error(std::move(r), fmt::format("flag needs an argument: -{}", name));
      }
      if (auto err = set_value(*spec, name, *value)) return flag_syntax_error(std::move(r), *err);
    }
    r.flags_given.emplace(name);
    if (!spec->option.empty()) r.explicit_options.emplace(spec->option);
  }
  auto given = [&r](std::string_view flag) { return r.flags_given.count(std::string(flag)) > 0; };

  if (cmd.show_version) {
    r.action = FlagAction::kShowVersion;
    return r;
  }
  if (cmd.show_help) {
    r.action = FlagAction::kShowHelp;
    return r;
  }
  if (cmd.show_tls_help) {
    r.action = FlagAction::kShowTlsHelp;
    return r;
  }
  // Arguments after the flags: only "version" and "help" mean something (any case).
  if (next < args.size()) {
    std::string command(args[next]);
    std::transform(command.begin(), command.end(), command.begin(), ascii_lower);
    if (command == "version") {
      r.action = FlagAction::kShowVersion;
    } else if (command == "help") {
      r.action = FlagAction::kShowHelp;
    } else {
      return startup_error(std::move(r),
                           fmt::format("unrecognized command: {}", go_quote(args[next])));
    }
    return r;
  }

  if (!cmd.signal.empty()) {
    r.action = FlagAction::kSendSignal;
    r.signal = cmd.signal;
    return r;
  }

  r.options.config_file = cmd.config_file;
  if (r.options.config_file.empty() && r.options.check_config) {
    return startup_error(std::move(r),
                         "must specify [-c, --config] option to check configuration file syntax");
  }

  // The combined logging flags override -D/-V, in the order nats-server visits set flags
  // (sorted by name: DV, DVV, VV), so "-DV=false" turns both off again.
  if (given("DV")) {
    r.options.debug = r.options.trace = cmd.debug_and_trace;
    r.explicit_options.insert({"debug", "trace"});
  }
  if (given("DVV")) {
    r.options.debug = r.options.trace = r.options.trace_verbose = cmd.debug_trace_and_verbose;
    r.explicit_options.insert({"debug", "trace", "trace_verbose"});
  }
  if (given("VV")) {
    r.options.trace = r.options.trace_verbose = cmd.trace_and_verbose;
    r.explicit_options.insert({"trace", "trace_verbose"});
  }

  // TLS: any tls* flag turns TLS on with the flag values, unless --tls=false is given, which
  // turns it off whatever else says. Options::tls then reads "TLS is on".
  const bool tls_disabled = given("tls") && !r.options.tls;
  const bool tls_override = std::any_of(r.flags_given.begin(), r.flags_given.end(),
                                        [](const std::string& f) { return f.starts_with("tls"); });
  if (tls_disabled) {
    r.options.tls = false;
    r.options.tls_verify = false;
  } else if (tls_override) {
    r.options.tls = true;
  }

  // An empty --cluster switches off a cluster listener a configuration file may have set.
  if ((given("cluster") || given("cluster_listen")) && r.options.cluster.listen.empty()) {
    r.options.cluster.port = 0;
  }

  // nats-server checks the rest only once the configuration file is in (its errors come
  // first), so with a file still to load they wait for the second pass.
  if (r.options.config_file.empty() || second_pass) {
    if (tls_override && !tls_disabled) {
      if (r.options.tls_cert.empty()) {
        return startup_error(std::move(r), "TLS Server certificate must be present and valid");
      }
      if (r.options.tls_key.empty()) {
        return startup_error(std::move(r), "TLS Server private key must be present and valid");
      }
    }
    const ClusterOptions& cl = r.options.cluster;
    if (!r.options.routes.empty() && cl.listen.empty() && cl.host.empty() && cl.port == 0) {
      return startup_error(std::move(r),
                           "solicited routes require cluster capabilities, e.g. --cluster");
    }
  }

  r.action = FlagAction::kRun;
  return r;
}

}  // namespace

FlagParseResult parse_flags(int argc, const char* const* argv) {
  return parse(argc, argv, Options{}, /*second_pass=*/false);
}

FlagParseResult parse_flags(int argc, const char* const* argv, const Options& base) {
  return parse(argc, argv, base, /*second_pass=*/true);
}

std::vector<std::string> unsupported_features(const FlagParseResult& result) {
  std::vector<std::string> out;
  if (result.action != FlagAction::kRun) return out;
  const Options& o = result.options;
  const ClusterOptions& cl = o.cluster;
  if (!o.routes.empty() || !cl.listen.empty() || cl.port != 0 || !cl.name.empty() ||
      !cl.advertise.empty() || cl.no_advertise || cl.connect_retries != 0) {
    out.emplace_back(
        "clustering (--routes, --cluster, --cluster_listen, --cluster_name, --cluster_advertise, "
        "--no_advertise, --connect_retries) is not supported yet");
  }
  if (o.syslog || !o.remote_syslog.empty()) {
    out.emplace_back("syslog logging (-s, --syslog, -r, --remote_syslog) is not supported yet");
  }
  if (o.profile_port != 0) out.emplace_back("profiling (--profile) is not supported yet");
  if (o.jetstream || !o.store_dir.empty()) {
    out.emplace_back("JetStream (-js, --jetstream, -sd, --store_dir) is not supported yet");
  }
  return out;
}

std::string usage_text() {
  // Same options, order and columns as nats-server's usage, so scripts and habits carry over.
  return R"(
Usage: natsd [options]

Server Options:
    -a, --addr, --net <host>         Host address to listen on (default: 0.0.0.0)
    -p, --port <port>                Port for client connections (default: 4222)
    -n, --name
        --server_name <server_name>  Name of this server (default: auto)
    -P, --pid <file>                 File to write the process id to
    -m, --http_port <port>           Port for HTTP monitoring
    -ms,--https_port <port>          Port for HTTPS monitoring
    -c, --config <file>              Configuration file
    -t                               Check the configuration file and exit
    -sl,--signal <signal>[=<pid>]    Signal a running natsd (ldm, stop, quit, term, reopen, reload)
                                     <pid> is a process id (e.g. 1) or a PID file path (e.g. /var/run/natsd.pid)
        --client_advertise <string>  Client URL advertised to other servers
        --ports_file_dir <dir>       Write a ports file (<executable_name>_<pid>.ports) in this directory

Logging Options:
    -l, --log <file>                 Write the log to this file
    -T, --logtime                    Timestamp each log line (default: true)
    -s, --syslog                     Log to syslog
    -r, --remote_syslog <addr>       Remote syslog address (udp://localhost:514)
    -D, --debug                      Log debug messages
    -V, --trace                      Log the raw protocol
    -VV                              Verbose trace (includes the system account)
    -DV                              Debug and trace
    -DVV                             Debug and verbose trace (includes the system account)
        --log_size_limit <limit>     Rotate the log file at this size (default: auto)
        --max_traced_msg_len <len>   Longest message shown in traces (default: unlimited)

JetStream Options:
    -js, --jetstream                 Enable JetStream
    -sd, --store_dir <dir>           JetStream storage directory

Authorization Options:
        --user <user>                User name clients must present
        --pass <password>            Password clients must present
        --auth <token>               Token clients must present

TLS Options:
        --tls                        Enable TLS without verifying clients (default: false)
        --tlscert <file>             Server certificate file
        --tlskey <file>              Server certificate private key
        --tlsverify                  Enable TLS and verify client certificates
        --tlscacert <file>           CA certificate for verifying clients

Cluster Options:
        --routes <rurl-1, rurl-2>    Route URLs to connect to
        --cluster <cluster-url>      Cluster URL for solicited routes
        --cluster_name <string>      Cluster name (generated when not set)
        --no_advertise <bool>        Keep cluster URLs out of what clients are told
        --cluster_advertise <string> Cluster URL advertised to other servers
        --connect_retries <number>   Connect retries for implicit routes
        --cluster_listen <url>       Cluster URL on which to accept routes

Profiling Options:
        --profile <port>             Port for the profiling HTTP server

Common Options:
    -h, --help                       Show this help
    -v, --version                    Show the version
        --help_tls                   Show TLS help

)";
}

std::string version_text(std::string_view version) { return fmt::format("natsd: v{}\n", version); }

std::string tls_help_text() {
  return R"(
TLS is set up in the tls block of a configuration file, for example:

    tls {
        cert_file: "./certs/server-cert.pem"
        key_file:  "./certs/server-key.pem"
        ca_file:   "./certs/ca.pem"
        verify:    true
    }

natsd does not support TLS yet: a tls block or any --tls* flag stops it at start-up.
)";
}

}  // namespace nats
