#include "server/subject.h"

#include <cstdint>

namespace nats {
namespace {

bool is_subject_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

// True if `s` is well-formed UTF-8 without NUL bytes and without U+FFFD. nats-server decodes
// subjects as Go strings, where a malformed sequence and a literal U+FFFD both read as the
// replacement rune, so it rejects both; we do the same to accept exactly the same subjects.
bool has_clean_runes(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const uint8_t b0 = *p;
    if (b0 == 0) return false;
    if (b0 < 0x80) {
      ++p;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;  // overlong
      if (b0 == 0xED) hi = 0x9F;  // UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;  // overlong
      if (b0 == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < len) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (size_t i = 2; i < len; ++i) {
      if (!is_continuation(p[i])) return false;
    }
    if (len == 3 && b0 == 0xEF && p[1] == 0xBF && p[2] == 0xBD) return false;  // U+FFFD
    p += len;
  }
  return true;
}

}  // namespace

bool is_valid_subject(std::string_view subject, bool check_runes) {
  if (subject.empty()) return false;
  if (check_runes && !has_clean_runes(subject)) return false;
  SubjectTokenizer tokens(subject);
  std::string_view token;
  bool after_full_wildcard = false;
  while (tokens.next(token)) {
    if (token.empty() || after_full_wildcard) return false;
    for (char c : token) {
      if (is_subject_space(c)) return false;
    }
    after_full_wildcard = is_full_wildcard(token);
  }
  return true;
}

bool is_valid_publish_subject(std::string_view subject) {
  return is_valid_subject(subject) && subject_is_literal(subject);
}

bool is_valid_literal_subject(std::string_view subject) {
  SubjectTokenizer tokens(subject);
  std::string_view token;
  while (tokens.next(token)) {
    if (token.empty() || is_partial_wildcard(token) || is_full_wildcard(token)) return false;
  }
  return true;
}

bool subject_has_wildcard(std::string_view subject) {
  const size_t n = subject.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = subject[i];
    if (c != kPartialWildcard && c != kFullWildcard) continue;
    const bool starts_token = i == 0 || subject[i - 1] == kTokenSeparator;
    const bool ends_token = i + 1 == n || subject[i + 1] == kTokenSeparator;
    if (starts_token && ends_token) return true;
  }
  return false;
}

bool is_valid_queue_name(std::string_view queue) {
  if (queue.empty()) return false;
  for (char c : queue) {
    if (is_subject_space(c)) return false;
  }
  return true;
}

std::vector<std::string_view> subject_tokens(std::string_view subject) {
  std::vector<std::string_view> out;
  SubjectTokenizer t(subject);
  std::string_view tok;
  while (t.next(tok)) out.push_back(tok);
  return out;
}

size_t num_tokens(std::string_view subject) {
  if (subject.empty()) return 0;
  size_t n = 1;
  for (char c : subject) n += c == kTokenSeparator;
  return n;
}

bool subject_matches(std::string_view pattern, std::string_view literal) {
  SubjectTokenizer pattern_tokens(pattern);
  SubjectTokenizer literal_tokens(literal);
  std::string_view p, l;
  while (pattern_tokens.next(p)) {
    if (!literal_tokens.next(l) || l.empty()) return false;
    if (is_full_wildcard(p)) {
      while (literal_tokens.next(l)) {
        if (l.empty()) return false;
      }
      return true;
    }
    if (!is_partial_wildcard(p) && p != l) return false;
  }
  return !literal_tokens.next(l);
}

bool subject_is_subset_match(std::string_view subject, std::string_view test) {
  SubjectTokenizer subject_tokens(subject);
  SubjectTokenizer test_tokens(test);
  std::string_view s, t;
  while (test_tokens.next(t)) {
    if (!subject_tokens.next(s) || t.empty()) return false;
    if (is_full_wildcard(t)) return true;
    // ">" in the subject covers more than any non-">" token of the test can.
    if (s.empty() || is_full_wildcard(s)) return false;
    if (is_partial_wildcard(s)) {
      if (!is_partial_wildcard(t)) return false;
      continue;
    }
    if (!is_partial_wildcard(t) && s != t) return false;
  }
  return !subject_tokens.next(s);
}

bool subjects_collide(std::string_view a, std::string_view b) {
  if (a == b) return true;
  const bool a_literal = subject_is_literal(a), b_literal = subject_is_literal(b);
  if (a_literal && b_literal) return false;
  if (a_literal) return subject_matches(b, a);
  if (b_literal) return subject_matches(a, b);
  // Both have wildcards: look for a token that cannot match, as far as both go.
  const size_t na = num_tokens(a), nb = num_tokens(b);
  auto ends_with_fwc = [](std::string_view s) {
    return s == ">" || (s.size() >= 2 && s.substr(s.size() - 2) == ".>");
  };
  const bool a_fwc = ends_with_fwc(a), b_fwc = ends_with_fwc(b);
  if (!a_fwc && !b_fwc && na != nb) return false;
  if ((na < nb && !a_fwc) || (nb < na && !b_fwc)) return false;
  SubjectTokenizer ta(a), tb(b);
  std::string_view x, y;
  while (ta.next(x) && tb.next(y)) {
    if (x.empty() || y.empty()) return false;
    const bool wild = is_partial_wildcard(x) || is_full_wildcard(x) || is_partial_wildcard(y) ||
                      is_full_wildcard(y);
    if (!wild && x != y) return false;
  }
  return true;
}

}  // namespace nats
