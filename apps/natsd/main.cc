// natsd: the NATS server. Parses nats-server's command line, configures logging and runs the
// server until a signal stops it.

#include <signal.h>

#include <cstdio>
#include <iostream>

#include "base/logger.h"
#include "server/auth.h"
#include "server/config_options.h"
#include "server/flags.h"
#include "server/options.h"
#include "server/server.h"
#include "server/signal_command.h"

namespace {

// Acts on a flag parse that is not "run"; returns the exit code, or -1 to go on running.
int handle_flag_action(const nats::FlagParseResult& flags) {
  switch (flags.action) {
    case nats::FlagAction::kShowHelp:
      std::cout << nats::usage_text();
      return 0;
    case nats::FlagAction::kShowVersion:
      std::cout << nats::version_text(nats::kNatsdVersion);
      return 0;
    case nats::FlagAction::kShowTlsHelp:
      std::cout << nats::tls_help_text();
      return 0;
    case nats::FlagAction::kSendSignal:
      return nats::send_signal_command(flags.signal);
    case nats::FlagAction::kError:
      std::cerr << flags.error;
      if (flags.print_usage) std::cout << nats::usage_text();
      return flags.exit_code;
    case nats::FlagAction::kRun:
      break;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  nats::FlagParseResult flags = nats::parse_flags(argc, argv);
  if (int rc = handle_flag_action(flags); rc >= 0) return rc;

  // A configuration file first, then the command line again on top of it: flags win, as in
  // nats-server.
  if (const std::string file = flags.options.config_file; !file.empty()) {
    nats::Options from_file;
    nats::ConfigApplyResult loaded = nats::load_config_file(file, from_file);
    if (!loaded.ok()) {
      std::cerr << "natsd: " << loaded.to_string();
      return nats::kStartupErrorExitCode;
    }
    flags = nats::parse_flags(argc, argv, from_file);
    if (int rc = handle_flag_action(flags); rc >= 0) return rc;
    if (flags.options.check_config) {
      if (std::vector<std::string> bad = nats::validate_auth_options(flags.options); !bad.empty()) {
        for (const std::string& m : bad) std::cerr << "natsd: " << m << "\n";
        return nats::kStartupErrorExitCode;
      }
      std::cerr << "natsd: configuration file " << file << " is valid\n";
      return 0;
    }
  }
  // Refuse rather than run without something that was asked for.
  std::vector<std::string> unsupported = nats::unsupported_features(flags);
  if (!unsupported.empty()) {
    for (const std::string& m : unsupported) std::cerr << "natsd: " << m << "\n";
    return nats::kStartupErrorExitCode;
  }

  nats::Options opts = flags.options;
  nats::set_baseline_options(opts);
  // Settings that parse but cannot work together (a token next to a users list, ...).
  if (std::vector<std::string> bad = nats::validate_auth_options(opts); !bad.empty()) {
    for (const std::string& m : bad) std::cerr << "natsd: " << m << "\n";
    return nats::kStartupErrorExitCode;
  }

  if (!nats::Logger::instance().configure(nats::logger_settings(opts))) {
    std::cerr << "natsd: unable to open log file " << opts.log_file << "\n";
    return nats::kStartupErrorExitCode;
  }

  // A peer that vanishes mid-write must not kill the process.
  ::signal(SIGPIPE, SIG_IGN);

  std::string program = argc > 0 ? argv[0] : "natsd";
  nats::Server server(opts, program);
  // A reload reads the file again and puts the same command line on top, as at start-up.
  server.set_reload_source(
      [argc, argv, file = opts.config_file](nats::Options& out, std::string& error) {
        nats::Options from_file;
        nats::ConfigApplyResult loaded = nats::load_config_file(file, from_file);
        if (!loaded.ok()) {
          error = loaded.to_string();
          while (!error.empty() && error.back() == '\n') error.pop_back();
          return false;
        }
        nats::FlagParseResult again = nats::parse_flags(argc, argv, from_file);
        if (again.action != nats::FlagAction::kRun) {
          error = again.error;
          return false;
        }
        out = again.options;
        nats::set_baseline_options(out);
        if (std::vector<std::string> bad = nats::validate_auth_options(out); !bad.empty()) {
          error = bad.front();
          return false;
        }
        return true;
      });
  if (!server.start()) return nats::kStartupErrorExitCode;
  server.run();
  return 0;
}
