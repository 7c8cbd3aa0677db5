#include "config/config_parser.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "config/go_path.h"

namespace nats::config {

namespace {

// ---------------------------------------------------------------------------------------------
// Defaults for ParseOptions.

std::optional<std::string> read_whole_file(const std::string& path, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    *error = std::strerror(EISDIR);
    return std::nullopt;
  }
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    out.append(buf, size_t(n));
  }
  ::close(fd);
  return out;
}

std::optional<std::string> getenv_value(const std::string& name) {
  if (const char* v = std::getenv(name.c_str())) return std::string(v);
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Character classes. nats-server separates values with spaces and tabs only, but skips any
// Unicode white space (Go's unicode.IsSpace) between keys and elements.

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_newline(char c) { return c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_size_suffix(char c) {
  return c != '\0' && std::string_view("kKmMgGtTpPeE").find(c) != std::string_view::npos;
}

// Byte length of the Unicode white space character at s[i], or 0.
size_t unicode_space_len(std::string_view s, size_t i) {
  if (i >= s.size()) return 0;
  const auto b = [&](size_t k) { return i + k < s.size() ? uint8_t(s[i + k]) : uint8_t{0}; };
  switch (b(0)) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
      return 1;
    case 0xC2:  // U+0085 NEL, U+00A0 NO-BREAK SPACE
      return b(1) == 0x85 || b(1) == 0xA0 ? 2 : 0;
    case 0xE1:  // U+1680 OGHAM SPACE MARK
      return b(1) == 0x9A && b(2) == 0x80 ? 3 : 0;
    case 0xE2:  // U+2000..U+200A, U+2028, U+2029, U+202F, U+205F
      if (b(1) == 0x80) {
        const uint8_t c = b(2);
        return (c >= 0x80 && c <= 0x8A) || c == 0xA8 || c == 0xA9 || c == 0xAF ? 3 : 0;
      }
      return b(1) == 0x81 && b(2) == 0x9F ? 3 : 0;
    case 0xE3:  // U+3000 IDEOGRAPHIC SPACE
      return b(1) == 0x80 && b(2) == 0x80 ? 3 : 0;
    default:
      return 0;
  }
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

// true/false, yes/no, on/off in any case; only unquoted words are booleans.
bool parse_bool_word(std::string_view word, bool* value) {
  const std::string w = ascii_lower(word);
  if (w == "true" || w == "yes" || w == "on") {
    *value = true;
    return true;
  }
  if (w == "false" || w == "no" || w == "off") {
    *value = false;
    return true;
  }
  return false;
}

// Multiplier for an integer's size suffix (already lower-cased): k, m, g, t, p, e are powers
// of 1000; with b, i or ib (kb, ki, kib, ...) powers of 1024. 0 for anything else.
int64_t size_multiplier(std::string_view suffix) {
  if (suffix.empty()) return 1;
  const size_t exponent = std::string_view("kmgtpe").find(suffix[0]) + 1;  // npos + 1 == 0
  const std::string_view rest = suffix.substr(1);
  int64_t base = 0;
  if (rest.empty()) {
    base = 1000;
  } else if (rest == "b" || rest == "i" || rest == "ib") {
    base = 1024;
  } else {
    return 0;
  }
  if (exponent == 0) return 0;
  int64_t m = 1;
  for (size_t k = 0; k < exponent; ++k) m *= base;
  return m;
}

// ---------------------------------------------------------------------------------------------

// Parsing stops at the first error by throwing this; only parse_config_* catch it.
struct Failure {
  ParseError error;
};

[[noreturn]] void fail(Position pos, std::string message) {
  throw Failure{ParseError{std::move(pos), std::move(message)}};
}

// State shared by a document, the files it includes and the environment values it expands.
struct Session {
  explicit Session(const ParseOptions& o) : options(o) {}

  ParseOptions options;
  int includes = 0;                    // include directives followed so far
  int depth = 0;                       // nesting of maps, arrays, includes and env values
  std::vector<std::string> files;      // files being parsed, outermost first (cleaned paths)
  std::vector<std::string> env_names;  // environment variables being expanded
};

class DepthGuard {
 public:
  DepthGuard(Session& session, const Position& where) : session_(session) {
    if (session_.depth >= kMaxNestingDepth) {
      fail(where, fmt::format("maps, arrays, includes and variables nest deeper than {} levels",
                              kMaxNestingDepth));
    }
    ++session_.depth;
  }
  ~DepthGuard() { --session_.depth; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  Session& session_;
};

// Where an entry sits: the top level (or inside top-level braces), or a map value. The two
// differ in small ways nats-server has, e.g. a new line may follow `key =` only inside maps.
enum class Context { kTop, kMap };

// Reads one document: a file, an included file, or an environment variable's value. A
// recursive-descent reader over the bytes, with nats-server's lexer's acceptance rules.
class Parser {
 public:
  // fixed_position, when set, is given to every value and error (environment values take the
  // position of the $NAME that expanded them).
  Parser(Session& session, std::string_view text, std::shared_ptr<const std::string> file,
         std::string dir, const Position* fixed_position)
      : session_(session),
        text_(text),
        file_(std::move(file)),
        dir_(std::move(dir)),
        fixed_position_(fixed_position) {}

  std::shared_ptr<Map> parse_document();

 private:
  // --- cursor ---
  bool at_end() const { return pos_ >= text_.size(); }
  // '\0' at the end: NUL bytes are rejected up front, so '\0' only ever means "no more input".
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void advance(size_t n = 1) {
    for (size_t k = 0; k < n && pos_ < text_.size(); ++k) {
      if (text_[pos_] == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      }
      ++pos_;
    }
  }
  Position here() const {
    if (fixed_position_) return *fixed_position_;
    return Position{file_, line_, int(pos_ - line_start_ + 1)};
  }
  Position position_of(size_t offset) const;
  bool at_comment() const { return peek() == '#' || (peek() == '/' && peek(1) == '/'); }
  void skip_comment() {
    while (!at_end() && !is_newline(peek())) advance();
  }
  void skip_blanks() {
    while (is_blank(peek())) advance();
  }
  void skip_spaces() {
    while (size_t n = unicode_space_len(text_, pos_)) advance(n);
  }
  // White space, new lines and comments: what may sit between entries and elements.
  void skip_gap() {
    for (;;) {
      if (size_t n = unicode_space_len(text_, pos_)) {
        advance(n);
      } else if (at_comment()) {
        skip_comment();
      } else {
        return;
      }
    }
  }
  // The next character, for error messages.
  std::string describe_next() const;

  // --- grammar ---
  void end_top_entry(bool in_block);
  void parse_entry(Map& map, Context context, const Position* map_open);
  void parse_include(Map& map, const Position& directive);
  void include_file(Map& map, const std::string& name, const Position& directive);
  Value parse_value(bool in_array);
  Value parse_map();
  Value parse_array();
  Value parse_number(bool negative, bool in_array);
  Value parse_datetime(size_t start, const Position& pos);
  Value make_integer(std::string_view text, const Position& pos);
  Value make_float(std::string_view text, const Position& pos);
  Value parse_unquoted();
  bool scan_unquoted(std::string& out, bool* quote_ended);
  void parse_escape(std::string& out);
  std::string parse_quoted();
  std::string parse_block();
  Value resolve_variable(const std::string& name, const Position& pos);
  void set_entry(Map& map, MapEntry entry);

  Session& session_;
  std::string_view text_;
  std::shared_ptr<const std::string> file_;
  std::string dir_;  // anchors relative includes
  const Position* fixed_position_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  std::vector<Map*> scopes_;  // maps still open, outermost first: where $name looks
};

Position Parser::position_of(size_t offset) const {
  if (fixed_position_) return *fixed_position_;
  int line = 1;
  size_t start = 0;
  for (size_t i = 0; i < offset && i < text_.size(); ++i) {
    if (text_[i] == '\n') {
      ++line;
      start = i + 1;
    }
  }
  return Position{file_, line, int(offset - start + 1)};
}

std::string Parser::describe_next() const {
  if (at_end()) return "the end of the file";
  const char c = peek();
  if (is_newline(c)) return "a new line";
  if (c == '\t') return "a tab";
  const auto u = uint8_t(c);
  if (u >= 0x20 && u < 0x7F) return fmt::format("'{}'", c);
  // A whole UTF-8 sequence when there is one, else the byte.
  size_t n = u >= 0xF0 && u <= 0xF4 ? 4 : u >= 0xE0 ? 3 : u >= 0xC2 && u <= 0xDF ? 2 : 0;
  if (n > 0 && pos_ + n <= text_.size()) {
    bool valid = true;
    for (size_t k = 1; k < n; ++k) valid = valid && (uint8_t(text_[pos_ + k]) & 0xC0) == 0x80;
    if (valid) return fmt::format("'{}'", text_.substr(pos_, n));
  }
  return fmt::format("byte 0x{:02x}", u);
}

std::shared_ptr<Map> Parser::parse_document() {
  if (const size_t nul = text_.find('\0'); nul != std::string_view::npos) {
    fail(position_of(nul), "unexpected NUL byte");
  }
  auto top = std::make_shared<Map>();
  scopes_.push_back(top.get());
  // Braces around top-level entries are transparent, for JSON-style files.
  std::vector<Position> blocks;
  for (;;) {
    skip_gap();
    if (at_end()) break;
    const char c = peek();
    if (c == '{') {
      blocks.push_back(here());
      advance();
      continue;
    }
    if (c == '}') {
      if (!blocks.empty()) {
        blocks.pop_back();
        advance();
        continue;
      }
      // nats-server ignores surplus closing braces at the very end of a file.
      const Position stray = here();
      while (peek() == '}') {
        advance();
        skip_gap();
      }
      if (at_end()) break;
      fail(stray, "unexpected '}': no '{' is open here");
    }
    parse_entry(*top, Context::kTop, nullptr);
    end_top_entry(!blocks.empty());
  }
  if (!blocks.empty()) fail(blocks.back(), "'{' is never closed (missing '}')");
  scopes_.pop_back();
  return top;
}

void Parser::end_top_entry(bool in_block) {
  skip_blanks();
  if (at_end()) return;
  if (at_comment()) {
    skip_comment();
    return;
  }
  const char c = peek();
  if (is_newline(c) || c == ';' || c == ',') {
    advance();
    return;
  }
  if (c == '}') {
    // Inside braces it closes them (the caller sees it); at the top level nats-server takes a
    // '}' right after a value as just another separator.
    if (!in_block) advance();
    return;
  }
  fail(here(), fmt::format("expected a new line, ';', ',' or a comment after the value, found {}",
                           describe_next()));
}

void Parser::parse_entry(Map& map, Context context, const Position* map_open) {
  const Position key_pos = here();
  const char first = peek();
  if (first == '=' || first == ':') {
    fail(key_pos, fmt::format("unexpected key separator '{}': expected a key", first));
  }
  if (first == ']' && context == Context::kMap) fail(key_pos, "unexpected ']' in a map");
  if (first == '/') fail(key_pos, "unexpected '/' (comments start with '#' or '//')");

  std::string key;
  if (first == '"' || first == '\'') {
    // Quoted keys are taken verbatim (no escapes) and are never the include keyword.
    advance();
    const size_t start = pos_;
    while (!at_end() && peek() != first) advance();
    if (at_end()) fail(key_pos, "unterminated quoted key");
    key = text_.substr(start, pos_ - start);
    advance();
  } else {
    const size_t start = pos_;
    while (!at_end() && peek() != '=' && peek() != ':' && unicode_space_len(text_, pos_) == 0) {
      advance();
    }
    key = text_.substr(start, pos_ - start);
    if (unicode_space_len(text_, pos_) > 0 && ascii_lower(key) == "include") {
      parse_include(map, key_pos);
      return;
    }
  }

  skip_spaces();
  if (at_end()) {
    if (map_open) fail(*map_open, "map is never closed (missing '}')");
    fail(key_pos, fmt::format("missing value for key '{}'", key));
  }
  if (peek() == '=' || peek() == ':') {
    advance();
    if (context == Context::kTop) {
      skip_blanks();
      if (is_newline(peek())) {
        fail(here(), fmt::format("expected a value for key '{}', found a new line", key));
      }
    } else {
      skip_spaces();
    }
  }
  if (context == Context::kMap) {
    if (at_end()) fail(*map_open, "map is never closed (missing '}')");
    if (peek() == ',') fail(here(), fmt::format("expected a value for key '{}', found ','", key));
    if (peek() == '}') fail(key_pos, fmt::format("missing value for key '{}'", key));
  }
  Value value = parse_value(false);
  set_entry(map, MapEntry{std::move(key), key_pos, std::move(value), false});
}

void Parser::parse_include(Map& map, const Position& directive) {
  skip_blanks();
  const Position path_pos = here();
  const char c = peek();
  std::string name;
  if (c == '"' || c == '\'') {
    advance();
    const size_t start = pos_;
    while (!at_end() && peek() != c) advance();
    if (at_end()) fail(path_pos, "unterminated quoted include path");
    name = text_.substr(start, pos_ - start);
    advance();
  } else {
    const char* found = nullptr;
    switch (c) {
      case '[':
        found = "the start of an array";
        break;
      case '{':
        found = "the start of a map";
        break;
      case '(':
        found = "the start of a block";
        break;
      case '\\':
        found = "an escape sequence";
        break;
      case '-':
        found = "the start of a number";
        break;
      case '\n':
      case '\r':
        found = "a new line";
        break;
      default:
        if (is_digit(c)) found = "the start of a number";
    }
    if (found) fail(path_pos, fmt::format("expected an include path, found {}", found));
    // Unquoted: up to a blank, new line, ';' or '}'; a quote also ends it and is dropped.
    const size_t start = pos_;
    while (!at_end() && !is_blank(peek()) && !is_newline(peek()) && peek() != ';' &&
           peek() != '}' && peek() != '\'') {
      advance();
    }
    name = text_.substr(start, pos_ - start);
    if (peek() == '\'') advance();
  }
  if (name.empty()) fail(path_pos, "expected an include path");
  include_file(map, name, directive);
}

void Parser::include_file(Map& map, const std::string& name, const Position& directive) {
  const std::string path = go_join_path(dir_, name);
  if (session_.files.size() > size_t(kMaxIncludeDepth)) {
    fail(directive, fmt::format("includes nest deeper than {} files", kMaxIncludeDepth));
  }
  if (++session_.includes > kMaxIncludes) {
    fail(directive, fmt::format("more than {} includes", kMaxIncludes));
  }
  if (std::find(session_.files.begin(), session_.files.end(), path) != session_.files.end()) {
    fail(directive, fmt::format("include cycle: '{}' is already being parsed", path));
  }
  std::string error;
  std::optional<std::string> text = session_.options.read_file(path, &error);
  if (!text) fail(directive, fmt::format("cannot read include file '{}': {}", path, error));

  DepthGuard guard(session_, directive);
  session_.files.push_back(path);
  Parser included(session_, *text, std::make_shared<const std::string>(path), go_dir(path),
                  nullptr);
  std::shared_ptr<Map> entries;
  try {
    entries = included.parse_document();
  } catch (Failure& f) {
    f.error.message += fmt::format(" (in '{}' included at {})", path, directive.to_string());
    throw;
  }
  session_.files.pop_back();
  // The included file's keys land in the map holding the include, as if written there; its
  // variables were its own while it was parsed, and are visible here from now on.
  for (const MapEntry& e : *entries) set_entry(map, e);
}

void Parser::set_entry(Map& map, MapEntry entry) {
  if (map.expanded_size() + entry.value.expanded_size() > kMaxExpandedValues) {
    fail(entry.value.position(),
         fmt::format("the configuration expands to more than {} values", kMaxExpandedValues));
  }
  map.set(std::move(entry));
}

Value Parser::parse_value(bool in_array) {
  const Position pos = here();
  const char c = peek();
  switch (c) {
    case '[':
      return parse_array();
    case '{':
      return parse_map();
    case '"':
    case '\'':
      return Value::string(parse_quoted(), pos);
    case '(':
      return Value::string(parse_block(), pos);
    case '-':
      return parse_number(true, in_array);
    case '.':
      fail(pos, "floats must start with a digit");
    case '\n':
    case '\r':
      fail(pos, "expected a value, found a new line");
    default:
      break;
  }
  if (is_digit(c)) return parse_number(false, in_array);
  return parse_unquoted();
}

Value Parser::parse_map() {
  const Position open = here();
  DepthGuard guard(session_, open);
  advance();
  auto map = std::make_shared<Map>();
  scopes_.push_back(map.get());
  for (;;) {
    skip_gap();
    if (at_end()) fail(open, "map is never closed (missing '}')");
    if (peek() == '}') {
      advance();
      break;
    }
    parse_entry(*map, Context::kMap, &open);
    skip_blanks();
    if (at_comment()) skip_comment();
    if (at_end()) fail(open, "map is never closed (missing '}')");
    const char c = peek();
    if (c == ',' || c == ';' || is_newline(c)) {
      advance();
      continue;
    }
    if (c == '}') {
      advance();
      break;
    }
    fail(here(), fmt::format("expected ',' or '}}' after a map value, found {}", describe_next()));
  }
  scopes_.pop_back();
  return Value::map(std::move(map), open);
}

Value Parser::parse_array() {
  const Position open = here();
  DepthGuard guard(session_, open);
  advance();
  auto array = std::make_shared<Array>();
  size_t expanded = 1;
  for (;;) {
    skip_gap();
    if (at_end()) fail(open, "array is never closed (missing ']')");
    const char c = peek();
    if (c == ']') {
      advance();
      break;
    }
    if (c == ',') fail(here(), "unexpected ',' in an array: expected a value or ']'");
    if (c == '/') fail(here(), "unexpected '/' (comments start with '#' or '//')");
    Value element = parse_value(true);
    if (expanded + element.expanded_size() > kMaxExpandedValues) {
      fail(element.position(),
           fmt::format("the configuration expands to more than {} values", kMaxExpandedValues));
    }
    expanded += element.expanded_size();
    array->push_back(std::move(element));
    skip_blanks();
    if (at_comment()) skip_comment();
    if (at_end()) fail(open, "array is never closed (missing ']')");
    const char next = peek();
    if (next == ',' || is_newline(next)) {
      advance();
      continue;
    }
    if (next == ']') {
      advance();
      break;
    }
    fail(here(),
         fmt::format("expected ',' or ']' after an array element, found {}", describe_next()));
  }
  return Value::array(std::move(array), open);
}

// What may directly follow the digits of a number. In an array we also count ']', which
// nats-server does not: there "[1]" fails to parse and "[1k]" is the string "1k".
bool ends_number(char c, bool in_array) {
  return c == '\0' || is_newline(c) || is_blank(c) || c == ';' || c == ',' || c == '}' ||
         (c == ']' && in_array);
}

Value Parser::parse_number(bool negative, bool in_array) {
  const Position pos = here();
  const size_t start = pos_;
  if (negative) {
    advance();
    if (!is_digit(peek())) {
      if (peek() == '.') fail(here(), "floats must start with a digit");
      fail(here(), fmt::format("expected a digit after '-', found {}", describe_next()));
    }
  }
  int digits = 0;
  while (is_digit(peek())) {
    advance();
    ++digits;
  }
  const char c = peek();
  if (c == '-' && !negative) {
    if (digits != 4) fail(pos, "datetimes must have the full form YYYY-MM-DDTHH:MM:SSZ");
    return parse_datetime(start, pos);
  }
  if (c == '.') {
    advance();
    if (!is_digit(peek())) {
      fail(here(), fmt::format("floats need a digit after the '.', found {}", describe_next()));
    }
    while (is_digit(peek())) advance();
    if (peek() == '.') {
      // A second dot: an address like 127.0.0.1 or 10.0.0.1:4222, kept as a string.
      while (is_digit(peek()) || peek() == '.' || peek() == ':' || peek() == '-') advance();
      return Value::string(std::string(text_.substr(start, pos_ - start)), pos);
    }
    return make_float(text_.substr(start, pos_ - start), pos);
  }
  if (is_size_suffix(c)) {
    advance();
    while (peek() == 'b' || peek() == 'B' || peek() == 'i' || peek() == 'I') advance();
    const char next = peek();
    if (ends_number(next, in_array) || is_digit(next)) {
      return make_integer(text_.substr(start, pos_ - start), pos);
    }
    // "3Gyz", "1mb.bin": not a size after all, but an unquoted string.
    std::string s(text_.substr(start, pos_ - start));
    bool quote_ended = false;
    scan_unquoted(s, &quote_ended);
    return Value::string(std::move(s), pos);
  }
  if (negative || ends_number(c, in_array))
    return make_integer(text_.substr(start, pos_ - start), pos);
  // "10s", "1h30m", "2xyz": a string that starts with digits. Like nats-server, the character
  // that ended the digits is taken literally, even a backslash or a quote.
  advance();
  std::string s(text_.substr(start, pos_ - start));
  bool quote_ended = false;
  scan_unquoted(s, &quote_ended);
  return Value::string(std::move(s), pos);
}

Value Parser::parse_datetime(size_t start, const Position& pos) {
  // The year's four digits are read; the rest must be exactly -MM-DDTHH:MM:SSZ.
  static constexpr std::string_view kRest = "-00-00T00:00:00Z";
  for (const char expected : kRest) {
    const char c = peek();
    const bool ok = expected == '0' ? is_digit(c) : c == expected;
    if (!ok) {
      fail(here(),
           fmt::format("expected {} in the datetime (YYYY-MM-DDTHH:MM:SSZ), found {}",
                       expected == '0' ? std::string("a digit") : fmt::format("'{}'", expected),
                       describe_next()));
    }
    advance();
  }
  const std::string_view text = text_.substr(start, pos_ - start);
  const auto num = [&](size_t at, size_t len) {
    int v = 0;
    for (size_t k = 0; k < len; ++k) v = v * 10 + (text[at + k] - '0');
    return v;
  };
  const std::chrono::year_month_day ymd{std::chrono::year(num(0, 4)),
                                        std::chrono::month(unsigned(num(5, 2))),
                                        std::chrono::day(unsigned(num(8, 2)))};
  const int hour = num(11, 2), minute = num(14, 2), second = num(17, 2);
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) {
    fail(pos, fmt::format("'{}' is not a valid datetime", text));
  }
  const Datetime t = std::chrono::sys_days(ymd) + std::chrono::hours(hour) +
                     std::chrono::minutes(minute) + std::chrono::seconds(second);
  return Value::datetime(t, pos);
}

Value Parser::make_integer(std::string_view text, const Position& pos) {
  size_t n = text[0] == '-' ? 1 : 0;
  while (n < text.size() && is_digit(text[n])) ++n;
  int64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + n, number);
  if (ec == std::errc::result_out_of_range)
    fail(pos, fmt::format("integer '{}' is out of range", text));
  if (ec != std::errc() || end != text.data() + n) {
    fail(pos, fmt::format("expected an integer, found '{}'", text));
  }
  const std::string suffix = ascii_lower(text.substr(n));
  const int64_t multiplier = size_multiplier(suffix);
  if (multiplier == 0) {
    fail(pos, fmt::format("unknown size suffix '{}' in '{}' (use k, kb, ki, kib, m, mb, ...)",
                          text.substr(n), text));
  }
  int64_t value = 0;
  if (__builtin_mul_overflow(number, multiplier, &value)) {
    fail(pos, fmt::format("integer '{}' is out of range", text));
  }
  return Value::integer(value, pos);
}

Value Parser::make_float(std::string_view text, const Position& pos) {
  const std::string s(text);
  const double d = std::strtod(s.c_str(), nullptr);
  if (std::isinf(d)) fail(pos, fmt::format("float '{}' is out of range", text));
  return Value::floating(d, pos);
}

Value Parser::parse_unquoted() {
  const Position pos = here();
  std::string s;
  bool quote_ended = false;
  const bool escaped = scan_unquoted(s, &quote_ended);
  if (escaped || quote_ended) return Value::string(std::move(s), pos);
  if (bool b = false; parse_bool_word(s, &b)) return Value::boolean(b, pos);
  if (!s.empty() && s[0] == '$') return resolve_variable(s.substr(1), pos);
  return Value::string(std::move(s), pos);
}

// Appends the rest of an unquoted string to out and returns whether it held escapes. It ends
// before a blank, new line, ';', ',', ']', '}' or the end; a quote also ends it and is dropped
// (*quote_ended), as in nats-server.
bool Parser::scan_unquoted(std::string& out, bool* quote_ended) {
  bool escaped = false;
  for (;;) {
    const char c = peek();
    if (at_end() || is_blank(c) || is_newline(c) || c == ';' || c == ',' || c == ']' || c == '}') {
      return escaped;
    }
    if (c == '\'') {
      advance();
      *quote_ended = true;
      return escaped;
    }
    if (c == '\\') {
      parse_escape(out);
      escaped = true;
      continue;
    }
    out += c;
    advance();
  }
}

void Parser::parse_escape(std::string& out) {
  const Position pos = here();
  advance();  // the backslash
  const char c = peek();
  // \t \n \r \" \\ stand for one character each; \xHH for any byte.
  static constexpr std::string_view kFrom = "tnr\"\\", kTo = "\t\n\r\"\\";
  if (const size_t k = c == '\0' ? std::string_view::npos : kFrom.find(c);
      k != std::string_view::npos) {
    out += kTo[k];
    advance();
    return;
  }
  if (c != 'x') {
    fail(pos, fmt::format("invalid escape character {}: only \\xXX, \\t, \\n, \\r, \\\" and "
                          "\\\\ are allowed",
                          describe_next()));
  }
  advance();
  int byte = 0;
  for (int k = 0; k < 2; ++k) {
    const char h = peek();
    if (at_end() || is_newline(h)) {
      fail(here(), "expected two hexadecimal digits after '\\x', found the end of the line");
    }
    if (!is_hex(h)) {
      fail(pos,
           fmt::format("expected two hexadecimal digits after '\\x', found {}", describe_next()));
    }
    byte = byte * 16 + (is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
    advance();
  }
  out += char(byte);
}

// A single-quoted string is verbatim; a double-quoted one takes escapes. Both may span lines.
std::string Parser::parse_quoted() {
  const Position open = here();
  const char quote = peek();
  advance();
  std::string out;
  for (;;) {
    if (at_end()) fail(open, "unterminated quoted string");
    const char c = peek();
    if (c == quote) {
      advance();
      return out;
    }
    if (c == '\\' && quote == '"') {
      parse_escape(out);
      continue;
    }
    out += c;
    advance();
  }
}

// A block string runs from after '(' to a ')' alone at the start of a line; the text keeps the
// new lines after '(' and before ')'.
std::string Parser::parse_block() {
  const Position open = here();
  advance();
  const size_t start = pos_;
  for (;;) {
    if (at_end()) fail(open, "unterminated block string: it ends with ')' alone on a line");
    if (peek() == ')' && text_[pos_ - 1] == '\n' &&
        (pos_ + 1 == text_.size() || peek(1) == '\n' || (peek(1) == '\r' && peek(2) == '\n'))) {
      std::string out(text_.substr(start, pos_ - start));
      advance();
      return out;
    }
    advance();
  }
}

Value Parser::resolve_variable(const std::string& name, const Position& pos) {
  // bcrypt hashes ($2a$...) are passwords, not references, so they need no quotes.
  if (name.rfind("2a$", 0) == 0) return Value::string("$" + name, pos);
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    if (MapEntry* e = (*it)->find_exact(name)) {
      e->used_as_variable = true;
      return e->value.with_position(pos);
    }
  }
  if (std::find(session_.env_names.begin(), session_.env_names.end(), name) !=
      session_.env_names.end()) {
    fail(pos, fmt::format("variable reference cycle for '{}'", name));
  }
  std::optional<std::string> env = session_.options.lookup_env(name);
  if (!env) fail(pos, fmt::format("variable reference for '{}' can not be found", name));

  // Like nats-server, read the variable's text as the value of a one-key document, so 4222 is
  // an integer, 1MB a size, [a, b] an array and $OTHER another reference.
  DepthGuard guard(session_, pos);
  session_.env_names.push_back(name);
  const std::string document = "pk=" + *env;
  Parser value_parser(session_, document, file_, ".", &pos);
  std::shared_ptr<Map> parsed;
  try {
    parsed = value_parser.parse_document();
  } catch (const Failure& f) {
    fail(pos,
         fmt::format("variable reference for '{}' could not be parsed: {}", name, f.error.message));
  }
  session_.env_names.pop_back();
  const MapEntry* e = parsed->find_exact("pk");
  if (!e) fail(pos, fmt::format("variable reference for '{}' can not be found", name));
  return e->value.with_position(pos);
}

ParseResult run(Session& session, std::string_view text, const std::string& file_name) {
  if (!session.options.read_file) session.options.read_file = read_whole_file;
  if (!session.options.lookup_env) session.options.lookup_env = getenv_value;
  if (!file_name.empty()) session.files.push_back(go_clean_path(file_name));
  auto file = std::make_shared<const std::string>(file_name);
  Parser parser(session, text, file, go_dir(file_name), nullptr);
  try {
    std::shared_ptr<Map> top = parser.parse_document();
    return ParseResult(Value::map(std::move(top), Position{file, 1, 1}));
  } catch (Failure& f) {
    return ParseResult(std::move(f.error));
  }
}

}  // namespace

std::string ParseError::to_string() const {
  return fmt::format("{}: {}", position.to_string(), message);
}

ParseResult parse_config_file(const std::string& path, const ParseOptions& options) {
  Session session(options);
  if (!session.options.read_file) session.options.read_file = read_whole_file;
  std::string error;
  std::optional<std::string> text = session.options.read_file(path, &error);
  if (!text) {
    auto file = std::make_shared<const std::string>(path);
    return ParseResult(
        ParseError{Position{file, 0, 0}, fmt::format("cannot read configuration file: {}", error)});
  }
  return run(session, *text, path);
}

ParseResult parse_config_string(std::string_view text, std::string_view pseudo_filename,
                                const ParseOptions& options) {
  Session session(options);
  return run(session, text, std::string(pseudo_filename));
}

}  // namespace nats::config
