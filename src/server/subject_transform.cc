#include "server/subject_transform.h"

#include <charconv>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "server/subject.h"

namespace nats {

namespace {

using Function = SubjectTransform::Function;

// nats-server's error texts (server/errors.go).
constexpr std::string_view kErrBadSubject = "invalid subject";
constexpr std::string_view kErrInvalidTransform = "invalid mapping destination: invalid transform";
constexpr std::string_view kErrNotUsingAllWildcards =
    "invalid mapping destination: not using all of the token wildcard(s)";
constexpr std::string_view kErrUnknownFunction = "invalid mapping destination: unknown function";
constexpr std::string_view kErrIndexOutOfRange =
    "invalid mapping destination: wildcard index out of range";
constexpr std::string_view kErrNotEnoughArgs =
    "invalid mapping destination: not enough arguments passed to the function";
constexpr std::string_view kErrInvalidArg =
    "invalid mapping destination: function argument is invalid or in the wrong format";
constexpr std::string_view kErrTooManyArgs =
    "invalid mapping destination: too many arguments passed to the function";
constexpr std::string_view kErrNotSupportedForImport =
    "invalid mapping destination: the only mapping function allowed for import transforms is "
    "{{Wildcard()}}";

// "<error> in <token>", or the error alone for an empty token (nats-server's
// mappingDestinationErr).
std::string dest_error(std::string_view err, std::string_view token) {
  if (token.empty()) return std::string(err);
  return fmt::format("{} in {}", err, token);
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool is_go_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// nats-server matches function names with regular expressions such as [sS]plit[fF]rom[lL]eft:
// the first letter of each word may be either case, the rest must be as written.
bool function_name_is(std::string_view name, std::string_view canonical) {
  if (name.size() != canonical.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = canonical[i];
    const bool word_start = i == 0 || (c >= 'A' && c <= 'Z');
    if (word_start) {
      if ((name[i] | 0x20) != (c | 0x20)) return false;
    } else if (name[i] != c) {
      return false;
    }
  }
  return true;
}

struct FunctionName {
  std::string_view canonical;
  Function function;
};
// In the order nats-server tries them.
constexpr FunctionName kFunctions[] = {
    {"wildcard", Function::kWildcard},
    {"partition", Function::kPartition},
    {"splitFromLeft", Function::kSplitFromLeft},
    {"splitFromRight", Function::kSplitFromRight},
    {"sliceFromLeft", Function::kSliceFromLeft},
    {"sliceFromRight", Function::kSliceFromRight},
    {"right", Function::kRight},
    {"left", Function::kLeft},
    {"split", Function::kSplit},
    {"random", Function::kRandom},
};

// A "{{ name ( args ) }}" token: the function and its raw argument list, split on ",\s*" as
// nats-server does. nullopt when the token is not of that form or names no known function.
struct ParsedCall {
  Function function;
  std::vector<std::string_view> args;
};
std::optional<ParsedCall> parse_call(std::string_view token) {
  std::string_view body = token.substr(2, token.size() - 4);  // without {{ and }}
  size_t i = 0;
  while (i < body.size() && is_go_space(body[i])) ++i;
  const size_t name_start = i;
  while (i < body.size() && ((body[i] | 0x20) >= 'a' && (body[i] | 0x20) <= 'z')) ++i;
  std::string_view name = body.substr(name_start, i - name_start);
  while (i < body.size() && is_go_space(body[i])) ++i;
  if (i >= body.size() || body[i] != '(') return std::nullopt;
  std::string_view rest = body.substr(i + 1);
  while (!rest.empty() && is_go_space(rest.back())) rest.remove_suffix(1);
  if (rest.empty() || rest.back() != ')') return std::nullopt;
  rest.remove_suffix(1);
  for (const FunctionName& f : kFunctions) {
    if (!function_name_is(name, f.canonical)) continue;
    ParsedCall call{f.function, {}};
    size_t start = 0;
    while (true) {
      const size_t comma = rest.find(',', start);
      if (comma == std::string_view::npos) {
        call.args.push_back(rest.substr(start));
        break;
      }
      call.args.push_back(rest.substr(start, comma - start));
      start = comma + 1;
      while (start < rest.size() && is_go_space(rest[start])) ++start;
    }
    return call;
  }
  return std::nullopt;
}

bool looks_like_call(std::string_view token) {
  return token.size() > 4 && token.substr(0, 2) == "{{" && token.substr(token.size() - 2) == "}}";
}

// A destination token as nats-server's indexPlaceHolders reads it: the function, the wildcard
// indexes it names (1-based, as written), and its integer and string arguments.
struct Placeholder {
  Function function = Function::kNone;
  std::vector<int64_t> wildcard_indexes;
  int32_t int_arg = -1;
  std::string string_arg;
};

// For functions taking (wildcard index, integer).
bool index_int_args(std::string_view token, const std::vector<std::string_view>& args,
                    Placeholder& p, std::string* error) {
  if (args.size() < 2) {
    *error = dest_error(kErrNotEnoughArgs, token);
    return false;
  }
  if (args.size() > 2) {
    *error = dest_error(kErrTooManyArgs, token);
    return false;
  }
  auto index = go_atoi(trim_spaces(args[0]));
  auto n = go_atoi(trim_spaces(args[1]));
  if (!index || !n || *n < std::numeric_limits<int32_t>::min() ||
      *n > std::numeric_limits<int32_t>::max()) {
    *error = dest_error(kErrInvalidArg, token);
    return false;
  }
  p.wildcard_indexes = {*index};
  p.int_arg = int32_t(*n);
  return true;
}

bool parse_placeholder(std::string_view token, Placeholder& p, std::string* error) {
  p = Placeholder{};
  if (token.size() <= 1) return true;
  if (token[0] == '$') {
    // The old $1 form; a '$' token that is not a number is a literal ($SYS, say).
    if (auto i = go_atoi(token.substr(1))) {
      p.function = Function::kWildcard;
      p.wildcard_indexes = {*i};
    }
    return true;
  }
  if (!looks_like_call(token)) return true;
  auto call = parse_call(token);
  if (!call) {
    *error = dest_error(kErrUnknownFunction, token);
    return false;
  }
  const auto& args = call->args;
  p.function = call->function;
  switch (call->function) {
    case Function::kWildcard: {
      if (args.size() == 1 && args[0].empty()) {
        *error = dest_error(kErrNotEnoughArgs, token);
        return false;
      }
      if (args.size() > 1) {
        *error = dest_error(kErrTooManyArgs, token);
        return false;
      }
      auto i = go_atoi(trim_spaces(args[0]));
      if (!i) {
        *error = dest_error(kErrInvalidArg, token);
        return false;
      }
      p.wildcard_indexes = {*i};
      return true;
    }
    case Function::kPartition: {
      auto n = go_atoi(trim_spaces(args[0]));
      if (!n || *n > std::numeric_limits<int32_t>::max()) {
        *error = dest_error(kErrInvalidArg, token);
        return false;
      }
      p.int_arg = int32_t(*n);
      for (size_t k = 1; k < args.size(); ++k) {
        auto i = go_atoi(trim_spaces(args[k]));
        if (!i) {
          *error = dest_error(kErrInvalidArg, token);
          return false;
        }
        p.wildcard_indexes.push_back(*i);
      }
      return true;
    }
    case Function::kSplitFromLeft:
    case Function::kSplitFromRight:
    case Function::kSliceFromLeft:
    case Function::kSliceFromRight:
    case Function::kLeft:
    case Function::kRight:
      return index_int_args(token, args, p, error);
    case Function::kSplit: {
      if (args.size() < 2) {
        *error = dest_error(kErrNotEnoughArgs, token);
        return false;
      }
      if (args.size() > 2) {
        *error = dest_error(kErrTooManyArgs, token);
        return false;
      }
      auto i = go_atoi(trim_spaces(args[0]));
      if (!i || args[1].find(' ') != std::string_view::npos ||
          args[1].find('.') != std::string_view::npos) {
        *error = dest_error(kErrInvalidArg, token);
        return false;
      }
      p.wildcard_indexes = {*i};
      p.string_arg = std::string(args[1]);
      return true;
    }
    case Function::kRandom: {
      if (args.size() != 1) {
        *error = dest_error(kErrNotEnoughArgs, token);
        return false;
      }
      auto n = go_atoi(trim_spaces(args[0]));
      if (!n || *n > std::numeric_limits<int32_t>::max()) {
        *error = dest_error(kErrInvalidArg, token);
        return false;
      }
      p.int_arg = int32_t(*n);
      return true;
    }
    case Function::kNone:
      break;
  }
  return true;
}

// Is the subject valid for a transform: non-empty tokens, nothing after ">". Counts partial
// wildcards and notes a full one (nats-server's subjectInfo; whitespace is not looked at).
bool subject_info(std::string_view subject, std::vector<std::string>& tokens, int& pwcs,
                  bool& fwc) {
  tokens.clear();
  pwcs = 0;
  fwc = false;
  if (subject.empty()) return false;
  for (std::string_view t : subject_tokens(subject)) {
    if (t.empty() || fwc) return false;
    if (is_full_wildcard(t)) fwc = true;
    if (is_partial_wildcard(t)) ++pwcs;
    tokens.emplace_back(t);
  }
  return true;
}

uint32_t thread_random() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return uint32_t(rng());
}

}  // namespace

std::optional<int64_t> go_atoi(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s[0] == '+') return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

uint32_t fnv1a32(std::string_view data) {
  uint32_t h = 2166136261u;
  for (unsigned char c : data) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::optional<SubjectTransform> SubjectTransform::create(std::string_view src,
                                                         std::string_view dest, bool strict,
                                                         std::string* error) {
  std::string scratch;
  if (error == nullptr) error = &scratch;
  if (dest.empty()) {
    *error = std::string(kErrBadSubject);
    return std::nullopt;
  }
  if (src.empty()) src = ">";
  SubjectTransform tr;
  tr.src_ = std::string(src);
  tr.dest_ = std::string(dest);
  int src_pwcs = 0, dest_pwcs = 0;
  bool src_fwc = false, dest_fwc = false;
  std::vector<std::string> dest_tokens;
  const bool src_ok = subject_info(src, tr.src_tokens_, src_pwcs, src_fwc);
  const bool dest_ok = subject_info(dest, dest_tokens, dest_pwcs, dest_fwc);
  if (!src_ok || !dest_ok || dest_pwcs > 0 || src_fwc != dest_fwc) {
    *error = std::string(kErrBadSubject);
    return std::nullopt;
  }
  tr.dest_ends_with_fwc_ = is_full_wildcard(dest_tokens.back());

  // Position in the source of the n-th '*' (1-based n); unknown indexes read position 0, as
  // nats-server's map lookup does.
  std::vector<int> wildcard_pos;
  for (size_t i = 0; i < tr.src_tokens_.size(); ++i) {
    if (is_partial_wildcard(tr.src_tokens_[i])) wildcard_pos.push_back(int(i));
  }
  auto position_of = [&](int64_t n) {
    return n >= 1 && n <= int64_t(wildcard_pos.size()) ? wildcard_pos[size_t(n - 1)] : 0;
  };

  const bool src_has_wildcards = src_pwcs > 0 || src_fwc;
  int64_t placeholders = 0;
  for (const std::string& token : dest_tokens) {
    Placeholder p;
    if (!parse_placeholder(token, p, error)) return std::nullopt;
    DestToken d;
    d.function = p.function;
    d.int_arg = p.int_arg;
    d.string_arg = p.string_arg;
    if (p.function == Function::kNone) {
      d.literal = token;
    } else if (!src_has_wildcards) {
      // A literal source has no wildcards to read: only functions that need none.
      if (p.function != Function::kRandom && p.function != Function::kPartition) {
        *error = dest_error(kErrIndexOutOfRange, token);
        return std::nullopt;
      }
    } else {
      if (strict && p.function != Function::kWildcard) {
        *error = dest_error(kErrNotSupportedForImport, token);
        return std::nullopt;
      }
      if (p.function != Function::kRandom) {
        placeholders += int64_t(p.wildcard_indexes.size());
        for (int64_t n : p.wildcard_indexes) {
          if (n > src_pwcs) {
            *error = dest_error(kErrIndexOutOfRange, fmt::format("{}: [{}]", token, n));
            return std::nullopt;
          }
          d.sources.push_back(position_of(n));
        }
      }
    }
    tr.dest_tokens_.push_back(std::move(d));
  }
  if (src_has_wildcards && strict && placeholders < src_pwcs) {
    *error = dest_error(kErrNotUsingAllWildcards, dest);
    return std::nullopt;
  }
  return tr;
}

std::string SubjectTransform::validate_mapping(std::string_view src, std::string_view dest) {
  if (dest.empty()) return {};
  bool fwc = false;
  for (std::string_view t : subject_tokens(dest)) {
    if (t.empty() || fwc) return dest_error(kErrInvalidTransform, t);
    if (looks_like_call(t)) {
      if (!parse_call(t)) return dest_error(kErrUnknownFunction, t);
      continue;
    }
    if (is_full_wildcard(t)) {
      fwc = true;
    } else if (t.find_first_of("\t\n\f\r ") != std::string_view::npos) {
      return std::string(kErrInvalidTransform);
    }
  }
  std::string error;
  if (!create(src, dest, false, &error)) return error;
  return {};
}

void SubjectTransform::append_token(const DestToken& t, const std::vector<std::string_view>& tokens,
                                    std::string& out) const {
  auto source = [&](size_t k) -> std::string_view {
    const int pos = t.sources.size() > k ? t.sources[k] : 0;
    return size_t(pos) < tokens.size() ? tokens[size_t(pos)] : std::string_view();
  };
  const int64_t n = t.int_arg;
  switch (t.function) {
    case Function::kNone:
      out += t.literal;
      return;
    case Function::kWildcard:
      if (!t.sources.empty() && size_t(t.sources[0]) < tokens.size()) out += tokens[t.sources[0]];
      return;
    case Function::kPartition: {
      std::string key;
      if (!t.sources.empty()) {
        for (size_t k = 0; k < t.sources.size(); ++k) key += source(k);
      } else {
        for (size_t k = 0; k < tokens.size(); ++k) {
          if (k > 0) key += '.';
          key += tokens[k];
        }
      }
      out += n == 0 ? "0" : std::to_string(fnv1a32(key) % uint32_t(n));
      return;
    }
    case Function::kSplitFromLeft: {
      std::string_view s = source(0);
      if (n > 0 && n < int64_t(s.size())) {
        out.append(s.substr(0, size_t(n))).append(".").append(s.substr(size_t(n)));
      } else {
        out += s;
      }
      return;
    }
    case Function::kSplitFromRight: {
      std::string_view s = source(0);
      if (n > 0 && n < int64_t(s.size())) {
        const size_t cut = s.size() - size_t(n);
        out.append(s.substr(0, cut)).append(".").append(s.substr(cut));
      } else {
        out += s;
      }
      return;
    }
    case Function::kSliceFromLeft: {
      std::string_view s = source(0);
      if (n > 0 && n < int64_t(s.size())) {
        const size_t size = size_t(n);
        for (size_t i = 0; i < s.size(); i += size) {
          if (i > 0) out += '.';
          out += s.substr(i, size);
        }
      } else {
        out += s;
      }
      return;
    }
    case Function::kSliceFromRight: {
      std::string_view s = source(0);
      if (n > 0 && n < int64_t(s.size())) {
        const size_t size = size_t(n);
        const size_t rem = s.size() % size;
        if (rem > 0) out.append(s.substr(0, rem)).append(".");
        for (size_t i = rem; i + size <= s.size(); i += size) {
          out += s.substr(i, size);
          if (i + size < s.size()) out += '.';
        }
      } else {
        out += s;
      }
      return;
    }
    case Function::kSplit: {
      // Pieces joined with '.', empty pieces (leading, trailing, doubled delimiters) dropped.
      std::string_view s = source(0);
      const std::string& delim = t.string_arg;
      std::vector<std::string_view> pieces;
      if (delim.empty()) {
        for (size_t i = 0; i < s.size(); ++i) pieces.push_back(s.substr(i, 1));
      } else {
        size_t start = 0;
        while (true) {
          const size_t at = s.find(delim, start);
          if (at == std::string_view::npos) {
            pieces.push_back(s.substr(start));
            break;
          }
          pieces.push_back(s.substr(start, at - start));
          start = at + delim.size();
        }
      }
      for (size_t j = 0; j < pieces.size(); ++j) {
        out += pieces[j];
        if (j + 1 < pieces.size() && !pieces[j + 1].empty() && !(j == 0 && pieces[j].empty()))
          out += '.';
      }
      return;
    }
    case Function::kLeft: {
      std::string_view s = source(0);
      out += n > 0 && n < int64_t(s.size()) ? s.substr(0, size_t(n)) : s;
      return;
    }
    case Function::kRight: {
      std::string_view s = source(0);
      out += n > 0 && n < int64_t(s.size()) ? s.substr(s.size() - size_t(n)) : s;
      return;
    }
    case Function::kRandom:
      out += n == 0 ? "0" : std::to_string(int64_t(thread_random() & 0x7fffffff) % n);
      return;
  }
}

std::string SubjectTransform::transform(std::string_view subject) const {
  const std::vector<std::string_view> tokens = subject_tokens(subject);
  std::string out;
  out.reserve(subject.size() + dest_.size());
  const size_t last = dest_tokens_.size() - 1;
  for (size_t i = 0; i < dest_tokens_.size(); ++i) {
    const DestToken& t = dest_tokens_[i];
    if (t.function == Function::kNone && is_full_wildcard(t.literal)) break;
    append_token(t, tokens, out);
    if (i < last) out += '.';
  }
  if (dest_ends_with_fwc_) {
    // The tokens the source's ">" matched.
    for (size_t i = src_tokens_.size() - 1; i < tokens.size(); ++i) {
      out += tokens[i];
      if (i + 1 < tokens.size()) out += '.';
    }
  }
  return out;
}

std::optional<std::string> SubjectTransform::match(std::string_view subject) const {
  if ((src_ == ">" || src_.empty()) && (dest_ == ">" || dest_.empty())) return std::string(subject);
  if (!is_valid_literal_subject(subject)) return std::nullopt;
  if (src_ == ">" || subject_matches(src_, subject)) return transform(subject);
  return std::nullopt;
}

std::optional<SubjectTransform> SubjectTransform::reverse() const {
  std::vector<std::string> placeholders;
  const std::string new_src = transform_untokenize(dest_, &placeholders);
  std::string new_dest;
  size_t next = 0;
  for (size_t i = 0; i < src_tokens_.size(); ++i) {
    if (i > 0) new_dest += '.';
    if (is_partial_wildcard(src_tokens_[i])) {
      if (next >= placeholders.size()) return std::nullopt;
      new_dest += placeholders[next++];
    } else {
      new_dest += src_tokens_[i];
    }
  }
  return create(new_src, new_dest, true, nullptr);
}

std::string transform_tokenize(std::string_view subject) {
  std::string out;
  int n = 1;
  bool first = true;
  for (std::string_view t : subject_tokens(subject)) {
    if (!first) out += '.';
    first = false;
    if (is_partial_wildcard(t)) {
      out += fmt::format("${}", n++);
    } else {
      out += t;
    }
  }
  return out;
}

std::string transform_untokenize(std::string_view subject, std::vector<std::string>* placeholders) {
  std::string out;
  bool first = true;
  for (std::string_view t : subject_tokens(subject)) {
    if (!first) out += '.';
    first = false;
    bool is_placeholder = t.size() > 1 && t[0] == '$' && t[1] >= '1' && t[1] <= '9';
    if (!is_placeholder && looks_like_call(t)) {
      auto call = parse_call(t);
      is_placeholder = call && call->function == Function::kWildcard && call->args.size() == 1 &&
                       !call->args[0].empty();
    }
    if (is_placeholder) {
      if (placeholders) placeholders->emplace_back(t);
      out += '*';
    } else {
      out += t;
    }
  }
  return out;
}

}  // namespace nats
