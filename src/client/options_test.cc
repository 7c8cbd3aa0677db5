#include <gtest/gtest.h>

#include "nats/options.h"
#include "server_pool.h"

namespace nats::client {
namespace {

TEST(Options, DefaultsAreValid) { EXPECT_TRUE(Options().validate()); }

TEST(Options, RefusesBadValues) {
  auto invalid = [](auto change) {
    Options o;
    change(o);
    return o.validate().code() == Errc::kInvalidArgument;
  };
  EXPECT_TRUE(invalid([](Options& o) { o.servers.clear(); }));
  EXPECT_TRUE(invalid([](Options& o) { o.servers = {"nats://h:99999"}; }));
  EXPECT_TRUE(invalid([](Options& o) { o.connect_timeout = Options::Millis(0); }));
  EXPECT_TRUE(invalid([](Options& o) { o.ping_interval = Options::Millis(-1); }));
  EXPECT_TRUE(invalid([](Options& o) { o.max_pings_out = 0; }));
  EXPECT_TRUE(invalid([](Options& o) { o.inbox_prefix = "bad prefix"; }));
  EXPECT_TRUE(invalid([](Options& o) { o.inbox_prefix = "wild.*"; }));
  EXPECT_TRUE(invalid([](Options& o) { o.inbox_prefix = "trailing."; }));
  EXPECT_TRUE(invalid([](Options& o) { o.pending_msgs_limit = 0; }));
  EXPECT_TRUE(invalid([](Options& o) {
    o.user = "a";
    o.token = "t";
  }));
  EXPECT_TRUE(invalid([](Options& o) { o.password = "p"; }));
}

TEST(Options, SplitServerList) {
  EXPECT_EQ(split_server_list("nats://a:1, b:2 ,,c"),
            (std::vector<std::string>{"nats://a:1", "b:2", "c"}));
  EXPECT_TRUE(split_server_list("").empty());
}

TEST(ServerPool, KeepsOrderWhenNotRandomized) {
  auto pool = detail::ServerPool::make({"a:1", "b:2", "c:3"}, false);
  ASSERT_TRUE(pool);
  EXPECT_EQ(pool->urls(), (std::vector<std::string>{"nats://a:1", "nats://b:2", "nats://c:3"}));
}

TEST(ServerPool, RandomizesOrder) {
  std::vector<std::string> many;
  for (int i = 1; i <= 20; ++i) many.push_back("h:" + std::to_string(i));
  bool reordered = false;
  for (int attempt = 0; attempt < 5 && !reordered; ++attempt) {
    auto pool = detail::ServerPool::make(many, true);
    ASSERT_TRUE(pool);
    auto urls = pool->urls();
    ASSERT_EQ(urls.size(), many.size());
    for (size_t i = 0; i < many.size(); ++i) reordered |= urls[i] != "nats://" + many[i];
  }
  EXPECT_TRUE(reordered);
}

TEST(ServerPool, DiscoveredServersAndAttempts) {
  auto pool = detail::ServerPool::make({"nats://u:p@a:1"}, false);
  ASSERT_TRUE(pool);
  EXPECT_TRUE(pool->add_discovered({"a:1", "b:2"}));  // a:1 is known, b:2 new
  EXPECT_FALSE(pool->add_discovered({"b:2"}));
  EXPECT_EQ(pool->discovered_urls(), (std::vector<std::string>{"nats://b:2"}));
  auto c = pool->candidates(2);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].user, "u");  // inherits the configured credentials
  pool->record_failure(c[0]);
  pool->record_failure(c[0]);
  EXPECT_EQ(pool->candidates(2).size(), 1u);
  EXPECT_EQ(pool->candidates(-1).size(), 2u);
  pool->record_success(c[0]);
  EXPECT_EQ(pool->candidates(2).size(), 2u);
  pool->move_to_back(c[0]);
  EXPECT_EQ(pool->urls().front(), "nats://b:2");
}

TEST(ServerPool, RefusesBadUrls) {
  EXPECT_FALSE(detail::ServerPool::make({"a:1", "bad:port"}, false));
  EXPECT_FALSE(detail::ServerPool::make({}, false));
}

}  // namespace
}  // namespace nats::client
