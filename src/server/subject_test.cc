#include "server/subject.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace nats {
namespace {

TEST(SubjectTest, ValidSubjects) {
  for (std::string_view s :
       {"foo",    "foo.bar.*", "foo.bar.>", "*",        ">",        "*.*.>",       "foo*",
        "foo**",  "foo.**",    "foo*bar",   "foo.*bar", "foo*.bar", "*bar",        "foo>",
        "foo.>>", "foo>bar",   "foo.>bar",  "foo>.bar", ">bar",     "_INBOX.abc.1"}) {
    EXPECT_TRUE(is_valid_subject(s)) << s;
  }
}

TEST(SubjectTest, InvalidSubjects) {
  for (std::string_view s : {"", ".", ".foo", "foo.", "foo..bar", ">.bar", "foo.>.bar", "foo.>.*",
                             "foo bar", "foo.\tbar", "foo.bar\n", "\r", "a.\f"}) {
    EXPECT_FALSE(is_valid_subject(s)) << s;
  }
}

TEST(SubjectTest, RuneCheckRejectsNulAndBadUtf8) {
  const std::string with_nul("foo.bar.baz.\0", 13);
  EXPECT_TRUE(is_valid_subject(with_nul.substr(0, 11), /*check_runes=*/true));
  EXPECT_FALSE(is_valid_subject(with_nul, /*check_runes=*/true));

  EXPECT_TRUE(is_valid_subject("caf\xC3\xA9.\xE2\x82\xAC.\xF0\x9F\x98\x80", true));
  EXPECT_FALSE(is_valid_subject("foo.\xC3", true));              // truncated
  EXPECT_FALSE(is_valid_subject("foo.\xC0\xAF", true));          // overlong
  EXPECT_FALSE(is_valid_subject("foo.\xED\xA0\x80", true));      // surrogate
  EXPECT_FALSE(is_valid_subject("foo.\xF4\x90\x80\x80", true));  // past U+10FFFF
  EXPECT_FALSE(is_valid_subject("foo.\xFF", true));
  // Go reads U+FFFD the same as a decoding error, so nats-server rejects it too.
  EXPECT_FALSE(is_valid_subject("foo.\xEF\xBF\xBD", true));
  // Without the rune check only the structure matters.
  EXPECT_TRUE(is_valid_subject("foo.\xFF"));
}

TEST(SubjectTest, ValidLiteralSubjects) {
  for (std::string_view s :
       {"foo", "foo*", "foo**", "foo.**", "foo*bar", "foo.*bar", "foo*.bar", "*bar", "foo>",
        "foo>>", "foo.>>", "foo>bar", "foo.>bar", "foo>.bar", ">bar"}) {
    EXPECT_TRUE(is_valid_literal_subject(s)) << s;
  }
  for (std::string_view s :
       {"", ".foo", "foo.", "foo..bar", "foo.bar.*", "foo.bar.>", "*", ">", "a.*.b"}) {
    EXPECT_FALSE(is_valid_literal_subject(s)) << s;
  }
}

TEST(SubjectTest, PublishSubjectsAreValidAndLiteral) {
  EXPECT_TRUE(is_valid_publish_subject("foo.bar"));
  EXPECT_TRUE(is_valid_publish_subject("foo.b*r"));
  EXPECT_FALSE(is_valid_publish_subject("foo.*"));
  EXPECT_FALSE(is_valid_publish_subject("foo.>"));
  EXPECT_FALSE(is_valid_publish_subject("foo bar"));
  EXPECT_FALSE(is_valid_publish_subject("foo..bar"));
  EXPECT_FALSE(is_valid_publish_subject(""));
}

TEST(SubjectTest, WildcardDetectionNeedsWholeTokens) {
  EXPECT_TRUE(subject_has_wildcard("*"));
  EXPECT_TRUE(subject_has_wildcard(">"));
  EXPECT_TRUE(subject_has_wildcard("foo.*.bar"));
  EXPECT_TRUE(subject_has_wildcard("foo.>"));
  EXPECT_FALSE(subject_has_wildcard("foo"));
  EXPECT_FALSE(subject_has_wildcard("foo*.bar"));
  EXPECT_FALSE(subject_has_wildcard("foo.*bar"));
  EXPECT_FALSE(subject_has_wildcard("foo.>>"));
  EXPECT_TRUE(subject_is_literal("foo.b>r"));
  EXPECT_FALSE(subject_is_literal("a.*"));
}

TEST(SubjectTest, QueueNames) {
  EXPECT_TRUE(is_valid_queue_name("workers"));
  EXPECT_TRUE(is_valid_queue_name("workers.v1"));
  EXPECT_FALSE(is_valid_queue_name(""));
  EXPECT_FALSE(is_valid_queue_name("two words"));
  EXPECT_FALSE(is_valid_queue_name("tab\t"));
}

TEST(SubjectTest, CountsTokens) {
  EXPECT_EQ(num_tokens(""), 0u);
  EXPECT_EQ(num_tokens("foo"), 1u);
  EXPECT_EQ(num_tokens("foo.bar.>"), 3u);
  EXPECT_EQ(num_tokens("foo..bar"), 3u);
}

TEST(SubjectTest, TokenizerYieldsEmptyTokens) {
  std::vector<std::string> got;
  SubjectTokenizer t(".a..b.");
  std::string_view tok;
  while (t.next(tok)) got.emplace_back(tok);
  EXPECT_EQ(got, (std::vector<std::string>{"", "a", "", "b", ""}));
}

struct MatchCase {
  std::string_view pattern;
  std::string_view literal;
  bool matches;
};

TEST(SubjectTest, MatchesPatternsAgainstLiterals) {
  const MatchCase cases[] = {
      {"foo", "foo", true},
      {"bar", "foo", false},
      {"*", "foo", true},
      {">", "foo", true},
      {">", "foo.bar", true},
      {"foo.>", "foo.bar", true},
      {"foo.>", "foo", false},  // ">" needs at least one token
      {"bar.>", "foo.bar", false},
      {"stats.>", "stats.test.22", true},
      {"stats.*.*", "stats.test.22", true},
      {"foo", "foo.bar", false},
      {"stats.test.foos", "stats.test.foos", true},
      {"stats.test.foo", "stats.test.foos", false},
      {"stats.test.*", "stats.test", false},
      {"stats.*", "stats.test.foos", false},
      {"stats.*.*.foos", "stats.test.foos", false},
      {"*.*", "a.b", true},
      {"*.b.>", "a.b.c.d", true},
      // Wildcard characters inside a longer token are plain characters.
      {"*bar", "*bar", true},
      {"*bar", "xbar", false},
      {"foo*", "foo*", true},
      {"foo*bar", "foo*bar", true},
      {"foo.***.bar", "foo.***.bar", true},
      {">bar", ">bar", true},
      {"foo>", "foo>", true},
      {"foo.>>>.bar", "foo.>>>.bar", true},
      {"foo.>>>.bar", "foo.x.bar", false},
      // A literal with an empty token matches nothing.
      {">", "foo..bar", false},
      {"foo.>", "foo.", false},
      {"*", "", false},
      {">", ".foo", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(subject_matches(c.pattern, c.literal), c.matches) << c.pattern << " vs " << c.literal;
  }
}

struct SubsetCase {
  std::string_view subject;
  std::string_view test;
  bool is_subset;
};

TEST(SubjectTest, SubsetMatch) {
  const SubsetCase cases[] = {
      {"foo.bar", "foo.bar", true}, {"foo.*", ">", true},         {"foo.*", "*.*", true},
      {"foo.*", "foo.*", true},     {"foo.*", "foo.bar", false},  {"foo.>", ">", true},
      {"foo.>", "*.>", true},       {"foo.>", "foo.>", true},     {"foo.>", "foo.bar", false},
      {"foo.>", "foo.*", false},    {"foo.bar", "foo.*", true},   {"foo.bar", "foo", false},
      {"foo", "foo.>", false},      {"foo..bar", "foo.*", false},  // bad subject
      {"foo.*", "foo..bar", false},                                // bad test
  };
  for (const auto& c : cases) {
    EXPECT_EQ(subject_is_subset_match(c.subject, c.test), c.is_subset)
        << c.subject << " within " << c.test;
  }
}

}  // namespace
}  // namespace nats
