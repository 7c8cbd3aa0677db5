#pragma once
// The NATS configuration language, read the way nats-server's conf package reads it:
//
//   port: 4222                      # key: value, key = value or key value
//   cluster { routes = [ nats://a:6222, nats://b:6222 ] }
//   max_payload 1MB                 # 1048576; 1M is 1000000 (see README.md for every suffix)
//   ping_interval "2m"              # durations stay strings: parse_go_duration()
//   TOKEN = s3cr3t
//   authorization { token: $TOKEN } # variables: enclosing maps first, then the environment
//   include ./accounts.conf         # merges that file's keys here
//
// Parsing stops at the first error, reported as "file:line:col: message". The result is a
// Value tree (config_value.h); mapping it onto server options is the options layer's job.
// src/config/README.md lists the exact semantics and where they differ from nats-server.
//
// Thread-safe: a parse touches nothing shared except the file system and the environment
// (unless ParseOptions replaces both).

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config_value.h"

namespace nats::config {

// Limits nats-server does not have; each turns what would be a crash or a hang into an error.
// Files including files.
inline constexpr int kMaxIncludeDepth = 16;
// Include directives followed in one parse (a file included n times is read n times).
inline constexpr int kMaxIncludes = 4096;
// Maps, arrays, includes and environment values nested inside one another, in total.
inline constexpr int kMaxNestingDepth = 256;
// Value::expanded_size() of a whole document.
inline constexpr size_t kMaxExpandedValues = size_t{1} << 22;

struct ParseOptions {
  // Resolves $NAME when no enclosing map defines NAME. Default: the process environment.
  std::function<std::optional<std::string>(const std::string& name)> lookup_env;
  // Reads an included file, given the path already joined to the including file's directory.
  // Returns its contents, or nullopt and sets *error to the reason. Default: the file system.
  std::function<std::optional<std::string>(const std::string& path, std::string* error)> read_file;
};

struct ParseError {
  Position position;  // line 0 when the whole file is at fault (it cannot be read)
  std::string message;

  // "file:line:col: message" ("file: message" for line 0).
  std::string to_string() const;
};

class ParseResult {
 public:
  explicit ParseResult(Value root) : result_(std::move(root)) {}
  explicit ParseResult(ParseError error) : result_(std::move(error)) {}

  bool ok() const { return result_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // The top-level map and its Value (position: the file, line 1, column 1). Only when ok().
  const Value& value() const { return std::get<Value>(result_); }
  const Map& map() const { return *value().as_map(); }
  // Only when !ok().
  const ParseError& error() const { return std::get<ParseError>(result_); }

 private:
  std::variant<Value, ParseError> result_;
};

// Reads and parses a configuration file. Includes resolve against the file's directory.
ParseResult parse_config_file(const std::string& path, const ParseOptions& options = {});

// Parses configuration text. pseudo_filename names it in positions and errors, and its
// directory anchors relative includes (empty: the current directory, like nats-server's
// conf.Parse).
ParseResult parse_config_string(std::string_view text, std::string_view pseudo_filename = {},
                                const ParseOptions& options = {});

}  // namespace nats::config
