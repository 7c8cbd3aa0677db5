#include "server/reload_plan.h"

#include <gtest/gtest.h>

namespace nats {
namespace {

Options base() {
  Options o;
  o.config_file = "/etc/nats.conf";
  o.users = {User{"alice", "a", std::nullopt, ""}};
  set_baseline_options(o);
  return o;
}

TEST(ReloadPlan, NothingChanged) {
  ReloadPlan p = plan_reload(base(), base());
  EXPECT_TRUE(p.error.empty());
  EXPECT_FALSE(p.any());
}

TEST(ReloadPlan, UnreloadableOptionsUseNatsServerWords) {
  Options next = base();
  next.port = 5222;
  EXPECT_EQ(plan_reload(base(), next).error,
            "config reload not supported for Port: old=4222, new=5222");
  next = base();
  next.server_name = "b";
  EXPECT_EQ(plan_reload(base(), next).error,
            "config reload not supported for ServerName: old=, new=b");
  next = base();
  next.jetstream = true;
  EXPECT_EQ(plan_reload(base(), next).error,
            "config reload not supported for JetStream: old=false, new=true");
  // A random port asked for again is not a change.
  next = base();
  next.port = kRandomPort;
  EXPECT_TRUE(plan_reload(base(), next).error.empty());
}

TEST(ReloadPlan, ClassifiesWhatChanged) {
  Options next = base();
  next.debug = true;
  next.users[0].password = "b";
  next.max_payload = 100;
  next.max_connections = 5;
  next.tls_timeout = std::chrono::seconds(5);
  ReloadPlan p = plan_reload(base(), next);
  EXPECT_TRUE(p.error.empty()) << p.error;
  EXPECT_TRUE(p.logging);
  EXPECT_TRUE(p.authorization);
  EXPECT_TRUE(p.max_connections);
  EXPECT_FALSE(p.tls);
  EXPECT_EQ(p.changed, (std::vector<std::string>{"debug", "users", "tls_timeout",
                                                  "max_connections", "max_payload"}));
}

TEST(ReloadPlan, TlsChangesRecheckClients) {
  Options next = base();
  next.tls = true;
  next.tls_cert = "c.pem";
  next.tls_key = "k.pem";
  ReloadPlan p = plan_reload(base(), next);
  EXPECT_TRUE(p.tls);
  EXPECT_TRUE(p.authorization);
  next = base();
  next.tls_map = true;
  EXPECT_TRUE(plan_reload(base(), next).authorization);
}

TEST(ReloadPlan, NoAuthUserOnlyGoesAwayWithItsUser) {
  Options now = base();
  now.no_auth_user = "alice";
  Options next = now;
  next.no_auth_user = "";
  EXPECT_EQ(plan_reload(now, next).error,
            "config reload not supported for NoAuthUser: old=alice, new=");
  next.users.clear();
  ReloadPlan p = plan_reload(now, next);
  EXPECT_TRUE(p.error.empty()) << p.error;
  EXPECT_TRUE(p.authorization);
  next = base();
  next.no_auth_user = "alice";
  EXPECT_FALSE(plan_reload(base(), next).error.empty());  // setting one is refused too
}

}  // namespace
}  // namespace nats
