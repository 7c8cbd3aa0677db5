#include "body_template.h"

#include <gtest/gtest.h>

namespace nats::cli {
namespace {

// 2024-02-03T04:05:06Z
constexpr int64_t kWall = 1706933106LL * 1000000000LL + 123;

std::string render(std::string_view text, uint64_t count = 7, std::string_view request = {}) {
  std::string error;
  auto t = BodyTemplate::parse(text, &error);
  EXPECT_TRUE(t) << error;
  return t ? t->render(TemplateContext{count, kWall, request}) : "";
}

TEST(BodyTemplate, PlainTextIsConstant) {
  std::string error;
  auto t = BodyTemplate::parse("hello world", &error);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->is_constant());
  EXPECT_EQ(t->render({}), "hello world");
  EXPECT_EQ(render(""), "");
}

TEST(BodyTemplate, CountAndTimes) {
  EXPECT_EQ(render("msg {{Count}}"), "msg 7");
  EXPECT_EQ(render("{{ Count }}/{{Count}}", 12), "12/12");
  EXPECT_EQ(render("{{TimeStamp}}"), "2024-02-03T04:05:06Z");
  EXPECT_EQ(render("{{Unix}}"), "1706933106");
  EXPECT_EQ(render("{{UnixNano}}"), "1706933106000000123");
  EXPECT_EQ(render("{{Time}}"), "04:05:06");
  EXPECT_EQ(render("got {{Request}}!", 1, "ping"), "got ping!");
}

TEST(BodyTemplate, IdIsFreshEachTime) {
  std::string error;
  auto t = BodyTemplate::parse("{{ID}}", &error);
  ASSERT_TRUE(t);
  const std::string a = t->render({});
  EXPECT_EQ(a.size(), 22u);
  EXPECT_NE(a, t->render({}));
}

TEST(BodyTemplate, ErrorsNameTheProblem) {
  std::string error;
  EXPECT_FALSE(BodyTemplate::parse("{{Nope}}", &error));
  EXPECT_NE(error.find("unknown template field 'Nope'"), std::string::npos);
  EXPECT_FALSE(BodyTemplate::parse("{{Count", &error));
  EXPECT_EQ(error, "unclosed {{ in the body template");
}

}  // namespace
}  // namespace nats::cli
