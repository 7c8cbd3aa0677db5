#pragma once
// natsd's command line, parsed the way nats-server parses its own: Go's `flag` package rules
// and nats-server's flag set, aliases and follow-up checks (server/opts.go ConfigureOptions).
//
// Go flag syntax, in short: every flag takes one or two dashes (`-p`, `--port`); a value follows
// as `-p=4222` or as the next argument (`-p 4222`, even `-p -1`); boolean flags take a value
// only with `=` (`-T=false`); `-DV`, `-VV` and `-DVV` are flags of their own, not bundles.
// Parsing stops at the first argument that is not a flag, or after `--`; a remaining `help` or
// `version` is honoured, anything else is an "unrecognized command".
//
// Pure: nothing is printed and the process is not touched; the result says what main() should
// print and do. Called once at start-up from main's thread.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/options.h"

namespace nats {

// What main() should do with a parse.
enum class FlagAction {
  kRun,          // start the server with `options`
  kShowHelp,     // print usage_text() to stdout, exit 0
  kShowVersion,  // print version_text() to stdout, exit 0
  kShowTlsHelp,  // print tls_help_text() to stdout, exit 0
  kSendSignal,   // exit with send_signal_command(signal) (server/signal_command.h)
  kError,        // print `error` (then the usage, when print_usage) and exit with exit_code
};

// nats-server's flag errors ("flag provided but not defined: -x") come from Go's flag package,
// whose error path calls nats-server's usage function: that prints the usage to stdout and
// exits 0 (verified with nats-server 2.9.10). The exit code is kept in one place in case we
// ever choose Go's usual 2 instead.
inline constexpr int kFlagSyntaxExitCode = 0;
// Every other start-up error: "natsd: <reason>" on stderr, exit 1 (nats-server's PrintAndDie).
inline constexpr int kStartupErrorExitCode = 1;

struct FlagParseResult {
  FlagAction action = FlagAction::kRun;

  // kRun: defaults (or the config-file options passed in) with the flags applied.
  Options options;
  // Flags given, by name without dashes and value ("p", "port", "DV"), duplicates once.
  std::set<std::string> flags_given;
  // Options those flags set, by Options member name ("port", "debug", "trace", "cluster.listen"),
  // so a configuration file read later can leave them alone; see parse_flags(..., base).
  std::set<std::string> explicit_options;

  // kSendSignal: the --signal value, e.g. "reload" or "stop=1234" or "quit=/run/natsd.pid".
  std::string signal;

  // kError: the whole message for stderr, newline included.
  std::string error;
  bool print_usage = false;  // then print usage_text() to stdout
  int exit_code = 0;
};

// Parses argv[1..argc). argv[0] is ignored.
FlagParseResult parse_flags(int argc, const char* const* argv);

// Re-applies the command line on top of options read from a configuration file, as nats-server
// does after loading one: flags win over the file. `base.config_file` should be set. Also runs
// the checks that need the file's settings (routes need a cluster listener).
FlagParseResult parse_flags(int argc, const char* const* argv, const Options& base);

// Things the command line asked for that natsd cannot do yet: configuration files, TLS,
// clustering, syslog, profiling, JetStream, HTTPS monitoring. One message per feature, e.g.
// "configuration files (-c, --config) are not supported yet". main() prints each as
// "natsd: <message>" and exits 1 rather than run without what was asked for.
std::vector<std::string> unsupported_features(const FlagParseResult& result);

// The -h/--help text: nats-server's option list and layout, for natsd. Leading and trailing
// blank lines included, ready for stdout as is.
std::string usage_text();
// "natsd: v<version>\n", the -v/--version output.
std::string version_text(std::string_view version);
// The --help_tls text.
std::string tls_help_text();

}  // namespace nats
