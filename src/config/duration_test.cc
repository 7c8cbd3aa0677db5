#include "config/duration.h"

#include <cstdint>

#include <gtest/gtest.h>

namespace nats::config {
namespace {

using std::chrono::nanoseconds;

int64_t ns(std::string_view s) {
  std::optional<nanoseconds> d = parse_go_duration(s);
  EXPECT_TRUE(d.has_value()) << s;
  return d ? d->count() : -1;
}

TEST(GoDuration, Units) {
  EXPECT_EQ(ns("5ns"), 5);
  EXPECT_EQ(ns("5us"), 5'000);
  EXPECT_EQ(ns("5\xC2\xB5s"), 5'000);  // U+00B5 micro sign
  EXPECT_EQ(ns("5\xCE\xBCs"), 5'000);  // U+03BC Greek mu
  EXPECT_EQ(ns("5ms"), 5'000'000);
  EXPECT_EQ(ns("5s"), 5'000'000'000);
  EXPECT_EQ(ns("2m"), 120'000'000'000);
  EXPECT_EQ(ns("1h"), 3'600'000'000'000);
}

TEST(GoDuration, SumsSignsAndZero) {
  EXPECT_EQ(ns("1h30m"), 5'400'000'000'000);
  EXPECT_EQ(ns("1h1m1s1ms1us1ns"), 3'661'001'001'001);
  EXPECT_EQ(ns("1s1s"), 2'000'000'000);
  EXPECT_EQ(ns("-1.5s"), -1'500'000'000);
  EXPECT_EQ(ns("+10s"), 10'000'000'000);
  EXPECT_EQ(ns("0"), 0);
  EXPECT_EQ(ns("-0"), 0);
  EXPECT_EQ(ns("+0"), 0);
  EXPECT_EQ(ns("0s"), 0);
}

TEST(GoDuration, Fractions) {
  EXPECT_EQ(ns("1.5h"), 5'400'000'000'000);
  EXPECT_EQ(ns(".5s"), 500'000'000);
  EXPECT_EQ(ns("5.s"), 5'000'000'000);
  EXPECT_EQ(ns("0.1ns"), 0);  // truncated toward zero
  EXPECT_EQ(ns("1.0000000001s"), 1'000'000'000);
  EXPECT_EQ(ns("0.3333333333333333333h"), 1'200'000'000'000);
  // More digits than 63 bits hold only stop adding precision.
  EXPECT_EQ(ns("1.00000000000000000000000000001s"), 1'000'000'000);
}

TEST(GoDuration, Limits) {
  EXPECT_EQ(ns("9223372036854775807ns"), INT64_MAX);
  EXPECT_EQ(ns("-9223372036854775808ns"), INT64_MIN);
  EXPECT_EQ(ns("2562047h47m16.854775807s"), INT64_MAX);
  EXPECT_FALSE(parse_go_duration("9223372036854775808ns"));
  EXPECT_FALSE(parse_go_duration("2562048h"));
  EXPECT_FALSE(parse_go_duration("9223372036854775807ns1ns"));
  EXPECT_FALSE(parse_go_duration("99999999999999999999s"));
}

TEST(GoDuration, Rejects) {
  for (const char* bad : {"",     "-",      "+",    "0.0",   "00",  "1",         "10",       "s",
                          ".s",   "-.s",    "1x",   "1 s",   " 1s", "1s ",       "1S",       "1H",
                          "1sec", "1.2.3s", "--1s", "1s-1s", "1d",  "\xC2\xB5s", "1\xC2\xB5"}) {
    EXPECT_FALSE(parse_go_duration(bad).has_value()) << '"' << bad << '"';
  }
}

}  // namespace
}  // namespace nats::config
