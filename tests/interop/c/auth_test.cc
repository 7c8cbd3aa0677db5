// Authentication and authorization with nats.c against a server started with
// tests/interop/auth/auth.conf: user/password (plain and bcrypt), nkey with a seed file, and
// permission violations reported to the client's error handler while the connection stays up.

#include <cstring>
#include <mutex>
#include <string>

#include "interop_env.h"

namespace interop {
namespace {

constexpr const char* kNkeyPublic = "UBJKMBQTNUESN3DRTF5R47LVXWOKHCZENMNRUABDPPEJE5QTGKTDNLR5";

std::string seed_file() {
  const char* dir = std::getenv("INTEROP_AUTH_DIR");
  return std::string(dir ? dir : "tests/interop/auth") + "/user.nk";
}

// Collects the asynchronous errors nats.c reports (permission violations).
struct ErrorLog {
  std::mutex mu;
  std::string text;
  static void handler(natsConnection* nc, natsSubscription*, natsStatus s, void* closure) {
    auto* self = static_cast<ErrorLog*>(closure);
    const char* detail = nullptr;
    natsConnection_GetLastError(nc, &detail);
    std::lock_guard lock(self->mu);
    self->text += std::string(natsStatus_GetText(s)) + ": " + (detail ? detail : "") + "\n";
  }
  std::string get() {
    std::lock_guard lock(mu);
    return text;
  }
};

natsStatus try_connect(natsOptions* o, natsConnection** nc) {
  natsOptions_SetMaxReconnect(o, 0);
  return natsConnection_Connect(nc, o);
}

TEST(InteropAuth, UserPasswordRightAndWrong) {
  OptsPtr good = make_options("alice");
  ASSERT_NATS_OK(natsOptions_SetUserInfo(good.get(), "alice", "apass"));
  ConnPtr nc = connect("alice", good.get());
  ASSERT_TRUE(nc);

  OptsPtr bad = make_options("alice-wrong");
  ASSERT_NATS_OK(natsOptions_SetUserInfo(bad.get(), "alice", "nope"));
  natsConnection* raw = nullptr;
  EXPECT_EQ(try_connect(bad.get(), &raw), NATS_CONNECTION_AUTH_FAILED);
  natsConnection_Destroy(raw);

  OptsPtr none = make_options("anonymous");
  raw = nullptr;
  EXPECT_EQ(try_connect(none.get(), &raw), NATS_CONNECTION_AUTH_FAILED);
  natsConnection_Destroy(raw);
}

TEST(InteropAuth, BcryptPassword) {
  OptsPtr good = make_options("bob");
  ASSERT_NATS_OK(natsOptions_SetUserInfo(good.get(), "bob", "bpass"));
  ConnPtr nc = connect("bob", good.get());
  ASSERT_TRUE(nc);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(nc.get(), kFlushTimeoutMs));

  OptsPtr bad = make_options("bob-wrong");
  ASSERT_NATS_OK(natsOptions_SetUserInfo(bad.get(), "bob", "bpas"));
  natsConnection* raw = nullptr;
  EXPECT_EQ(try_connect(bad.get(), &raw), NATS_CONNECTION_AUTH_FAILED);
  natsConnection_Destroy(raw);
}

TEST(InteropAuth, NkeyFromSeedFile) {
  OptsPtr o = make_options("nkey-user");
  ASSERT_NATS_OK(natsOptions_SetNKeyFromSeed(o.get(), kNkeyPublic, seed_file().c_str()));
  ConnPtr nc = connect("nkey-user", o.get());
  ASSERT_TRUE(nc);
  SubPtr sub = subscribe_sync(nc.get(), "ok.nkey");
  ASSERT_TRUE(sub);
  ASSERT_NATS_OK(natsConnection_PublishString(nc.get(), "ok.nkey", "signed"));
  natsMsg* m = nullptr;
  ASSERT_NATS_OK(natsSubscription_NextMsg(&m, sub.get(), kMsgTimeoutMs));
  MsgPtr msg(m);
  EXPECT_STREQ(natsMsg_GetData(msg.get()), "signed");
}

TEST(InteropAuth, PermissionViolationsReachTheErrorHandlerAndKeepTheConnection) {
  ErrorLog errors;
  OptsPtr o = make_options("alice-perms");
  ASSERT_NATS_OK(natsOptions_SetUserInfo(o.get(), "alice", "apass"));
  ASSERT_NATS_OK(natsOptions_SetErrorHandler(o.get(), &ErrorLog::handler, &errors));
  ConnPtr nc = connect("alice-perms", o.get());
  ASSERT_TRUE(nc);
  SubPtr ok_sub = subscribe_sync(nc.get(), "ok.x");
  ASSERT_TRUE(ok_sub);

  // One violation at a time: nats.c's error handler reads the connection's *last* error, so
  // two -ERRs arriving together would both be reported with the second text.
  auto wait_for = [&](const std::string& text) {
    const auto deadline = Clock::now() + 5s;
    while (Clock::now() < deadline && errors.get().find(text) == std::string::npos) nats_Sleep(20);
    return errors.get().find(text) != std::string::npos;
  };
  ASSERT_NATS_OK(natsConnection_PublishString(nc.get(), "bad.x", "nope"));
  ASSERT_NATS_OK(natsConnection_FlushTimeout(nc.get(), kFlushTimeoutMs));
  EXPECT_TRUE(wait_for("Permissions Violation for Publish to \"bad.x\"")) << errors.get();

  natsSubscription* denied = nullptr;
  ASSERT_NATS_OK(natsConnection_SubscribeSync(&denied, nc.get(), "bad.y"));
  SubPtr denied_sub(denied);
  ASSERT_NATS_OK(natsConnection_FlushTimeout(nc.get(), kFlushTimeoutMs));
  EXPECT_TRUE(wait_for("Permissions Violation for Subscription to \"bad.y\"")) << errors.get();

  // Still connected, and allowed traffic flows.
  EXPECT_FALSE(natsConnection_IsClosed(nc.get()));
  ASSERT_NATS_OK(natsConnection_PublishString(nc.get(), "ok.x", "fine"));
  natsMsg* m = nullptr;
  ASSERT_NATS_OK(natsSubscription_NextMsg(&m, ok_sub.get(), kMsgTimeoutMs));
  MsgPtr msg(m);
  EXPECT_STREQ(natsMsg_GetData(msg.get()), "fine");
}

}  // namespace
}  // namespace interop
