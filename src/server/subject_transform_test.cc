#include "server/subject_transform.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace nats {
namespace {

std::string create_error(std::string_view src, std::string_view dest, bool strict = false) {
  std::string error;
  auto tr = SubjectTransform::create(src, dest, strict, &error);
  return tr ? std::string("<ok>") : error;
}

std::string apply(std::string_view src, std::string_view dest, std::string_view subject) {
  std::string error;
  auto tr = SubjectTransform::create(src, dest, false, &error);
  if (!tr) return "<create failed: " + error + ">";
  auto out = tr->match(subject);
  return out ? *out : std::string("<no match>");
}

TEST(SubjectTransform, Fnv1aMatchesTheReferenceVectors) {
  // FNV-1a 32 test vectors (Fowler/Noll/Vo).
  EXPECT_EQ(fnv1a32(""), 0x811c9dc5u);
  EXPECT_EQ(fnv1a32("a"), 0xe40c292cu);
  EXPECT_EQ(fnv1a32("foobar"), 0xbf9cf968u);
}

TEST(SubjectTransform, RefusesBadSubjectsAndPlaceholders) {
  EXPECT_EQ(create_error("foo..", "bar"), "invalid subject");
  EXPECT_EQ(create_error("foo.*", "bar.*"), "invalid subject");
  EXPECT_EQ(create_error("foo.*", "bar.$1.>"), "invalid subject");
  EXPECT_EQ(create_error("foo.>", "bar.baz"), "invalid subject");
  EXPECT_EQ(create_error("foo.*", "bar.$2"),
            "invalid mapping destination: wildcard index out of range in $2: [2]");
  EXPECT_EQ(create_error("foo.*.*", "bar.$2", true),
            "invalid mapping destination: not using all of the token wildcard(s) in bar.$2");
  EXPECT_EQ(create_error("foo.*", "foo.$foo", true),
            "invalid mapping destination: not using all of the token wildcard(s) in foo.$foo");
  EXPECT_EQ(create_error("foo.*", "bar.{{Partition(2,1)}}", true),
            "invalid mapping destination: the only mapping function allowed for import "
            "transforms is {{Wildcard()}} in {{Partition(2,1)}}");
  EXPECT_EQ(create_error("foo.*", "foo.{{wildcard(2)}}"),
            "invalid mapping destination: wildcard index out of range in {{wildcard(2)}}: [2]");
  EXPECT_EQ(create_error("foo.*", "foo.{{unimplemented(1)}}"),
            "invalid mapping destination: unknown function in {{unimplemented(1)}}");
  EXPECT_EQ(create_error("foo.*", "foo.{{partition()}}"),
            "invalid mapping destination: function argument is invalid or in the wrong format in "
            "{{partition()}}");
  EXPECT_EQ(create_error("foo.*", "foo.{{random()}}"),
            "invalid mapping destination: function argument is invalid or in the wrong format in "
            "{{random()}}");
  EXPECT_EQ(create_error("foo.*", "foo.{{wildcard(foo)}}"),
            "invalid mapping destination: function argument is invalid or in the wrong format in "
            "{{wildcard(foo)}}");
  EXPECT_EQ(create_error("foo.*", "foo.{{wildcard()}}"),
            "invalid mapping destination: not enough arguments passed to the function in "
            "{{wildcard()}}");
  EXPECT_EQ(create_error("foo.*", "foo.{{wildcard(1,2)}}"),
            "invalid mapping destination: too many arguments passed to the function in "
            "{{wildcard(1,2)}}");
  EXPECT_EQ(create_error("foo.*", "foo.{{ wildcard5) }}"),
            "invalid mapping destination: unknown function in {{ wildcard5) }}");
  EXPECT_EQ(create_error("foo.*", "foo.{{splitLeft(2,2}}"),
            "invalid mapping destination: unknown function in {{splitLeft(2,2}}");
  EXPECT_EQ(create_error("foo", "bla.{{wildcard(1)}}"),
            "invalid mapping destination: wildcard index out of range in {{wildcard(1)}}");
  EXPECT_EQ(create_error("foo.*", "foo.{{partition(2147483648)}}"),
            "invalid mapping destination: function argument is invalid or in the wrong format in "
            "{{partition(2147483648)}}");
  EXPECT_EQ(create_error("foo.*", "foo.{{random(2147483648)}}"),
            "invalid mapping destination: function argument is invalid or in the wrong format in "
            "{{random(2147483648)}}");
  EXPECT_EQ(create_error("*", "{{splitFromLeft(1)}}"),
            "invalid mapping destination: not enough arguments passed to the function in "
            "{{splitFromLeft(1)}}");
  EXPECT_EQ(create_error("*", "{{left(1,2,3)}}"),
            "invalid mapping destination: too many arguments passed to the function in "
            "{{left(1,2,3)}}");
  EXPECT_EQ(create_error("*", "{{split(1,a b)}}"),
            "invalid mapping destination: function argument is invalid or in the wrong format in "
            "{{split(1,a b)}}");
  // A '.' splits the destination into tokens before any function is read.
  EXPECT_EQ(create_error("*", "{{split(1,.)}}"), "<ok>");
  EXPECT_EQ(create_error("*", "{{random(1,2)}}"),
            "invalid mapping destination: not enough arguments passed to the function in "
            "{{random(1,2)}}");
}

TEST(SubjectTransform, AcceptsWhatNatsServerAccepts) {
  for (auto [src, dest, strict] : std::initializer_list<std::tuple<const char*, const char*, bool>>{
           {"foo.*", "bar.{{Wildcard(1)}}", true},
           {"foo.*.*", "bar.$2", false},
           {"foo.*.*", "bar.{{wildcard(1)}}", false},
           {"foo.*.*", "bar.{{partition(1)}}", false},
           {"foo.*.*", "bar.{{random(5)}}", false},
           {"foo", "bar", false},
           {"foo.*.bar.*.baz", "req.$2.$1", false},
           {"baz.>", "mybaz.>", false},
           {"*", "{{splitfromleft(1,1)}}", false},
           {"", "prefix.>", false},
           {"*.*", "{{partition(10,1,2)}}", false},
           {"foo.*.*", "foo.{{wildcard(1)}}.{{wildcard(2)}}.{{partition(5,1,2)}}", false},
           {"foo.*", "foo.{{partition(2147483647)}}", false},
           {"foo.*", "foo.{{random(2147483647)}}", false},
           {"foo.bar", "foo.{{random(2147483647)}}", false},
           {"foo.$x", "bar.$SYS", false},
       }) {
    EXPECT_EQ(create_error(src, dest, strict), "<ok>") << src << " -> " << dest;
  }
}

TEST(SubjectTransform, TransformsLikeNatsServer) {
  EXPECT_EQ(apply("", "prefix.>", "foo"), "prefix.foo");
  EXPECT_EQ(apply("foo", "bar", "foo"), "bar");
  EXPECT_EQ(apply("foo", "bar", "foo.x"), "<no match>");
  EXPECT_EQ(apply("foo.*", "bar.$1", "foo.*"), "<no match>");  // only literal subjects
  EXPECT_EQ(apply("foo.*.bar.*.baz", "req.$2.$1", "foo.A.bar.B.baz"), "req.B.A");
  EXPECT_EQ(apply("foo.*.bar.*.baz", "req.{{wildcard(2)}}.{{wildcard(1)}}", "foo.A.bar.B.baz"),
            "req.B.A");
  EXPECT_EQ(apply("foo.*.bar.*.baz", "req.{{ Wildcard ( 2 ) }}.$1", "foo.A.bar.B.baz"), "req.B.A");
  EXPECT_EQ(apply("baz.>", "my.pre.>", "baz.1.2.3"), "my.pre.1.2.3");
  EXPECT_EQ(apply("baz.>", "foo.bar.>", "baz.1.2.3"), "foo.bar.1.2.3");
  EXPECT_EQ(apply("*.>", "$1.x.>", "a.b.c"), "a.x.b.c");
  EXPECT_EQ(apply("*", "foo.bar.$1", "foo"), "foo.bar.foo");
  EXPECT_EQ(apply("*", "{{splitfromleft(1,3)}}", "12345"), "123.45");
  EXPECT_EQ(apply("*", "{{splitfromleft(1,5)}}", "12345"), "12345");
  EXPECT_EQ(apply("*", "{{SplitFromRight(1,3)}}", "12345"), "12.345");
  EXPECT_EQ(apply("*", "{{SplitFromRight(1,0)}}", "12345"), "12345");
  EXPECT_EQ(apply("*", "{{SliceFromLeft(1,3)}}", "1234567890"), "123.456.789.0");
  EXPECT_EQ(apply("*", "{{SliceFromLeft(1,2)}}", "123456"), "12.34.56");
  EXPECT_EQ(apply("*", "{{SliceFromRight(1,3)}}", "1234567890"), "1.234.567.890");
  EXPECT_EQ(apply("*", "{{SliceFromRight(1,3)}}", "123456"), "123.456");
  EXPECT_EQ(apply("*", "{{SliceFromRight(1,9)}}", "123456"), "123456");
  EXPECT_EQ(apply("*", "{{split(1,-)}}", "-abc-def--ghi-"), "abc.def.ghi");
  EXPECT_EQ(apply("*", "{{split(1,-)}}", "abc-def--ghi-"), "abc.def.ghi");
  EXPECT_EQ(apply("*", "{{split(1,-)}}", "abc"), "abc");
  EXPECT_EQ(apply("*", "{{split(1,ab)}}", "xabyabz"), "x.y.z");
  EXPECT_EQ(apply("*.*", "{{split(2,-)}}.{{splitfromleft(1,2)}}", "foo.-abc-def--ghij-"),
            "abc.def.ghij.fo.o");
  EXPECT_EQ(apply("*", "{{right(1,1)}}", "1234"), "4");
  EXPECT_EQ(apply("*", "{{right(1,3)}}", "1234"), "234");
  EXPECT_EQ(apply("*", "{{right(1,6)}}", "1234"), "1234");
  EXPECT_EQ(apply("*", "{{left(1,1)}}", "1234"), "1");
  EXPECT_EQ(apply("*", "{{left(1,3)}}", "1234"), "123");
  EXPECT_EQ(apply("*", "{{left(1,6)}}", "1234"), "1234");
}

TEST(SubjectTransform, PartitionUsesFnv1aLikeNatsServer) {
  // The vectors of nats-server's subject_transform_test.go.
  EXPECT_EQ(apply("*", "bar.{{partition(0)}}", "baz"), "bar.0");
  EXPECT_EQ(apply("*", "bar.{{partition(10, 0)}}", "foo"), "bar.3");
  EXPECT_EQ(apply("*.*", "bar.{{partition(10)}}", "foo.bar"), "bar.6");
  EXPECT_EQ(apply("*", "bar.{{partition(10)}}", "foo"), "bar.3");
  EXPECT_EQ(apply("*", "bar.{{partition(10)}}", "baz"), "bar.0");
  EXPECT_EQ(apply("*", "bar.{{partition(10)}}", "qux"), "bar.9");
  EXPECT_EQ(apply("foo.bar", "baz.{{partition(10)}}", "foo.bar"), "baz.6");
  EXPECT_EQ(apply("foo.baz", "qux.{{partition(10)}}", "foo.baz"), "qux.4");
  EXPECT_EQ(apply("test.subject", "result.{{partition(5)}}", "test.subject"), "result.0");
  // With token positions the tokens are hashed concatenated, without separators.
  EXPECT_EQ(apply("*.*", "p.{{partition(10,1,2)}}", "foo.bar"),
            "p." + std::to_string(fnv1a32("foobar") % 10));
  EXPECT_EQ(apply("*.*", "p.{{partition(7,2)}}.$1", "a.b"),
            "p." + std::to_string(fnv1a32("b") % 7) + ".a");
  // A literal source ignores token positions and hashes the whole subject.
  EXPECT_EQ(apply("foo.bar", "p.{{partition(10,1)}}", "foo.bar"), "p.6");
}

TEST(SubjectTransform, RandomStaysInRange) {
  std::set<std::string> seen;
  for (int i = 0; i < 300; ++i) seen.insert(apply("*", "bar.{{random(6)}}", "qux"));
  for (const std::string& s : seen) {
    ASSERT_EQ(s.size(), 5u) << s;
    EXPECT_GE(s[4], '0');
    EXPECT_LE(s[4], '5');
  }
  EXPECT_GT(seen.size(), 3u);
  EXPECT_EQ(apply("*", "bar.{{random(0)}}", "qux"), "bar.0");
}

TEST(SubjectTransform, MissingTokensAreLeftOutNotRead) {
  auto tr = SubjectTransform::create("foo.*", "one.two.{{wildcard(1)}}", false, nullptr);
  ASSERT_TRUE(tr);
  EXPECT_EQ(tr->transform("foo"), "one.two.");
}

TEST(SubjectTransform, HelpersTokenizeAndUntokenize) {
  EXPECT_EQ(transform_tokenize("foo.*.*"), "foo.$1.$2");
  EXPECT_EQ(transform_tokenize("foo.>"), "foo.>");
  std::vector<std::string> ph;
  EXPECT_EQ(transform_untokenize("bar", &ph), "bar");
  EXPECT_TRUE(ph.empty());
  EXPECT_EQ(transform_untokenize("foo.$2.$1", &ph), "foo.*.*");
  EXPECT_EQ(ph, (std::vector<std::string>{"$2", "$1"}));
  ph.clear();
  EXPECT_EQ(transform_untokenize("foo.{{wildcard(2)}}.{{wildcard(1)}}", &ph), "foo.*.*");
  EXPECT_EQ(ph, (std::vector<std::string>{"{{wildcard(2)}}", "{{wildcard(1)}}"}));
  EXPECT_EQ(transform_untokenize("foo.$SYS.$0"), "foo.$SYS.$0");
}

TEST(SubjectTransform, ReverseUndoesAnImportTransform) {
  auto tr = SubjectTransform::create("foo.*.*", "bar.$2.{{Wildcard(1)}}", true, nullptr);
  ASSERT_TRUE(tr);
  const std::string there = tr->transform("foo.b.a");
  EXPECT_EQ(there, "bar.a.b");
  auto back = tr->reverse();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->transform(there), "foo.b.a");

  auto prefix = SubjectTransform::create("foo.*", transform_tokenize("pre.foo.*"), true, nullptr);
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->transform("foo.x"), "pre.foo.x");
  EXPECT_EQ(prefix->reverse()->transform("pre.foo.x"), "foo.x");

  auto fwc = SubjectTransform::create("foo.>", "pre.foo.>", true, nullptr);
  ASSERT_TRUE(fwc);
  EXPECT_EQ(fwc->transform("foo.a.b"), "pre.foo.a.b");
  EXPECT_EQ(fwc->reverse()->transform("pre.foo.a.b"), "foo.a.b");
}

TEST(SubjectTransform, ValidateMappingChecksTokensFirst) {
  EXPECT_EQ(SubjectTransform::validate_mapping("foo", "bar.baz"), "");
  EXPECT_EQ(SubjectTransform::validate_mapping("foo", "bar..baz"),
            "invalid mapping destination: invalid transform");
  EXPECT_EQ(SubjectTransform::validate_mapping("foo.>", "bar.>.x"),
            "invalid mapping destination: invalid transform in x");
  EXPECT_EQ(SubjectTransform::validate_mapping("foo.*", "bar.{{nope(1)}}"),
            "invalid mapping destination: unknown function in {{nope(1)}}");
  EXPECT_EQ(SubjectTransform::validate_mapping("foo", "bar baz"),
            "invalid mapping destination: invalid transform");
  EXPECT_EQ(SubjectTransform::validate_mapping("foo.*", "bar.$2"),
            "invalid mapping destination: wildcard index out of range in $2: [2]");
}

}  // namespace
}  // namespace nats
