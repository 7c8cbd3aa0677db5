#include "config/config_parser.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nats::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// An environment that holds exactly these variables.
ParseOptions env(std::map<std::string, std::string> vars) {
  ParseOptions o;
  o.lookup_env = [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return o;
}

// The tree as one line (Value::debug_string), or "ERROR <file:line:col: message>". No
// environment variables unless options supply them.
std::string parse(std::string_view text, ParseOptions options = env({})) {
  ParseResult r = parse_config_string(text, "t.conf", options);
  if (!r) return "ERROR " + r.error().to_string();
  return r.value().debug_string();
}

// Just the error, "line:col: message", for inputs that must fail.
std::string error_of(std::string_view text, ParseOptions options = env({})) {
  ParseResult r = parse_config_string(text, "t.conf", options);
  if (r) return "parsed: " + r.value().debug_string();
  return r.error().to_string().substr(std::string("t.conf:").size());
}

// A scratch directory for include tests, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "config_test.XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, std::string_view text) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// --- key/value syntax ------------------------------------------------------------------------

TEST(ConfigSyntax, ThreeKeySeparators) {
  EXPECT_EQ(parse("a: 1\nb = 2\nc 3\nd:4\ne=5\nf\t6"), R"({"a":1,"b":2,"c":3,"d":4,"e":5,"f":6})");
}

TEST(ConfigSyntax, ValuesEndWithNewLineSemicolonCommaOrComment) {
  EXPECT_EQ(parse("a = 1; b = 2, c = 3 # x\nd = 4 // y\r\ne = 5"),
            R"({"a":1,"b":2,"c":3,"d":4,"e":5})");
  // A separator only ends a value: at the start of a line it is part of the next key.
  EXPECT_EQ(parse("a = 1;\n\n;b = 2"), R"({"a":1,";b":2})");
}

TEST(ConfigSyntax, EmptyAndCommentOnlyDocuments) {
  EXPECT_EQ(parse(""), "{}");
  EXPECT_EQ(parse("\n\n   \n"), "{}");
  EXPECT_EQ(parse("# only\n// comments\n"), "{}");
}

TEST(ConfigSyntax, KeyAndValueMayBeSeparatedByNewLinesWithoutSeparator) {
  // nats-server skips any white space after a key; only after '=' or ':' must the value
  // follow on the same line (at the top level).
  EXPECT_EQ(parse("a\n  1"), R"({"a":1})");
  EXPECT_EQ(error_of("a =\n1"), "1:4: expected a value for key 'a', found a new line");
  EXPECT_EQ(parse("m { a =\n 1 }"), R"({"m":{"a":1}})");
}

TEST(ConfigSyntax, SeparatorAtEndOfFileGivesEmptyString) {
  EXPECT_EQ(parse("a ="), R"({"a":""})");
  EXPECT_EQ(parse("a = ;b = 1"), R"({"a":"","b":1})");
}

TEST(ConfigSyntax, KeysKeepTheirCaseAndCharacters) {
  EXPECT_EQ(parse("Port: 1\nport: 2\nx.y-z_w: 3\n$k: 4\na{b: 5"),
            R"({"Port":1,"port":2,"x.y-z_w":3,"$k":4,"a{b":5})");
}

TEST(ConfigSyntax, QuotedKeysAreVerbatim) {
  EXPECT_EQ(parse(R"("a b": 1
'c=d': 2
"x:y" = 3
"" = 4
"back\slash" 5)"),
            R"({"a b":1,"c=d":2,"x:y":3,"":4,"back\\slash":5})");
}

TEST(ConfigSyntax, DuplicateKeysLastDefinitionWins) {
  ParseResult r = parse_config_string("a = 1\nb = 2\na = 3\n", "t.conf", env({}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().debug_string(), R"({"b":2,"a":3})");
  EXPECT_EQ(r.map().find_exact("a")->key_position.line, 3);
}

TEST(ConfigSyntax, CaseInsensitiveFindPrefersLastAssigned) {
  ParseResult r = parse_config_string("Port = 1\nport = 2\nPORT = 3\nport = 4", "t.conf", env({}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.map().size(), 3u);
  EXPECT_EQ(r.map().find("port")->as_int(), 4);
  EXPECT_EQ(r.map().find("pOrT")->as_int(), 4);
  EXPECT_EQ(r.map().find_exact("PORT")->value.as_int(), 3);
  EXPECT_EQ(r.map().find_exact("pORT"), nullptr);
}

TEST(ConfigSyntax, TopLevelBracesAreTransparent) {
  EXPECT_EQ(
      parse(R"({
  "port": 4222,
  "cluster": {"name": "c", "routes": ["nats://a:6222", "nats://b:6222"]},
  "debug": true
})"),
      R"({"port":4222,"cluster":{"name":"c","routes":["nats://a:6222","nats://b:6222"]},"debug":true})");
  EXPECT_EQ(parse("{ listen: 0.0.0.0:4222 }"), R"({"listen":"0.0.0.0:4222"})");
  EXPECT_EQ(parse("{}"), "{}");
  EXPECT_EQ(parse("{ { a = 1 } # c\n}\nb = 2"), R"({"a":1,"b":2})");
}

TEST(ConfigSyntax, SurplusClosingBracesAtTheEndAreIgnored) {
  // As in nats-server, which accepts a stray '}' after the last value (JSON-ish files).
  EXPECT_EQ(parse("accounts { users = [{}]}\n}\n"), R"({"accounts":{"users":[{}]}})");
  EXPECT_EQ(parse("a = 1 }"), R"({"a":1})");
  EXPECT_EQ(parse("a = 1 } b = 2"), R"({"a":1,"b":2})");
}

// --- maps and arrays -------------------------------------------------------------------------

TEST(ConfigMaps, SeparatorsNewLinesAndTrailingCommas) {
  EXPECT_EQ(parse("m {a: 1, b = 2; c 3\n d: 4,}"), R"({"m":{"a":1,"b":2,"c":3,"d":4}})");
  EXPECT_EQ(parse("m = {\n  a: 1\n\n  b: 2\n}"), R"({"m":{"a":1,"b":2}})");
  EXPECT_EQ(parse("m: {}\nn {}\no = { }"), R"({"m":{},"n":{},"o":{}})");
  EXPECT_EQ(parse("m {\n a { b { c = deep } }\n}"), R"({"m":{"a":{"b":{"c":"deep"}}}})");
}

TEST(ConfigArrays, CommasNewLinesAndTrailingCommas) {
  EXPECT_EQ(parse("a = [1, 2, 3]"), R"({"a":[1,2,3]})");
  EXPECT_EQ(parse("a = [\n  1\n  2,\n  3,\n]"), R"({"a":[1,2,3]})");
  EXPECT_EQ(parse("a = []\nb [ ]"), R"({"a":[],"b":[]})");
  EXPECT_EQ(parse("a = [[1, 2], [], [[x]]]"), R"({"a":[[1,2],[],[["x"]]]})");
  EXPECT_EQ(parse("a = [ {x: 1}\n {y: \"z\"} ]"), R"({"a":[{"x":1},{"y":"z"}]})");
  EXPECT_EQ(parse("a = [true, 1.5, 2k, -3, str, 'q', \"d\", 2020-01-02T03:04:05Z]"),
            R"({"a":[true,1.5,2000,-3,"str","q","d",2020-01-02T03:04:05Z]})");
}

TEST(ConfigArrays, NumberRightBeforeClosingBracket) {
  // nats-server reads "1]" as the start of a string here and fails; we end the number.
  EXPECT_EQ(parse("a = [1]"), R"({"a":[1]})");
  EXPECT_EQ(parse("a = [1k, 2MB]"), R"({"a":[1000,2097152]})");
  EXPECT_EQ(parse("a = [-5]"), R"({"a":[-5]})");
  // Outside arrays nats-server's reading stands.
  EXPECT_EQ(parse("a = 1]5\nb = 2]"), R"({"a":"1]5","b":"2]"})");
}

TEST(ConfigComments, Everywhere) {
  EXPECT_EQ(parse(R"(# top
// also top
a = 1 # after a value
b { # after a brace
  # inside a map
  c = 2 // after a map value
  d = [ # after a bracket
    3 # after an element
    // between elements
    4, # after a comma
  ] # after an array
} // after a map
# at the end)"),
            R"({"a":1,"b":{"c":2,"d":[3,4]}})");
}

TEST(ConfigComments, HashAndSlashesInsideUnquotedStringsAreText) {
  EXPECT_EQ(parse("url = nats://host:4222\nx = a#b\ny = a//b"),
            R"({"url":"nats://host:4222","x":"a#b","y":"a//b"})");
}

// --- strings ---------------------------------------------------------------------------------

TEST(ConfigStrings, UnquotedAddressesUrlsAndPaths) {
  EXPECT_EQ(parse("a = 127.0.0.1\nb = 127.0.0.1:4222\nc = \"[::1]:4222\"\nd = /var/lib/nats\n"
                  "e = nats://u:p@host:4222\nf = localhost:4222\ng = 10.0.0.1-3\nh = 1.2.3"),
            R"({"a":"127.0.0.1","b":"127.0.0.1:4222","c":"[::1]:4222","d":"/var/lib/nats",)"
            R"("e":"nats://u:p@host:4222","f":"localhost:4222","g":"10.0.0.1-3","h":"1.2.3"})");
}

TEST(ConfigStrings, StringsThatStartWithDigits) {
  EXPECT_EQ(
      parse("a = 10s\nb = 1h30m\nc = 3xyz\nd = 3Gyz\ne = 1ib\nf = 0x10\ng = 1_000\nh = +5"),
      R"({"a":"10s","b":"1h30m","c":"3xyz","d":"3Gyz","e":"1ib","f":"0x10","g":"1_000","h":"+5"})");
}

TEST(ConfigStrings, SingleQuotedAreVerbatim) {
  EXPECT_EQ(parse(R"(a = 'x\ty "q" # no comment'
b = 'multi
line')"),
            R"({"a":"x\\ty \"q\" # no comment","b":"multi\nline"})");
}

TEST(ConfigStrings, DoubleQuotedEscapes) {
  EXPECT_EQ(parse(R"(a = "t\tn\nr\rq\"b\\x\x41\x4a")"), R"({"a":"t\tn\nr\rq\"b\\xAJ"})");
  EXPECT_EQ(parse(R"(a = "\xff\x00")"), R"({"a":"\xff\x00"})");
  EXPECT_EQ(parse("a = \"two\nlines\""), R"({"a":"two\nlines"})");
  EXPECT_EQ(parse(R"(a = "it's")"), R"({"a":"it's"})");
}

TEST(ConfigStrings, QuotedValuesAreNeverBooleansNumbersOrVariables) {
  EXPECT_EQ(parse(R"(a = "true"
b = '42'
c = "$x"
d = 'on')"),
            R"({"a":"true","b":"42","c":"$x","d":"on"})");
}

TEST(ConfigStrings, UnquotedEscapes) {
  EXPECT_EQ(parse(R"(a = x\ty
b = tr\x75e
c = a\"b)"),
            R"({"a":"x\ty","b":"true","c":"a\"b"})");
  // After digits the first odd character is literal, as in nats-server.
  EXPECT_EQ(parse(R"(a = 3\tx)"), R"({"a":"3\\tx"})");
}

TEST(ConfigStrings, QuoteEndsAnUnquotedString) {
  EXPECT_EQ(parse("a = foo'\nb = true'"), R"({"a":"foo","b":"true"})");
  EXPECT_EQ(error_of("a = it's"),
            "1:8: expected a new line, ';', ',' or a comment after the value, found 's'");
  EXPECT_EQ(parse("a = 5'x"), R"({"a":"5'x"})");
}

TEST(ConfigStrings, BlockStrings) {
  EXPECT_EQ(parse("a = (\nline 1\n  line 2 ) not the end\n)\nb = 1"),
            R"({"a":"\nline 1\n  line 2 ) not the end\n","b":1})");
  EXPECT_EQ(parse("a = (\n)\n"), R"({"a":"\n"})");
  // At the very end of the file (nats-server keeps the ')' in the text there).
  EXPECT_EQ(parse("a = (\nx\n)"), R"({"a":"\nx\n"})");
  // Windows line ends.
  EXPECT_EQ(parse("a = (\r\nx\r\n)\r\nb = 1"), R"({"a":"\r\nx\r\n","b":1})");
  EXPECT_EQ(error_of("a = (\nx\n )\n"),
            "1:5: unterminated block string: it ends with ')' alone on a line");
}

// --- numbers, booleans, datetimes ------------------------------------------------------------

TEST(ConfigNumbers, Integers) {
  EXPECT_EQ(parse("a = 0\nb = 42\nc = -42\nd = 007\ne = 9223372036854775807\n"
                  "f = -9223372036854775808"),
            R"({"a":0,"b":42,"c":-42,"d":7,"e":9223372036854775807,"f":-9223372036854775808})");
  EXPECT_EQ(error_of("a = 9223372036854775808"),
            "1:5: integer '9223372036854775808' is out of range");
}

struct SizeCase {
  const char* text;
  int64_t value;
};

class ConfigSizeSuffix : public ::testing::TestWithParam<SizeCase> {};

TEST_P(ConfigSizeSuffix, Multiplies) {
  ParseResult r = parse_config_string(std::string("v = ") + GetParam().text, "t.conf", env({}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.map().find("v")->as_int(), GetParam().value) << GetParam().text;
}

constexpr int64_t kKi = 1024;
INSTANTIATE_TEST_SUITE_P(
    AllSuffixes, ConfigSizeSuffix,
    ::testing::Values(
        // Bare letters are powers of 1000.
        SizeCase{"1k", 1000}, SizeCase{"1K", 1000}, SizeCase{"2m", 2'000'000},
        SizeCase{"2M", 2'000'000}, SizeCase{"3g", 3'000'000'000}, SizeCase{"3G", 3'000'000'000},
        SizeCase{"4t", 4'000'000'000'000}, SizeCase{"4T", 4'000'000'000'000},
        SizeCase{"5p", 5'000'000'000'000'000}, SizeCase{"5P", 5'000'000'000'000'000},
        SizeCase{"6e", 6'000'000'000'000'000'000}, SizeCase{"6E", 6'000'000'000'000'000'000},
        // With b, i or ib, powers of 1024, in any case.
        SizeCase{"1kb", kKi}, SizeCase{"1KB", kKi}, SizeCase{"1Kb", kKi}, SizeCase{"1ki", kKi},
        SizeCase{"1KI", kKi}, SizeCase{"1kib", kKi}, SizeCase{"1KiB", kKi},
        SizeCase{"2mb", 2 * kKi* kKi}, SizeCase{"2MB", 2 * kKi* kKi}, SizeCase{"2mi", 2 * kKi* kKi},
        SizeCase{"2MiB", 2 * kKi* kKi}, SizeCase{"3gb", 3 * kKi* kKi* kKi},
        SizeCase{"3GB", 3 * kKi* kKi* kKi}, SizeCase{"3Gi", 3 * kKi* kKi* kKi},
        SizeCase{"3GiB", 3 * kKi* kKi* kKi}, SizeCase{"4tb", 4 * kKi* kKi* kKi* kKi},
        SizeCase{"4TiB", 4 * kKi* kKi* kKi* kKi}, SizeCase{"4Ti", 4 * kKi* kKi* kKi* kKi},
        SizeCase{"5pb", 5 * kKi* kKi* kKi* kKi* kKi}, SizeCase{"5PiB", 5 * kKi* kKi* kKi* kKi* kKi},
        SizeCase{"5Pi", 5 * kKi* kKi* kKi* kKi* kKi},
        SizeCase{"7eb", 7 * kKi* kKi* kKi* kKi* kKi* kKi},
        SizeCase{"7EiB", 7 * kKi* kKi* kKi* kKi* kKi* kKi},
        SizeCase{"7Ei", 7 * kKi* kKi* kKi* kKi* kKi* kKi},
        // Negative sizes and zero.
        SizeCase{"-3k", -3000}, SizeCase{"-2MB", -2 * kKi* kKi}, SizeCase{"0GB", 0}));

TEST(ConfigNumbers, SuffixErrorsAndNonSuffixes) {
  // nats-server silently drops these keys; we say why.
  EXPECT_EQ(error_of("a = 1kbb"),
            "1:5: unknown size suffix 'kbb' in '1kbb' (use k, kb, ki, kib, m, mb, ...)");
  EXPECT_EQ(error_of("a = 1kbi"),
            "1:5: unknown size suffix 'kbi' in '1kbi' (use k, kb, ki, kib, m, mb, ...)");
  // nats-server wraps around on overflow; we refuse.
  EXPECT_EQ(error_of("a = 9223372036854775807k"),
            "1:5: integer '9223372036854775807k' is out of range");
  EXPECT_EQ(error_of("a = 9EB"), "1:5: integer '9EB' is out of range");
  EXPECT_EQ(parse("a = 8EiB"), "ERROR t.conf:1:5: integer '8EiB' is out of range");
  EXPECT_EQ(parse("a = 7EiB"), R"({"a":8070450532247928832})");
  // A suffix followed by more text is a string; a digit after it ends the number.
  EXPECT_EQ(parse("a = 1kx\nb = 2MBps"), R"({"a":"1kx","b":"2MBps"})");
  EXPECT_EQ(error_of("a = 1k5"),
            "1:7: expected a new line, ';', ',' or a comment after the value, found '5'");
  EXPECT_EQ(error_of("a = 1e5"),
            "1:7: expected a new line, ';', ',' or a comment after the value, found '5'");
}

TEST(ConfigNumbers, UnquotedDurationsWithSizeLettersAreNumbers) {
  // m is "mega": an unquoted 2m is 2000000, while 10s and 1h stay strings. Quote durations.
  EXPECT_EQ(parse("a = 2m\nb = 10s\nc = 1h\nd = \"2m\"\ne = 1h30m"),
            R"({"a":2000000,"b":"10s","c":"1h","d":"2m","e":"1h30m"})");
  // And 1m30s is 1m (1000000) followed by junk.
  EXPECT_EQ(error_of("a = 1m30s"),
            "1:7: expected a new line, ';', ',' or a comment after the value, found '3'");
}

TEST(ConfigNumbers, Floats) {
  EXPECT_EQ(parse("a = 1.5\nb = -0.25\nc = 2.0\nd = 0.000001"),
            R"({"a":1.5,"b":-0.25,"c":2.0,"d":1e-06})");
  EXPECT_EQ(error_of("a = 1."),
            "1:7: floats need a digit after the '.', found the end of the file");
  EXPECT_EQ(error_of("a = 1.x"), "1:7: floats need a digit after the '.', found 'x'");
  EXPECT_EQ(error_of("a = .5"), "1:5: floats must start with a digit");
  EXPECT_EQ(error_of("a = -.5"), "1:6: floats must start with a digit");
  EXPECT_EQ(error_of("a = 1.5k"),
            "1:8: expected a new line, ';', ',' or a comment after the value, found 'k'");
  EXPECT_EQ(error_of("a = 1" + std::string(400, '0') + ".0"),
            "1:5: float '1" + std::string(400, '0') + ".0' is out of range");
}

TEST(ConfigNumbers, NegativeNumbersNeedDigits) {
  EXPECT_EQ(error_of("a = -foo"), "1:6: expected a digit after '-', found 'f'");
  EXPECT_EQ(error_of("a = -"), "1:6: expected a digit after '-', found the end of the file");
  EXPECT_EQ(error_of("a = -5s"),
            "1:7: expected a new line, ';', ',' or a comment after the value, found 's'");
}

TEST(ConfigBooleans, AllSpellingsAnyCase) {
  EXPECT_EQ(parse("a = true\nb = TRUE\nc = yes\nd = Yes\ne = on\nf = ON\n"
                  "g = false\nh = False\ni = no\nj = NO\nk = off\nl = Off"),
            R"({"a":true,"b":true,"c":true,"d":true,"e":true,"f":true,)"
            R"("g":false,"h":false,"i":false,"j":false,"k":false,"l":false})");
  EXPECT_EQ(parse("a = truex\nb = y\nc = enabled"), R"({"a":"truex","b":"y","c":"enabled"})");
}

TEST(ConfigDatetimes, ZuluForm) {
  ParseResult r = parse_config_string("now = 2016-05-04T18:53:41Z", "t.conf", env({}));
  ASSERT_TRUE(r.ok());
  const std::optional<Datetime> t = r.map().find("now")->as_datetime();
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->time_since_epoch().count(), 1462388021);
  EXPECT_EQ(parse("a = 2016-02-29T23:59:59Z"), R"({"a":2016-02-29T23:59:59Z})");
}

TEST(ConfigDatetimes, Malformed) {
  EXPECT_EQ(error_of("a = 2016-05-04"),
            "1:15: expected 'T' in the datetime (YYYY-MM-DDTHH:MM:SSZ), found the end of the file");
  EXPECT_EQ(error_of("a = 2016-05-04T18:53:41"),
            "1:24: expected 'Z' in the datetime (YYYY-MM-DDTHH:MM:SSZ), found the end of the file");
  EXPECT_EQ(error_of("a = 2016-5-04T18:53:41Z"),
            "1:11: expected a digit in the datetime (YYYY-MM-DDTHH:MM:SSZ), found '-'");
  EXPECT_EQ(error_of("a = 10-20"), "1:5: datetimes must have the full form YYYY-MM-DDTHH:MM:SSZ");
  EXPECT_EQ(error_of("a = 2015-02-29T00:00:00Z"),
            "1:5: '2015-02-29T00:00:00Z' is not a valid datetime");
  EXPECT_EQ(error_of("a = 2016-13-01T00:00:00Z"),
            "1:5: '2016-13-01T00:00:00Z' is not a valid datetime");
  EXPECT_EQ(error_of("a = 2016-01-01T24:00:00Z"),
            "1:5: '2016-01-01T24:00:00Z' is not a valid datetime");
  EXPECT_EQ(error_of("a = 2016-01-01T23:59:60Z"),
            "1:5: '2016-01-01T23:59:60Z' is not a valid datetime");
}

// --- variables -------------------------------------------------------------------------------

TEST(ConfigVariables, DefinedEarlierInTheFile) {
  EXPECT_EQ(parse("index = 22\nfoo = $index"), R"({"index":22,"foo":22})");
  EXPECT_EQ(parse("a = 1\nb = $a\nc = $b"), R"({"a":1,"b":1,"c":1})");
}

TEST(ConfigVariables, InnermostEnclosingBlockWins) {
  EXPECT_EQ(parse(R"(index = 22
nest {
  index = 11
  foo = $index
  deeper { bar = $index, list = [$index, {x: $index}] }
}
bar = $index)"),
            R"({"index":22,"nest":{"index":11,"foo":11,"deeper":{"bar":11,"list":[11,{"x":11}]}},)"
            R"("bar":22})");
}

TEST(ConfigVariables, MapsAndArraysCanBeReferenced) {
  EXPECT_EQ(parse("P = {publish: \">\", subscribe: [a, b]}\nusers = [{user: x, permissions: $P}]"),
            R"({"P":{"publish":">","subscribe":["a","b"]},)"
            R"("users":[{"user":"x","permissions":{"publish":">","subscribe":["a","b"]}}]})");
}

TEST(ConfigVariables, MustBeDefinedBeforeUse) {
  EXPECT_EQ(error_of("foo = $bar\nbar = 1"), "1:7: variable reference for 'bar' can not be found");
  // A map being defined is not visible inside itself.
  EXPECT_EQ(error_of("m { a = $m }"), "1:9: variable reference for 'm' can not be found");
}

TEST(ConfigVariables, UndefinedReferenceNamesItsPosition) {
  EXPECT_EQ(error_of("a = 1\nb {\n  c = [1, $nope]\n}"),
            "3:11: variable reference for 'nope' can not be found");
}

TEST(ConfigVariables, ReferencesAreCaseSensitive) {
  EXPECT_EQ(error_of("Index = 1\nfoo = $index"),
            "2:7: variable reference for 'index' can not be found");
}

TEST(ConfigVariables, LoneDollarRefersToTheEmptyKey) {
  EXPECT_EQ(parse("\"\" = 5\nb = $"), R"({"":5,"b":5})");
  EXPECT_EQ(error_of("b = $"), "1:5: variable reference for '' can not be found");
}

TEST(ConfigVariables, BcryptHashesAreNotReferences) {
  EXPECT_EQ(parse("password: $2a$11$ooo"), R"({"password":"$2a$11$ooo"})");
  // Only the 2a form; $2b$... is looked up like any variable (as in nats-server).
  EXPECT_EQ(error_of("password: $2b$11$ooo"),
            "1:11: variable reference for '2b$11$ooo' can not be found");
}

TEST(ConfigVariables, EnvironmentWhenNotDefinedInTheFile) {
  EXPECT_EQ(parse("a = $PORT", env({{"PORT", "4222"}})), R"({"a":4222})");
  EXPECT_EQ(parse("PORT = 1\na = $PORT", env({{"PORT", "4222"}})), R"({"PORT":1,"a":1})");
}

TEST(ConfigVariables, EnvironmentValuesAreParsedAsValues) {
  ParseOptions o = env({{"S", "xyz"},
                        {"SIZE", "1MB"},
                        {"B", "yes"},
                        {"Q", "'3xyz'"},
                        {"G", "3Gyz"},
                        {"ARR", "[a, 2]"},
                        {"MAP", "{x: 1}"},
                        {"EMPTY", ""},
                        {"SPACED", "  padded"}});
  EXPECT_EQ(parse("s=$S\nsize=$SIZE\nb=$B\nq=$Q\ng=$G\narr=$ARR\nmap=$MAP\nempty=$EMPTY\n"
                  "spaced=$SPACED",
                  o),
            R"({"s":"xyz","size":1048576,"b":true,"q":"3xyz","g":"3Gyz","arr":["a",2],)"
            R"("map":{"x":1},"empty":"","spaced":"padded"})");
}

TEST(ConfigVariables, EnvironmentValueReferringToAnother) {
  EXPECT_EQ(parse("a = $A", env({{"A", "$B"}, {"B", "42"}})), R"({"a":42})");
}

TEST(ConfigVariables, EnvironmentCycleIsAnError) {
  EXPECT_EQ(error_of("a = $A", env({{"A", "$B"}, {"B", "$A"}})),
            "1:5: variable reference for 'A' could not be parsed: variable reference for 'B' "
            "could not be parsed: variable reference cycle for 'A'");
  EXPECT_EQ(error_of("a = $SELF", env({{"SELF", "$SELF"}})),
            "1:5: variable reference for 'SELF' could not be parsed: variable reference cycle "
            "for 'SELF'");
}

TEST(ConfigVariables, UnparsableEnvironmentValue) {
  EXPECT_EQ(error_of("a = $V", env({{"V", "hello world"}})),
            "1:5: variable reference for 'V' could not be parsed: expected a new line, ';', ',' "
            "or a comment after the value, found 'w'");
  EXPECT_EQ(error_of("a = $V", env({{"V", "3xyz y"}})),
            "1:5: variable reference for 'V' could not be parsed: expected a new line, ';', ',' "
            "or a comment after the value, found 'y'");
}

TEST(ConfigVariables, EnvironmentValuesTakeTheReferencePosition) {
  ParseResult r = parse_config_string("\n  x = $V", "t.conf", env({{"V", "{a: [1]}"}}));
  ASSERT_TRUE(r.ok());
  const Value* x = r.map().find("x");
  EXPECT_EQ(x->position().to_string(), "t.conf:2:7");
  EXPECT_EQ(x->find("a")->position().to_string(), "t.conf:2:7");
  EXPECT_EQ((*x->find("a")->as_array())[0].position().to_string(), "t.conf:2:7");
}

TEST(ConfigVariables, ReferencedKeysAreMarkedUsed) {
  ParseResult r =
      parse_config_string("A = 1\nB = 2\nm { C = 3, d = $C }\ne = $A", "t.conf", env({}));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.map().find_entry("A")->used_as_variable);
  EXPECT_FALSE(r.map().find_entry("B")->used_as_variable);
  EXPECT_FALSE(r.map().find_entry("e")->used_as_variable);
  const Map& m = *r.map().find("m")->as_map();
  EXPECT_TRUE(m.find_entry("C")->used_as_variable);
  EXPECT_FALSE(m.find_entry("d")->used_as_variable);
}

TEST(ConfigVariables, ReferenceCopiesTakeTheReferencePosition) {
  ParseResult r = parse_config_string("A = {x: 1}\nb = $A", "t.conf", env({}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.map().find("b")->position().to_string(), "t.conf:2:5");
  // What it contains still points at the definition.
  EXPECT_EQ(r.map().find("b")->find("x")->position().to_string(), "t.conf:1:9");
}

TEST(ConfigVariables, EscapedDollarIsNotAllowedButQuotesWork) {
  EXPECT_EQ(error_of("a = \\$x"),
            "1:5: invalid escape character '$': only \\xXX, \\t, \\n, \\r, \\\" and \\\\ are "
            "allowed");
  EXPECT_EQ(parse("a = '$x'"), R"({"a":"$x"})");
}

// --- includes --------------------------------------------------------------------------------

TEST(ConfigInclude, RelativeToTheIncludingFile) {
  TempDir dir;
  dir.write("conf/sub/users.conf", "users = [{user: a}]\nPASS = secret\n");
  const std::string main =
      dir.write("conf/main.conf",
                "port = 4222\nauthorization {\n  include sub/users.conf\n  pw = $PASS\n}\n");
  ParseResult r = parse_config_file(main, env({}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(
      r.value().debug_string(),
      R"({"port":4222,"authorization":{"users":[{"user":"a"}],"PASS":"secret","pw":"secret"}})");
  const MapEntry* users = r.map().find("authorization")->as_map()->find_entry("users");
  EXPECT_EQ(users->key_position.to_string(), dir.path() + "/conf/sub/users.conf:1:1");
  EXPECT_EQ(users->value.position().to_string(), dir.path() + "/conf/sub/users.conf:1:9");
}

TEST(ConfigInclude, QuotedForms) {
  TempDir dir;
  dir.write("a.conf", "a = 1");
  dir.write("b c.conf", "b = 2");
  dir.write("d.conf", "d = 3");
  const std::string main =
      dir.write("main.conf", "include 'a.conf'\ninclude \"b c.conf\"; INCLUDE ./d.conf\n");
  ParseResult r = parse_config_file(main, env({}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().debug_string(), R"({"a":1,"b":2,"d":3})");
}

TEST(ConfigInclude, NestedIncludesResolveAgainstTheirOwnFile) {
  TempDir dir;
  dir.write("x/inner/leaf.conf", "leaf = true\n");
  dir.write("x/middle.conf", "include inner/leaf.conf\nmiddle = $leaf\n");
  const std::string main = dir.write("main.conf", "include x/middle.conf\ntop = $middle\n");
  ParseResult r = parse_config_file(main, env({}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().debug_string(), R"({"leaf":true,"middle":true,"top":true})");
}

TEST(ConfigInclude, IncludedFileDoesNotSeeTheIncludersVariables) {
  TempDir dir;
  dir.write("needs_x.conf", "y = $x\n");
  const std::string main = dir.write("main.conf", "x = 1\ninclude needs_x.conf\n");
  ParseResult r = parse_config_file(main, env({}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(),
            dir.path() + "/needs_x.conf:1:5: variable reference for 'x' can not be found (in '" +
                dir.path() + "/needs_x.conf' included at " + dir.path() + "/main.conf:2:1)");
}

TEST(ConfigInclude, LaterKeysOverrideIncludedOnesAndViceVersa) {
  TempDir dir;
  dir.write("inc.conf", "a = inc\nb = inc\n");
  const std::string main = dir.write("main.conf", "a = main\ninclude inc.conf\nb = main\n");
  ParseResult r = parse_config_file(main, env({}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().debug_string(), R"({"a":"inc","b":"main"})");
}

TEST(ConfigInclude, MissingFile) {
  TempDir dir;
  const std::string main = dir.write("main.conf", "a = 1\n  include nope.conf\n");
  ParseResult r = parse_config_file(main, env({}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), main + ":2:3: cannot read include file '" + dir.path() +
                                       "/nope.conf': No such file or directory");
}

TEST(ConfigInclude, ErrorInsideIncludedFileNamesThatFile) {
  TempDir dir;
  dir.write("bad.conf", "ok = 1\nbad = \"unterminated\n");
  const std::string main = dir.write("main.conf", "m {\n  include bad.conf\n}\n");
  ParseResult r = parse_config_file(main, env({}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), dir.path() + "/bad.conf:2:7: unterminated quoted string (in '" +
                                       dir.path() + "/bad.conf' included at " + main + ":2:3)");
}

TEST(ConfigInclude, CycleIsAnError) {
  TempDir dir;
  dir.write("a.conf", "include b.conf\n");
  dir.write("b.conf", "include ./a.conf\n");
  ParseResult r = parse_config_file(dir.path() + "/a.conf", env({}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith("include cycle: '" + dir.path() + "/a.conf'"));
  EXPECT_EQ(r.error().position.to_string(), dir.path() + "/b.conf:1:1");
}

TEST(ConfigInclude, SelfInclude) {
  TempDir dir;
  const std::string main = dir.write("main.conf", "include main.conf\n");
  ParseResult r = parse_config_file(main, env({}));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().to_string(), HasSubstr("include cycle"));
}

TEST(ConfigInclude, AbsolutePathsStayUnderTheIncludingDirectory) {
  // Go's filepath.Join does not restart at a rooted second path, so nats-server resolves
  // `include /x.conf` in /etc/nats/main.conf to /etc/nats/x.conf; so do we.
  TempDir dir;
  dir.write("abs/x.conf", "x = 1\n");
  const std::string main = dir.write("main.conf", "include /abs/x.conf\n");
  ParseResult r = parse_config_file(main, env({}));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().debug_string(), R"({"x":1})");
}

TEST(ConfigInclude, OnlyAnUnquotedIncludeFollowedBySpaceIsTheKeyword) {
  EXPECT_EQ(parse("\"include\" x\n'include' = y\ninclude: z\ninclude=w"), R"({"include":"w"})");
}

TEST(ConfigInclude, MalformedDirectives) {
  EXPECT_EQ(error_of("include [a]"), "1:9: expected an include path, found the start of an array");
  EXPECT_EQ(error_of("include {a}"), "1:9: expected an include path, found the start of a map");
  EXPECT_EQ(error_of("include 5.conf"),
            "1:9: expected an include path, found the start of a number");
  EXPECT_EQ(error_of("include\nx.conf"), "1:8: expected an include path, found a new line");
  EXPECT_EQ(error_of("include 'x.conf"), "1:9: unterminated quoted include path");
  EXPECT_EQ(error_of("include "), "1:9: expected an include path");
}

TEST(ConfigInclude, ReadFileHook) {
  ParseOptions o = env({});
  o.read_file = [](const std::string& path, std::string* error) -> std::optional<std::string> {
    if (path == "virtual/inc.conf") return std::string("v = 1");
    *error = "not in the virtual tree";
    return std::nullopt;
  };
  ParseResult r = parse_config_string("include inc.conf", "virtual/main.conf", o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().debug_string(), R"({"v":1})");
  r = parse_config_string("include other.conf", "virtual/main.conf", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(),
            "virtual/main.conf:1:1: cannot read include file 'virtual/other.conf': not in the "
            "virtual tree");
}

TEST(ConfigInclude, DepthLimit) {
  ParseOptions o = env({});
  // f0 includes f1 includes f2 ...: distinct files, so only the depth limit stops it.
  o.read_file = [](const std::string& path, std::string*) -> std::optional<std::string> {
    const int n = std::stoi(path.substr(1, path.size() - 6));
    return "include f" + std::to_string(n + 1) + ".conf";
  };
  ParseResult r = parse_config_string("include f1.conf", "f0.conf", o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith("includes nest deeper than 16 files"));
}

TEST(ConfigInclude, TotalIncludeLimit) {
  ParseOptions o = env({});
  o.read_file = [](const std::string&, std::string*) -> std::optional<std::string> {
    return std::string("x = 1");
  };
  std::string text;
  for (int i = 0; i < kMaxIncludes; ++i) text += "include x.conf\n";
  ParseResult r = parse_config_string(text, "main.conf", o);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  text += "include x.conf\n";
  r = parse_config_string(text, "main.conf", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), "main.conf:4097:1: more than 4096 includes");
}

// --- files -----------------------------------------------------------------------------------

TEST(ConfigFile, MissingFile) {
  ParseResult r = parse_config_file("/nonexistent/nats.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(),
            "/nonexistent/nats.conf: cannot read configuration file: No such file or directory");
}

TEST(ConfigFile, DirectoryIsNotAFile) {
  TempDir dir;
  ParseResult r = parse_config_file(dir.path());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().to_string(), HasSubstr("Is a directory"));
}

TEST(ConfigFile, DefaultEnvironmentIsTheProcessEnvironment) {
  ::setenv("NATS_CONFIG_TEST_VAR", "77", 1);
  ParseResult r = parse_config_string("a = $NATS_CONFIG_TEST_VAR");
  ::unsetenv("NATS_CONFIG_TEST_VAR");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.map().find("a")->as_int(), 77);
}

// --- positions -------------------------------------------------------------------------------

TEST(ConfigPositions, KeysAndValues) {
  ParseResult r =
      parse_config_string("a = 1\n  b {\n\tc: \"x\"\n  }\nd [7, 'y']", "p.conf", env({}));
  ASSERT_TRUE(r.ok());
  const Map& m = r.map();
  EXPECT_EQ(r.value().position().to_string(), "p.conf:1:1");
  EXPECT_EQ(m.find_entry("a")->key_position.to_string(), "p.conf:1:1");
  EXPECT_EQ(m.find("a")->position().to_string(), "p.conf:1:5");
  EXPECT_EQ(m.find_entry("b")->key_position.to_string(), "p.conf:2:3");
  EXPECT_EQ(m.find("b")->position().to_string(), "p.conf:2:5");
  const MapEntry* c = m.find("b")->as_map()->find_entry("c");
  EXPECT_EQ(c->key_position.to_string(), "p.conf:3:2");
  EXPECT_EQ(c->value.position().to_string(), "p.conf:3:5");
  const Array& d = *m.find("d")->as_array();
  EXPECT_EQ(d[0].position().to_string(), "p.conf:5:4");
  EXPECT_EQ(d[1].position().to_string(), "p.conf:5:7");
}

// --- malformed input: the first error, with its line and column ------------------------------

TEST(ConfigErrors, UnterminatedStrings) {
  EXPECT_EQ(error_of("a = 1\nb = \"abc\n\nc = 2"), "2:5: unterminated quoted string");
  EXPECT_EQ(error_of("a = 'abc"), "1:5: unterminated quoted string");
  EXPECT_EQ(error_of("\"abc = 1"), "1:1: unterminated quoted key");
  EXPECT_EQ(error_of("m { 'abc = 1 }"), "1:5: unterminated quoted key");
}

TEST(ConfigErrors, UnbalancedBraces) {
  EXPECT_EQ(error_of("a {\n  b = 1\n"), "1:3: map is never closed (missing '}')");
  EXPECT_EQ(error_of("a {\n  b {\n c = 1 }\n"), "1:3: map is never closed (missing '}')");
  EXPECT_EQ(error_of("a { b"), "1:3: map is never closed (missing '}')");
  EXPECT_EQ(error_of("{\n a = 1\n"), "1:1: '{' is never closed (missing '}')");
  EXPECT_EQ(error_of("a = 1\n}\nb = 2"), "2:1: unexpected '}': no '{' is open here");
}

TEST(ConfigErrors, UnbalancedBrackets) {
  EXPECT_EQ(error_of("a = [1, 2\nb = 3"),
            "2:3: expected ',' or ']' after an array element, found '='");
  EXPECT_EQ(error_of("a = [1, 2\n"), "1:5: array is never closed (missing ']')");
  EXPECT_EQ(error_of("a = [1, 2"), "1:5: array is never closed (missing ']')");
  EXPECT_EQ(error_of("m { a = [1 }"),
            "1:12: expected ',' or ']' after an array element, found '}'");
  EXPECT_EQ(error_of("m { ] }"), "1:5: unexpected ']' in a map");
  EXPECT_EQ(error_of("a = x]"),
            "1:6: expected a new line, ';', ',' or a comment after the value, found ']'");
  EXPECT_EQ(error_of("a = [::1]:4222"),
            "1:10: expected a new line, ';', ',' or a comment after the value, found ':'");
}

TEST(ConfigErrors, ArraySeparators) {
  EXPECT_EQ(error_of("a = [,]"), "1:6: unexpected ',' in an array: expected a value or ']'");
  EXPECT_EQ(error_of("a = [1,,2]"), "1:8: unexpected ',' in an array: expected a value or ']'");
  EXPECT_EQ(error_of("a = [1 2]"), "1:8: expected ',' or ']' after an array element, found '2'");
}

TEST(ConfigErrors, KeyWithoutValue) {
  EXPECT_EQ(error_of("port"), "1:1: missing value for key 'port'");
  EXPECT_EQ(error_of("a = 1\n  port   \n"), "2:3: missing value for key 'port'");
  EXPECT_EQ(error_of("m { a }"), "1:5: missing value for key 'a'");
  EXPECT_EQ(error_of("m { a = }"), "1:5: missing value for key 'a'");
  EXPECT_EQ(error_of("m { a = , b = 1 }"), "1:9: expected a value for key 'a', found ','");
}

TEST(ConfigErrors, KeySeparatorWithoutKey) {
  EXPECT_EQ(error_of("= 1"), "1:1: unexpected key separator '=': expected a key");
  EXPECT_EQ(error_of("m {\n  : 1\n}"), "2:3: unexpected key separator ':': expected a key");
}

TEST(ConfigErrors, ValueFollowedByJunk) {
  EXPECT_EQ(error_of("a = \"x\" y"),
            "1:9: expected a new line, ';', ',' or a comment after the value, found 'y'");
  EXPECT_EQ(error_of("m { a = 1 b = 2 }"),
            "1:11: expected ',' or '}' after a map value, found 'b'");
  EXPECT_EQ(error_of("a = 1 / 2"),
            "1:7: expected a new line, ';', ',' or a comment after the value, found '/'");
  EXPECT_EQ(error_of("/a = 1"), "1:1: unexpected '/' (comments start with '#' or '//')");
}

TEST(ConfigErrors, BadEscapes) {
  EXPECT_EQ(error_of(R"(a = "\q")"),
            R"(1:6: invalid escape character 'q': only \xXX, \t, \n, \r, \" and \\ are allowed)");
  EXPECT_EQ(error_of(R"(a = "\xZZ")"),
            R"(1:6: expected two hexadecimal digits after '\x', found 'Z')");
  EXPECT_EQ(error_of("a = \"\\x4\n\""),
            "1:9: expected two hexadecimal digits after '\\x', found the end of the line");
}

TEST(ConfigErrors, ValueMissingAtEndOfLineInsideBlock) {
  EXPECT_EQ(error_of("{\n  a:\n}"), "2:5: expected a value for key 'a', found a new line");
}

TEST(ConfigErrors, NulByte) {
  EXPECT_EQ(error_of(std::string_view("a = 1\nb = \0", 11)), "2:5: unexpected NUL byte");
}

TEST(ConfigErrors, StopsAtTheFirstError) {
  EXPECT_EQ(error_of("a = $x\nb = \"unterminated"),
            "1:5: variable reference for 'x' can not be found");
}

TEST(ConfigErrors, NestingLimit) {
  std::string deep = "a = " + std::string(300, '[') + std::string(300, ']');
  EXPECT_EQ(error_of(deep),
            "1:261: maps, arrays, includes and variables nest deeper than 256 levels");
  std::string ok = "a = " + std::string(200, '[') + std::string(200, ']');
  EXPECT_THAT(parse(ok), StartsWith(R"({"a":[[[[)"));
}

TEST(ConfigErrors, ExpansionLimit) {
  // Each line doubles the size of the tree: 2^23 values, shared, but too many to walk.
  std::string text = "v0 = [1, 1]\n";
  for (int i = 1; i <= 23; ++i) {
    text += "v" + std::to_string(i) + " = [$v" + std::to_string(i - 1) + ", $v" +
            std::to_string(i - 1) + "]\n";
  }
  EXPECT_THAT(error_of(text), HasSubstr("the configuration expands to more than 4194304 values"));
}

// --- Unicode white space and line ends ------------------------------------------------------

TEST(ConfigUnicode, SpacesBetweenEntriesButNotAfterValues) {
  // U+00A0 (no-break space) counts as white space where nats-server skips any Unicode space...
  EXPECT_EQ(parse("\xC2\xA0"
                  "a = 1\n\xE2\x80\x83"
                  "b = 2"),
            R"({"a":1,"b":2})");
  // ...but a value only ends at a space or tab, so it becomes part of the string.
  EXPECT_EQ(parse("a = x\xC2\xA0"), "{\"a\":\"x\xC2\xA0\"}");
  EXPECT_EQ(parse("a = \xC3\xA9t\xC3\xA9"), "{\"a\":\"\xC3\xA9t\xC3\xA9\"}");
}

TEST(ConfigUnicode, CarriageReturnLineEnds) {
  EXPECT_EQ(parse("a = 1\r\nb {\r\n  c = [1,\r\n 2]\r\n}\r\n"), R"({"a":1,"b":{"c":[1,2]}})");
}

// --- the realistic corpus under testdata/ -----------------------------------------------------

ParseResult parse_testdata(const std::string& name, std::map<std::string, std::string> vars = {}) {
  return parse_config_file(std::string(NATS_CONFIG_TESTDATA) + "/" + name, env(std::move(vars)));
}

TEST(ConfigCorpus, ServerBasic) {
  ParseResult r = parse_testdata("server_basic.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Map& m = r.map();
  EXPECT_EQ(m.find("server_name")->as_string(), "edge-1");
  EXPECT_EQ(m.find("listen")->as_string(), "0.0.0.0:4222");
  EXPECT_EQ(m.find("max_payload")->as_int(), 2 * 1024 * 1024);
  EXPECT_EQ(m.find("max_connections")->as_int(), 10000);
  EXPECT_EQ(m.find("max_control_line")->as_int(), 4096);
  EXPECT_EQ(m.find("ping_interval")->as_string(), "2m");
  EXPECT_EQ(m.find("write_deadline")->as_string(), "10s");
  EXPECT_EQ(m.find("debug")->as_bool(), false);
  EXPECT_EQ(m.find("logfile_size_limit")->as_int(), int64_t{1} << 30);
  EXPECT_EQ(m.size(), 18u);
}

TEST(ConfigCorpus, AuthorizationUsers) {
  ParseResult r = parse_testdata("authorization_users.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Value* auth = r.map().find("authorization");
  EXPECT_EQ(auth->find("timeout")->as_float(), 2.5);
  const Array& users = *auth->find("users")->as_array();
  ASSERT_EQ(users.size(), 4u);
  EXPECT_EQ(users[1].find("password")->as_string(),
            "$2a$11$XG4X7wd2OSOcCBT9mWlc.OXJhfjBhjLbKFWdB7Z6u9SBeTmcfBcMa");
  EXPECT_EQ(users[2].find("password")->as_string(), "p@ss w0rd");
  EXPECT_EQ(users[2].find("permissions")->debug_string(),
            R"({"publish":{"allow":"_INBOX.>","deny":["$SYS.>"]},)"
            R"("subscribe":{"allow":["req.>"],"deny":"req.secret.>"},)"
            R"("allow_responses":{"max":1,"expires":"5s"}})");
  EXPECT_EQ(users[3].find("permissions"), nullptr);
  EXPECT_TRUE(r.map().find_entry("ADMIN_PERMS")->used_as_variable);
  EXPECT_TRUE(r.map().find_entry("RESPONDER")->used_as_variable);
}

TEST(ConfigCorpus, Accounts) {
  ParseResult r = parse_testdata("accounts.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Map& accounts = *r.map().find("accounts")->as_map();
  EXPECT_EQ(accounts.size(), 3u);
  EXPECT_EQ(accounts.entries()[1].key, "ORDERS");
  EXPECT_EQ(accounts.find("orders")->find("jetstream")->as_string(), "enabled");
  const Array& exports = *accounts.find("ORDERS")->find("exports")->as_array();
  EXPECT_EQ(exports[2].debug_string(), R"({"service":"orders.private.*","accounts":["BILLING"]})");
  const Array& imports = *accounts.find("BILLING")->find("imports")->as_array();
  EXPECT_EQ(
      imports[0].debug_string(),
      R"({"stream":{"account":"ORDERS","subject":"orders.events.>"},"prefix":"from_orders"})");
  EXPECT_EQ(r.map().find("system_account")->as_string(), "SYS");
}

TEST(ConfigCorpus, Cluster) {
  ParseResult r = parse_testdata("cluster.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Value* cluster = r.map().find("cluster");
  EXPECT_EQ(cluster->find("listen")->as_string(), "0.0.0.0:6222");
  EXPECT_EQ(cluster->find("authorization")->find("timeout")->as_int(), 2);
  const Array& routes = *cluster->find("routes")->as_array();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[2].as_string(),
            "nats-route://route_user:T0pS3cr3t@nats-3.east.example.com:6222");
  EXPECT_EQ(routes[2].position().line, 18);
  EXPECT_EQ(cluster->find("no_advertise")->as_bool(), true);
}

TEST(ConfigCorpus, JetStream) {
  ParseResult r = parse_testdata("jetstream.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Value* js = r.map().find("jetstream");
  EXPECT_EQ(js->find("max_memory_store")->as_int(), 1'000'000'000);
  EXPECT_EQ(js->find("max_file_store")->as_int(), int64_t{10} << 30);
  EXPECT_EQ(js->find("store_dir")->as_string(), "/data/nats/jetstream");
  const Value* app = r.map().find("accounts")->find("APP")->find("jetstream");
  EXPECT_EQ(app->find("max_file")->as_int(), 1'000'000'000'000);
  EXPECT_EQ(app->find("max_consumers")->as_int(), -1);
}

TEST(ConfigCorpus, Tls) {
  ParseResult r = parse_testdata("tls.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Value* tls = r.map().find("tls");
  EXPECT_EQ(tls->find("cert_file")->as_string(), "./certs/server-cert.pem");
  EXPECT_EQ(tls->find("verify")->as_bool(), true);
  EXPECT_EQ(tls->find("cipher_suites")->as_array()->size(), 2u);
  EXPECT_EQ(r.map().find("authorization")->find("users")->debug_string(),
            R"([{"user":"CN=alice,OU=eng,O=example"}])");
}

TEST(ConfigCorpus, Leafnodes) {
  ParseResult r = parse_testdata("leafnodes.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Value* leaf = r.map().find("leafnodes");
  const Array& remotes = *leaf->find("remotes")->as_array();
  ASSERT_EQ(remotes.size(), 2u);
  EXPECT_EQ(remotes[0].find("urls")->as_array()->size(), 2u);
  EXPECT_EQ(remotes[1].find("deny_imports")->debug_string(), R"(["secret.>"])");
  EXPECT_EQ(leaf->find("authorization")->find("timeout")->as_float(), 0.75);
  EXPECT_EQ(r.map().find("accounts")->debug_string(),
            R"({"APP":{"users":[{"user":"a","password":"a"}]},"SYS":{}})");
}

TEST(ConfigCorpus, Mqtt) {
  ParseResult r = parse_testdata("mqtt.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Value* mqtt = r.map().find("mqtt");
  EXPECT_EQ(mqtt->find("port")->as_int(), 1883);
  EXPECT_EQ(mqtt->find("ack_wait")->as_string(), "1m");
  EXPECT_EQ(r.map().find("jetstream")->find("store_dir")->as_string(), "/tmp/nats/mqtt");
}

TEST(ConfigCorpus, Websocket) {
  ParseResult r = parse_testdata("websocket.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Value* ws = r.map().find("websocket");
  EXPECT_EQ(ws->find("no_tls")->as_bool(), true);
  EXPECT_EQ(ws->find("allowed_origins")->debug_string(),
            R"(["https://app.example.com","http://localhost:3000"])");
  EXPECT_EQ(ws->find("handshake_timeout")->as_string(), "5s");
}

TEST(ConfigCorpus, Resolver) {
  ParseResult r = parse_testdata("resolver.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_THAT(std::string(*r.map().find("operator")->as_string()), StartsWith("eyJ0eXAiOiJKV1Qi"));
  EXPECT_EQ(r.map().find("resolver")->as_string(), "MEMORY");
  const Map& preload = *r.map().find("resolver_preload")->as_map();
  ASSERT_EQ(preload.size(), 2u);
  EXPECT_EQ(preload.entries()[0].key, "ACATS5YOVB6ROX2WUNKGNQ2MP3GMXDMKSG2O4N5CLX3A6W4PZGZZIL2R");
  EXPECT_EQ(r.map().find("system_account")->as_string(), preload.entries()[1].key);
}

TEST(ConfigCorpus, GatewayWithIncludedVariable) {
  ParseResult r = parse_testdata("gateway.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Value* gw = r.map().find("gateway");
  EXPECT_EQ(gw->find("authorization")->debug_string(),
            R"({"user":"gw","password":"pass","timeout":1.5})");
  EXPECT_EQ(gw->find("gateways")->as_array()->size(), 2u);
  const MapEntry* auth = r.map().find_entry("GATEWAY_AUTH");
  EXPECT_TRUE(auth->used_as_variable);
  EXPECT_THAT(std::string(auth->key_position.file_name()), HasSubstr("includes/gateway_auth.conf"));
}

TEST(ConfigCorpus, NestedIncludes) {
  ParseResult r = parse_testdata("main_with_includes.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(
      r.value().debug_string(),
      R"({"port":4222,"http_port":8222,"max_payload":8388608,"max_connections":5000,)"
      R"("authorization":{"ALICE_PASS":"$2a$11$1ZPAaYmj4h4rJTfUvoXv5O5RaBZqTMPsUtGXt7A4zOKtR0e.4cN.e",)"
      R"("BOB_PASS":"bob-password","users":[{"user":"alice",)"
      R"("password":"$2a$11$1ZPAaYmj4h4rJTfUvoXv5O5RaBZqTMPsUtGXt7A4zOKtR0e.4cN.e"},)"
      R"({"user":"bob","password":"bob-password"}],"timeout":3}})");
}

TEST(ConfigCorpus, JsonStyle) {
  ParseResult r = parse_testdata("json_style.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.map().find("cluster")->find("routes")->as_array()->size(), 2u);
  EXPECT_EQ(r.map().find("jetstream")->find("max_mem")->as_int(), 1073741824);
  EXPECT_EQ(r.map().find("debug")->as_bool(), true);
}

TEST(ConfigCorpus, EnvironmentVariables) {
  ParseResult r =
      parse_testdata("env_vars.conf",
                     {{"NATS_PORT", "4333"}, {"NATS_TOKEN", "s3cr3t"}, {"NATS_SERVER_NAME", "n"}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.value().debug_string(),
            R"({"port":4333,"authorization":{"token":"s3cr3t"},"server_name":"n"})");
  r = parse_testdata("env_vars.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().to_string(), std::string(NATS_CONFIG_TESTDATA) +
                                       "/env_vars.conf:2:7: variable reference for 'NATS_PORT' "
                                       "can not be found");
}

TEST(ConfigCorpus, BlockStrings) {
  ParseResult r = parse_testdata("block_strings.conf");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r.map().find("authorization")->find("token")->as_string(),
            "\nThis text spans\n  several lines, keeps \"quotes\", # hashes and $dollars\n");
}

}  // namespace
}  // namespace nats::config
