#pragma once
// Applies a parsed configuration file to Options, key by key, with nats-server's names,
// aliases, types and error texts ("<file>:<line>:<col>: unknown field \"x\"").
//
// Used once at start-up (and by `natsd -t`), on main's thread. Flags given on the command line
// are applied afterwards and win (server/flags.h: parse_flags(argc, argv, base)).

#include <string>
#include <vector>

#include "config/config_value.h"
#include "server/options.h"

namespace nats {

struct ConfigApplyResult {
  std::vector<std::string> errors;    // each "file:line:col: reason"; any error refuses the file
  std::vector<std::string> warnings;  // logged, not fatal (e.g. a duration given as a number)
  // nats-server refuses a file with warnings too.
  bool ok() const { return errors.empty() && warnings.empty(); }
  // All messages as nats-server prints them: warnings first, one per line.
  std::string to_string() const;
};

// Applies every key of the top-level map to opts. Keys of features natsd does not have yet
// (TLS, clustering, JetStream, ...) are errors saying so, never silently ignored.
ConfigApplyResult apply_config(const config::Map& root, Options& opts);

// Reads, parses and applies a configuration file; opts.config_file is set to path.
ConfigApplyResult load_config_file(const std::string& path, Options& opts);

}  // namespace nats
