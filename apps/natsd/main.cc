// natsd: the NATS server. Parses nats-server's command line, configures logging and runs the
// server until a signal stops it.

#include <signal.h>

#include <cstdio>
#include <iostream>

#include "base/logger.h"
#include "server/flags.h"
#include "server/options.h"
#include "server/server.h"
#include "server/signal_command.h"

int main(int argc, char** argv) {
  nats::FlagParseResult flags = nats::parse_flags(argc, argv);
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
  // Refuse rather than run without something that was asked for.
  std::vector<std::string> unsupported = nats::unsupported_features(flags);
  if (!unsupported.empty()) {
    for (const std::string& m : unsupported) std::cerr << "natsd: " << m << "\n";
    return nats::kStartupErrorExitCode;
  }

  nats::Options opts = flags.options;
  nats::set_baseline_options(opts);

  nats::Logger::Settings log;
  log.logtime = opts.logtime;
  log.logtime_utc = opts.logtime_utc;
  log.size_limit = opts.log_size_limit;
  log.debug = opts.debug;
  log.trace = opts.trace || opts.trace_verbose;
  log.file = opts.log_file;
  if (!nats::Logger::instance().configure(log)) {
    std::cerr << "natsd: unable to open log file " << opts.log_file << "\n";
    return nats::kStartupErrorExitCode;
  }

  // A peer that vanishes mid-write must not kill the process.
  ::signal(SIGPIPE, SIG_IGN);

  std::string program = argc > 0 ? argv[0] : "natsd";
  nats::Server server(opts, program);
  if (!server.start()) return nats::kStartupErrorExitCode;
  server.run();
  return 0;
}
