#pragma once
// Subject syntax shared by the sublist, permissions, imports/exports and JetStream filters.
//
// A subject is a series of non-empty tokens separated by '.'. In a subscription (a "pattern"),
// a token that is exactly "*" matches any one token and a token that is exactly ">" matches one
// or more trailing tokens and must be last. A '*' or '>' inside a longer token ("a*", ">b") is an
// ordinary character, as in nats-server.
//
// Everything here is pure, allocation-free and safe to call from any thread.

#include <cstddef>
#include <string_view>
#include <vector>

namespace nats {

inline constexpr char kTokenSeparator = '.';
inline constexpr char kPartialWildcard = '*';  // a whole token matching exactly one token
inline constexpr char kFullWildcard = '>';     // a whole last token matching one or more tokens

// Walks the tokens of a subject without allocating. An empty subject yields one empty token,
// and "a..b" yields an empty middle token, so callers can reject them where they care.
class SubjectTokenizer {
 public:
  explicit SubjectTokenizer(std::string_view subject) : rest_(subject) {}

  // Stores the next token in `token`; false once every token has been returned.
  bool next(std::string_view& token) {
    if (done_) return false;
    const size_t dot = rest_.find(kTokenSeparator);
    if (dot == std::string_view::npos) {
      token = rest_;
      done_ = true;
    } else {
      token = rest_.substr(0, dot);
      rest_.remove_prefix(dot + 1);
    }
    return true;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

inline bool is_partial_wildcard(std::string_view token) {
  return token.size() == 1 && token[0] == kPartialWildcard;
}
inline bool is_full_wildcard(std::string_view token) {
  return token.size() == 1 && token[0] == kFullWildcard;
}

// A subject usable in SUB: non-empty tokens, no whitespace, nothing after ">". With
// `check_runes` it also rejects NUL bytes and bytes that are not valid UTF-8 (nats-server does
// this for subjects that did not come off the wire, e.g. from configuration or JWTs).
bool is_valid_subject(std::string_view subject, bool check_runes = false);

// A valid subject with no wildcard token: what PUB accepts in pedantic mode.
bool is_valid_publish_subject(std::string_view subject);

// Non-empty tokens and no wildcard token. Like nats-server it does not look for whitespace:
// callers use it on subjects already split off a whitespace-delimited protocol line.
bool is_valid_literal_subject(std::string_view subject);

// True if some token is exactly "*" or ">". Does not validate the subject.
bool subject_has_wildcard(std::string_view subject);
inline bool subject_is_literal(std::string_view subject) { return !subject_has_wildcard(subject); }

// A queue group name: non-empty and free of whitespace.
bool is_valid_queue_name(std::string_view queue);

// The tokens of a subject as views into it (allocates the vector; not for the message path).
std::vector<std::string_view> subject_tokens(std::string_view subject);

// Number of tokens, counting empty ones; 0 for an empty subject.
size_t num_tokens(std::string_view subject);

// Does the subscription `pattern` match the published subject `literal`? A straightforward
// token-by-token comparison, used where no sublist is at hand (permissions, cache invalidation)
// and as the reference the sublist is tested against. A literal with an empty token matches
// nothing, as in Sublist::match.
bool subject_matches(std::string_view pattern, std::string_view literal);

// Is every subject matched by `subject` also matched by `test`? Both may hold wildcards:
// "foo.*" is a subset of ">", "*.*" and "foo.*", but not of "foo.bar". This is nats-server's
// subjectIsSubsetMatch (SubjectMatchesFilter), used for filters and permission checks.
bool subject_is_subset_match(std::string_view subject, std::string_view test);

// Could some published subject match both `a` and `b` (either may hold wildcards)? nats-server's
// SubjectsCollide, used to find import cycles.
bool subjects_collide(std::string_view a, std::string_view b);

}  // namespace nats
