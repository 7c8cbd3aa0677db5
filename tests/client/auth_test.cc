// Authentication and permissions against a server started with tests/client/auth.conf (users,
// an nkey user, permissions) or with --auth (token). Registered twice: natsd and nats-server.

#include <atomic>
#include <fstream>
#include <mutex>

#include "test_env.h"

namespace nats::client::testing {
namespace {

using namespace std::chrono_literals;

std::string nkey_seed() {
  const char* dir = std::getenv("CLIENT_AUTH_DIR");
  std::ifstream in(std::string(dir ? dir : "tests/interop/auth") + "/user.nk");
  std::string seed;
  std::getline(in, seed);
  return seed;
}

TEST(ClientAuth, UserPassword) {
  Options o = test_options();
  o.user = "alice";
  o.password = "apass";
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  EXPECT_TRUE(nc->server_info().auth_required);
  auto sub = nc->subscribe_sync("ok.hello");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(nc->publish("ok.hello", "hi"));
  EXPECT_EQ(sub->next_msg(2s)->data(), "hi");
}

TEST(ClientAuth, CredentialsInTheUrl) {
  Options o = test_options();
  const std::string url = server_url();
  o.servers = {"nats://alice:apass@" + url.substr(url.find("://") + 3)};
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  EXPECT_TRUE(nc->flush());
}

TEST(ClientAuth, WrongPasswordIsAnAuthorizationError) {
  Options o = test_options();
  o.user = "alice";
  o.password = "wrong";
  auto nc = Connection::connect(o);
  ASSERT_FALSE(nc);
  EXPECT_EQ(nc.code(), Errc::kAuthorization) << nc.status().to_string();
  Options none = test_options();
  EXPECT_EQ(Connection::connect(none).code(), Errc::kAuthorization);
}

TEST(ClientAuth, NkeySignsTheNonce) {
  Options o = test_options();
  o.nkey_seed = nkey_seed();
  ASSERT_FALSE(o.nkey_seed.empty());
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  EXPECT_FALSE(nc->server_info().nonce.empty());
  auto sub = nc->subscribe_sync("ok.nkey");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(nc->publish("ok.nkey", "signed"));
  EXPECT_EQ(sub->next_msg(2s)->data(), "signed");
}

TEST(ClientAuth, PermissionViolationsReachTheErrorCallback) {
  Options o = test_options();
  o.user = "alice";
  o.password = "apass";
  std::mutex mu;
  std::vector<std::pair<Errc, std::string>> errors;
  o.error_cb = [&](Connection&, const Status& s, std::string_view subject) {
    std::lock_guard lock(mu);
    errors.emplace_back(s.code(), std::string(subject));
  };
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  ASSERT_TRUE(nc->publish("forbidden.pub", "x"));  // accepted locally, refused by the server
  ASSERT_TRUE(nc->flush());
  auto sub = nc->subscribe_sync("forbidden.sub");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(nc->flush());
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard lock(mu);
    return errors.size() == 2;
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(errors[0], std::make_pair(Errc::kPermissionViolation, std::string("forbidden.pub")));
  EXPECT_EQ(errors[1], std::make_pair(Errc::kPermissionViolation, std::string("forbidden.sub")));
  EXPECT_TRUE(nc->is_connected());  // a permission violation does not close the connection
  EXPECT_EQ(nc->last_error().code(), Errc::kPermissionViolation);
}

TEST(ClientToken, TokenAuth) {
  Options o = test_options();
  o.token = "s3cr3t";
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  EXPECT_TRUE(nc->flush());
  Options bad = test_options();
  bad.token = "nope";
  EXPECT_EQ(Connection::connect(bad).code(), Errc::kAuthorization);
}

}  // namespace
}  // namespace nats::client::testing
