// libFuzzer target for the configuration parser (src/config/config_parser.h).
//
// Input: a main file, optionally followed by more files for `include`, each introduced by a
// line "@@ <name>" (the name relative to the main file's directory, "fuzz/"). Includes are
// served from these files only, and $NAME falls back to a small fixed environment, so a run
// depends on nothing outside the input.
//
// Properties checked on every input:
//  - parsing twice gives the same tree or the same error (no hidden state);
//  - an error names one of the input's files with a line and column inside it;
//  - every key and value of a tree has such a position;
//  - Value::expanded_size() adds up and stays under kMaxExpandedValues;
//  - a tree written back as configuration text parses to the same tree (round trip).

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_parser.h"
#include "config/duration.h"
#include "config/go_path.h"

namespace {

using nats::config::Array;
using nats::config::Map;
using nats::config::MapEntry;
using nats::config::ParseOptions;
using nats::config::ParseResult;
using nats::config::Position;
using nats::config::Value;

constexpr std::string_view kMainFile = "fuzz/main.conf";
constexpr std::string_view kFileMarker = "\n@@ ";
constexpr size_t kMaxWalk = 20000;  // values; bigger (shared) trees skip the full walk

#define FUZZ_CHECK(cond)                                                                     \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "fuzz property failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

struct VirtualFiles {
  std::map<std::string, std::string> text;  // cleaned path -> contents

  int lines(std::string_view path) const {
    auto it = text.find(std::string(path));
    if (it == text.end()) return -1;
    int n = 1;
    for (char c : it->second) n += c == '\n';
    return n;
  }
};

VirtualFiles split_input(std::string_view input) {
  VirtualFiles files;
  size_t cut = input.find(kFileMarker);
  files.text[std::string(kMainFile)] = std::string(input.substr(0, cut));
  while (cut != std::string_view::npos) {
    input.remove_prefix(cut + kFileMarker.size());
    const size_t eol = input.find('\n');
    const std::string_view name = input.substr(0, eol);
    input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
    cut = input.find(kFileMarker);
    files.text[nats::config::go_join_path("fuzz", name)] = std::string(input.substr(0, cut));
  }
  return files;
}

std::optional<std::string> fixed_env(const std::string& name) {
  static const std::map<std::string, std::string> kEnv = {
      {"A", "1"},      {"B", "$A"},           {"S", "hello"},
      {"SIZE", "1MB"}, {"M", "{x: [1, $A]}"}, {"ARR", "[a, $S]"},
      {"E", ""},       {"CYCLE", "$CYCLE"},   {"BAD", "x y"},
      {"T", "true"},   {"D", "2m"},           {"BLOCK", "(\nb\n)"},
      {"L0", "$L1"},   {"L1", "$L2"},         {"L2", "$L3"},
      {"L3", "end"},
  };
  auto it = kEnv.find(name);
  if (it == kEnv.end()) return std::nullopt;
  return it->second;
}

void check_position(const VirtualFiles& files, const Position& p) {
  const int lines = files.lines(p.file_name());
  FUZZ_CHECK(lines > 0);
  FUZZ_CHECK(p.line >= 1 && p.line <= lines);
  FUZZ_CHECK(p.column >= 1);
}

// Walks a tree: checks positions and recomputes expanded_size(). Returns the count.
size_t walk(const VirtualFiles& files, const Value& v) {
  check_position(files, v.position());
  size_t n = 1;
  if (const Map* m = v.as_map()) {
    for (const MapEntry& e : *m) {
      check_position(files, e.key_position);
      n += walk(files, e.value);
    }
  } else if (const Array* a = v.as_array()) {
    for (const Value& e : *a) n += walk(files, e);
  } else if (std::optional<std::string_view> s = v.as_string()) {
    // Durations come from strings; the parser must cope with any of them.
    (void)nats::config::parse_go_duration(*s);
  }
  FUZZ_CHECK(n == v.expanded_size());
  return n;
}

// Configuration text that parses back to v. Returns false when v cannot be written (a key
// holding both kinds of quote).
bool write_key(std::string& out, std::string_view key) {
  char quote = key.find('"') == std::string_view::npos    ? '"'
               : key.find('\'') == std::string_view::npos ? '\''
                                                          : 0;
  if (quote == 0) return false;
  out += quote;
  out += key;
  out += quote;
  return true;
}

bool write_value(std::string& out, const Value& v) {
  switch (v.type()) {
    case Value::Type::kString: {
      out += '"';
      const std::string_view text = *v.as_string();
      for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
          out += '\\';
          out += c;
        } else if (u >= 0x20 && u < 0x7F) {
          out += c;
        } else {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        }
      }
      out += '"';
      return true;
    }
    case Value::Type::kInteger:
      out += std::to_string(*v.as_int());
      return true;
    case Value::Type::kFloat: {
      // Plain decimal notation: the language has no exponents.
      char buf[512];
      auto [end, ec] =
          std::to_chars(buf, buf + sizeof(buf), *v.as_float(), std::chars_format::fixed);
      FUZZ_CHECK(ec == std::errc());
      std::string text(buf, end);
      if (text.find('.') == std::string::npos) text += ".0";
      out += text;
      return true;
    }
    case Value::Type::kBool:
      out += *v.as_bool() ? "true" : "false";
      return true;
    case Value::Type::kDatetime:
      out += v.debug_string();  // already YYYY-MM-DDTHH:MM:SSZ
      return true;
    case Value::Type::kMap:
      out += "{\n";
      for (const MapEntry& e : *v.as_map()) {
        if (!write_key(out, e.key)) return false;
        out += ": ";
        if (!write_value(out, e.value)) return false;
        out += '\n';
      }
      out += '}';
      return true;
    case Value::Type::kArray:
      out += "[\n";
      for (const Value& e : *v.as_array()) {
        if (!write_value(out, e)) return false;
        out += ",\n";
      }
      out += ']';
      return true;
  }
  return false;
}

std::string outcome(const ParseResult& r) {
  if (!r.ok()) return "error: " + r.error().to_string();
  if (r.value().expanded_size() > kMaxWalk) {
    return "large tree of " + std::to_string(r.value().expanded_size()) + " values";
  }
  return r.value().debug_string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const VirtualFiles files = split_input(input);
  ParseOptions options;
  options.lookup_env = fixed_env;
  options.read_file = [&files](const std::string& path,
                               std::string* error) -> std::optional<std::string> {
    auto it = files.text.find(path);
    if (it == files.text.end()) {
      *error = "no such file in the fuzz input";
      return std::nullopt;
    }
    return it->second;
  };

  const std::string& main = files.text.at(std::string(kMainFile));
  const ParseResult first = nats::config::parse_config_string(main, kMainFile, options);
  const ParseResult second = nats::config::parse_config_string(main, kMainFile, options);
  FUZZ_CHECK(outcome(first) == outcome(second));

  if (!first.ok()) {
    const nats::config::ParseError& e = first.error();
    FUZZ_CHECK(!e.message.empty());
    check_position(files, e.position);
    const std::string where = e.position.to_string() + ": ";
    FUZZ_CHECK(e.to_string().compare(0, where.size(), where) == 0);
    return 0;
  }

  const Value& root = first.value();
  FUZZ_CHECK(root.is_map());
  FUZZ_CHECK(root.expanded_size() <= nats::config::kMaxExpandedValues);
  if (root.expanded_size() > kMaxWalk) return 0;
  walk(files, root);

  // Round trip: the top level written as entries, one per line.
  std::string text;
  for (const MapEntry& e : first.map()) {
    if (!write_key(text, e.key)) return 0;
    text += " = ";
    if (!write_value(text, e.value)) return 0;
    text += '\n';
  }
  ParseOptions closed;
  closed.lookup_env = [](const std::string&) { return std::optional<std::string>(); };
  closed.read_file = [](const std::string&, std::string* error) {
    *error = "no includes in a round trip";
    return std::optional<std::string>();
  };
  const ParseResult again = nats::config::parse_config_string(text, "roundtrip.conf", closed);
  if (!again.ok()) {
    std::fprintf(stderr, "round trip failed: %s\n--- text:\n%s\n",
                 again.error().to_string().c_str(), text.c_str());
  }
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again.value().debug_string() == root.debug_string());
  return 0;
}
