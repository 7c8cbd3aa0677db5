#include "base/logger.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace nats {

TEST(Logger, LineHasPidTimeAndLabelLikeNatsServer) {
  std::string line = format_log_line(42, true, LogLevel::kNotice, "Server is ready", wall_nanos());
  // [42] 2026/11/23 06:43:22.123456 [INF] Server is ready
  ASSERT_GE(line.size(), 5u);
  EXPECT_EQ(line.substr(0, 5), "[42] ");
  EXPECT_EQ(line[9], '/');
  EXPECT_EQ(line[12], '/');
  EXPECT_EQ(line[24], '.');
  EXPECT_EQ(line.substr(32), "[INF] Server is ready\n");
}

TEST(Logger, NoTimeWhenLogtimeOff) {
  EXPECT_EQ(format_log_line(7, false, LogLevel::kTrace, "x", 0), "[7] [TRC] x\n");
  EXPECT_EQ(format_log_line(7, false, LogLevel::kError, "e", 0), "[7] [ERR] e\n");
}

TEST(Clock, GoDurationMatchesGoFormatting) {
  EXPECT_EQ(go_duration(0), "0s");
  EXPECT_EQ(go_duration(1'500'000'000), "1.5s");
  EXPECT_EQ(go_duration(120'000'000'000), "2m0s");
  EXPECT_EQ(go_duration(3'723'000'000'000), "1h2m3s");
  EXPECT_EQ(go_duration(250'000'000), "250ms");
  EXPECT_EQ(go_duration(1'500), "1.5µs");
}

TEST(Clock, Rfc3339TrimsTrailingZeros) {
  EXPECT_EQ(rfc3339_utc(1'700'000'000'500'000'000), "2023-11-14T22:13:20.5Z");
  EXPECT_EQ(rfc3339_utc(1'700'000'000'000'000'000), "2023-11-14T22:13:20Z");
}

TEST(Logger, RotatesPastTheSizeLimit) {
  char dir[] = "/tmp/natsd-logtest-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/natsd.log";
  Logger& log = Logger::instance();
  Logger::Settings s;
  s.file = file;
  s.size_limit = 200;
  ASSERT_TRUE(log.configure(s));
  for (int i = 0; i < 20; ++i) log_notice("line {} with some padding to fill the file", i);
  int backups = 0;
  std::string cmd = std::string("ls ") + dir + " | grep -c 'natsd.log.'";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(fscanf(p, "%d", &backups), 1);
  pclose(p);
  EXPECT_GE(backups, 2);
  ASSERT_TRUE(log.configure(Logger::Settings{}));  // back to stderr
  std::string rm = std::string("rm -rf ") + dir;
  ASSERT_EQ(system(rm.c_str()), 0);
}

}  // namespace nats
