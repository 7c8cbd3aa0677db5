#include "proto/msg_line.h"

#include <gtest/gtest.h>

#include <string>

namespace nats::proto {

std::string line(std::string_view subject, std::string_view sid, std::string_view reply,
                 std::string_view hdr, std::string_view total) {
  std::string out(msg_line_max_len(subject, sid, reply), '\0');
  out.resize(write_msg_line(out.data(), subject, sid, reply, hdr, total));
  return out;
}

TEST(MsgLine, PlainMessage) {
  EXPECT_EQ(line("foo.bar", "1", "", "", "5"), "MSG foo.bar 1 5\r\n");
  EXPECT_EQ(line("foo", "22", "_INBOX.x", "", "0"), "MSG foo 22 _INBOX.x 0\r\n");
}

TEST(MsgLine, HeaderMessage) {
  EXPECT_EQ(line("foo", "1", "", "12", "17"), "HMSG foo 1 12 17\r\n");
  EXPECT_EQ(line("foo", "1", "r", "12", "1048576"), "HMSG foo 1 r 12 1048576\r\n");
}

TEST(MsgLine, SizesAreCopiedAsWritten) {
  EXPECT_EQ(line("foo", "1", "", "", "005"), "MSG foo 1 005\r\n");
}

TEST(MsgLine, WriteUint) {
  char buf[24];
  EXPECT_EQ(std::string(buf, size_t(write_uint(buf, 0) - buf)), "0");
  EXPECT_EQ(std::string(buf, size_t(write_uint(buf, 18446744073709551615ull) - buf)),
            "18446744073709551615");
}

}  // namespace nats::proto
