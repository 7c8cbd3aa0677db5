#include "context_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace nats::cli {
namespace {

namespace fs = std::filesystem;

class ContextStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("nats-ctx-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path root_;
};

TEST_F(ContextStoreTest, SaveListLoadSelectRemove) {
  ContextStore store(root_);
  EXPECT_TRUE(store.list().empty());
  EXPECT_EQ(store.selected(), "");
  std::string error;
  NatsContext dev;
  dev.name = "dev";
  dev.url = "nats://dev:4222";
  dev.user = "u";
  dev.password = "p";
  dev.description = "development";
  ASSERT_TRUE(store.save(dev, &error)) << error;
  NatsContext prod;
  prod.name = "prod";
  prod.token = "t0k";
  ASSERT_TRUE(store.save(prod, &error)) << error;
  EXPECT_EQ(store.list(), (std::vector<std::string>{"dev", "prod"}));
  EXPECT_TRUE(fs::exists(root_ / "nats" / "context" / "dev.json"));
  EXPECT_EQ(
      (fs::status(root_ / "nats" / "context" / "dev.json").permissions() & fs::perms::group_all),
      fs::perms::none);

  auto loaded = store.load("dev", &error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(loaded->url, "nats://dev:4222");
  EXPECT_EQ(loaded->password, "p");
  EXPECT_EQ(loaded->description, "development");

  ASSERT_TRUE(store.select("dev", &error)) << error;
  EXPECT_EQ(read(root_ / "nats" / "context.txt"), "dev");
  ASSERT_TRUE(store.select("prod", &error));
  EXPECT_EQ(store.selected(), "prod");
  EXPECT_EQ(store.previous(), "dev");
  EXPECT_FALSE(store.select("nope", &error));
  ASSERT_TRUE(store.unselect(&error));
  EXPECT_EQ(store.selected(), "");
  ASSERT_TRUE(store.remove("dev", &error));
  EXPECT_EQ(store.list(), (std::vector<std::string>{"prod"}));
}

TEST_F(ContextStoreTest, UnknownFieldsSurviveARewrite) {
  fs::create_directories(root_ / "nats" / "context");
  std::ofstream(root_ / "nats" / "context" / "ng.json")
      << R"({"description":"from natscli","url":"nats://a","socks_proxy":"socks5://p","jetstream_domain":"hub"})";
  ContextStore store(root_);
  std::string error;
  auto c = store.load("ng", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->url, "nats://a");
  c->user = "x";
  ASSERT_TRUE(store.save(*c, &error));
  const auto j = nlohmann::json::parse(read(root_ / "nats" / "context" / "ng.json"));
  EXPECT_EQ(j["socks_proxy"], "socks5://p");
  EXPECT_EQ(j["jetstream_domain"], "hub");
  EXPECT_EQ(j["user"], "x");
  EXPECT_EQ(j["description"], "from natscli");
}

TEST_F(ContextStoreTest, NamesAreChecked) {
  std::string error;
  EXPECT_FALSE(ContextStore::valid_name("", &error));
  EXPECT_FALSE(ContextStore::valid_name("../x", &error));
  EXPECT_FALSE(ContextStore::valid_name("a/b", &error));
  EXPECT_TRUE(ContextStore::valid_name("my.ctx-1", &error));
  ContextStore store(root_);
  EXPECT_FALSE(store.load("missing", &error));
  EXPECT_NE(error.find("unknown context"), std::string::npos);
}

}  // namespace
}  // namespace nats::cli
