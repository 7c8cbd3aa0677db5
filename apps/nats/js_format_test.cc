#include "js_format.h"

#include <gtest/gtest.h>

namespace nats::cli {
namespace {

using namespace std::chrono_literals;

TEST(ParseByteSize, PlainNumbersAndBinaryUnits) {
  EXPECT_EQ(parse_byte_size("1024"), 1024);
  EXPECT_EQ(parse_byte_size("0"), 0);
  EXPECT_EQ(parse_byte_size("1K"), 1024);
  EXPECT_EQ(parse_byte_size("10MiB"), 10 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1GB"), int64_t(1) << 30);
  EXPECT_EQ(parse_byte_size("1gb"), int64_t(1) << 30);
  EXPECT_EQ(parse_byte_size("2T"), int64_t(2) << 40);
  EXPECT_EQ(parse_byte_size(" 5b "), 5);
}

TEST(ParseByteSize, NegativeOrEmptyIsUnlimited) {
  EXPECT_EQ(parse_byte_size("-1"), -1);
  EXPECT_EQ(parse_byte_size("-5GB"), -1);
  EXPECT_EQ(parse_byte_size(""), -1);
}

TEST(ParseByteSize, RejectsGarbage) {
  EXPECT_EQ(parse_byte_size("GB"), std::nullopt);
  EXPECT_EQ(parse_byte_size("1XB"), std::nullopt);
  EXPECT_EQ(parse_byte_size("1.5GB"), std::nullopt);
  EXPECT_EQ(parse_byte_size("99999999999999T"), std::nullopt);
}

TEST(ParseLongDuration, GoDurationsAndDaysWeeksYears) {
  EXPECT_EQ(parse_long_duration("1h"), 1h);
  EXPECT_EQ(parse_long_duration("1m30s"), 90s);
  EXPECT_EQ(parse_long_duration("2d"), 48h);
  EXPECT_EQ(parse_long_duration("1w"), 168h);
  EXPECT_EQ(parse_long_duration("1y"), 365 * 24h);
  EXPECT_EQ(parse_long_duration("d"), std::nullopt);
  EXPECT_EQ(parse_long_duration("1x"), std::nullopt);
}

TEST(ParseStartPolicy, NamedPolicies) {
  using K = StartPolicy::Kind;
  EXPECT_EQ(parse_start_policy("all")->kind, K::kAll);
  EXPECT_EQ(parse_start_policy("last")->kind, K::kLast);
  EXPECT_EQ(parse_start_policy("new")->kind, K::kNew);
  EXPECT_EQ(parse_start_policy("next")->kind, K::kNew);
  EXPECT_EQ(parse_start_policy("subject")->kind, K::kLastPerSubject);
  EXPECT_EQ(parse_start_policy("last_per_subject")->kind, K::kLastPerSubject);
}

TEST(ParseStartPolicy, SequenceOrDurationBack) {
  auto seq = parse_start_policy("100");
  ASSERT_TRUE(seq);
  EXPECT_EQ(seq->kind, StartPolicy::Kind::kSequence);
  EXPECT_EQ(seq->seq, 100u);
  auto since = parse_start_policy("1h");
  ASSERT_TRUE(since);
  EXPECT_EQ(since->kind, StartPolicy::Kind::kSince);
  EXPECT_EQ(since->ago, 1h);
  EXPECT_EQ(parse_start_policy("2d")->ago, 48h);
  EXPECT_EQ(parse_start_policy("soon"), std::nullopt);
  EXPECT_EQ(parse_start_policy("-1h"), std::nullopt);
}

TEST(GoDurationString, MatchesGo) {
  EXPECT_EQ(go_duration_string(0ns), "0s");
  EXPECT_EQ(go_duration_string(999ns), "999ns");
  EXPECT_EQ(go_duration_string(1500ns), "1.5µs");
  EXPECT_EQ(go_duration_string(2ms), "2ms");
  EXPECT_EQ(go_duration_string(2min), "2m0s");
  EXPECT_EQ(go_duration_string(90s), "1m30s");
  EXPECT_EQ(go_duration_string(1h), "1h0m0s");
  EXPECT_EQ(go_duration_string(1500ms), "1.5s");
}

TEST(HumanizeDuration, NatscliStyle) {
  EXPECT_EQ(humanize_duration(1234ns), "1µs");
  EXPECT_EQ(humanize_duration(1499us), "1ms");
  EXPECT_EQ(humanize_duration(1500ms), "1.50s");
  EXPECT_EQ(humanize_duration(90s), "1m30s");
  EXPECT_EQ(humanize_duration(2h), "2h0m0s");
  EXPECT_EQ(humanize_duration(49h), "2d1h0m0s");
  EXPECT_EQ(humanize_duration(std::chrono::nanoseconds::max()), "never");
}

TEST(Rfc3339, ParsesServerTimes) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:01Z"), 1000000000);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:01.5Z"), 1500000000);
  EXPECT_EQ(parse_rfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_rfc3339("2024-05-01T10:11:12.123456789Z"), int64_t(1714558272123456789));
  EXPECT_EQ(parse_rfc3339("yesterday"), std::nullopt);
  EXPECT_EQ(parse_rfc3339("2024-05-01T10:11:12"), std::nullopt);
  EXPECT_TRUE(is_zero_time("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(is_zero_time("2024-05-01T10:11:12Z"));
  EXPECT_EQ(rfc3339_utc(1714558272123456789), "2024-05-01T10:11:12.123456789Z");
  EXPECT_EQ(local_time("not a time"), "not a time");
}

}  // namespace
}  // namespace nats::cli
