#include "proto/msg_line.h"

#include <gtest/gtest.h>

#include <string>

namespace nats::proto {

std::string line(std::string_view subject, std::string_view sid, std::string_view reply,
                 int64_t hdr, int64_t total) {
  std::string out(msg_line_max_len(subject, sid, reply), '\0');
  out.resize(write_msg_line(out.data(), subject, sid, reply, hdr, total));
  return out;
}

TEST(MsgLine, PlainMessage) {
  EXPECT_EQ(line("foo.bar", "1", "", -1, 5), "MSG foo.bar 1 5\r\n");
  EXPECT_EQ(line("foo", "22", "_INBOX.x", -1, 0), "MSG foo 22 _INBOX.x 0\r\n");
}

TEST(MsgLine, HeaderMessage) {
  EXPECT_EQ(line("foo", "1", "", 12, 17), "HMSG foo 1 12 17\r\n");
  EXPECT_EQ(line("foo", "1", "r", 12, 1048576), "HMSG foo 1 r 12 1048576\r\n");
}

}  // namespace nats::proto
