#include "config/go_path.h"

#include <gtest/gtest.h>

namespace nats::config {
namespace {

TEST(GoPath, Clean) {
  EXPECT_EQ(go_clean_path(""), ".");
  EXPECT_EQ(go_clean_path("."), ".");
  EXPECT_EQ(go_clean_path("a//b/./c/"), "a/b/c");
  EXPECT_EQ(go_clean_path("a/../../b"), "../b");
  EXPECT_EQ(go_clean_path("/../a/.."), "/");
  EXPECT_EQ(go_clean_path("./x.conf"), "x.conf");
  EXPECT_EQ(go_clean_path("//etc///nats"), "/etc/nats");
}

TEST(GoPath, Dir) {
  EXPECT_EQ(go_dir(""), ".");
  EXPECT_EQ(go_dir("nats.conf"), ".");
  EXPECT_EQ(go_dir("conf/nats.conf"), "conf");
  EXPECT_EQ(go_dir("/nats.conf"), "/");
  EXPECT_EQ(go_dir("/etc/nats/"), "/etc/nats");
  EXPECT_EQ(go_dir("./a/./b.conf"), "a");
}

TEST(GoPath, Join) {
  EXPECT_EQ(go_join_path(".", "x.conf"), "x.conf");
  EXPECT_EQ(go_join_path("", "x.conf"), "x.conf");
  EXPECT_EQ(go_join_path("/etc/nats", "inc/x.conf"), "/etc/nats/inc/x.conf");
  EXPECT_EQ(go_join_path("/etc/nats", "../x.conf"), "/etc/x.conf");
  EXPECT_EQ(go_join_path("/etc/nats", "/x.conf"), "/etc/nats/x.conf");  // not reset
  EXPECT_EQ(go_join_path("conf", ""), "conf");
}

}  // namespace
}  // namespace nats::config
