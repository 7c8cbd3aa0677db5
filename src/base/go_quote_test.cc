#include "base/go_quote.h"

#include <gtest/gtest.h>

namespace nats {

TEST(GoQuote, MatchesGoPercentQ) {
  EXPECT_EQ(go_quote("hello"), "\"hello\"");
  EXPECT_EQ(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(go_quote("x\r\n\t"), "\"x\\r\\n\\t\"");
  EXPECT_EQ(go_quote(std::string_view("\x00\x7f\xff", 3)), "\"\\x00\\x7f\\xff\"");
  EXPECT_EQ(go_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // valid UTF-8 is kept
}

}  // namespace nats
