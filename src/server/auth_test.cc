// Permission matching and authentication rules, without sockets. The expectations follow
// nats-server 2.10 (and were checked by hand against nats-server 2.9.10 where it can run them).

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>

#include <sodium.h>

#include "crypto/bcrypt.h"
#include "crypto/nkeys.h"
#include "crypto/nuid.h"
#include "crypto/random.h"
#include "server/auth.h"
#include "server/authenticator.h"
#include "server/options.h"
#include "server/permissions.h"
#include "server/subscription.h"

namespace nats {
namespace {

using namespace std::chrono_literals;

constexpr int kTestBcryptCost = 4;  // the cheapest bcrypt: keeps the tests fast

Permissions pub_sub(std::vector<std::string> pub_allow, std::vector<std::string> pub_deny,
                    std::vector<std::string> sub_allow, std::vector<std::string> sub_deny) {
  Permissions p;
  p.publish = SubjectPermission{std::move(pub_allow), std::move(pub_deny)};
  p.subscribe = SubjectPermission{std::move(sub_allow), std::move(sub_deny)};
  return p;
}

std::string base64(const crypto::Signature& sig, int variant) {
  std::string out(sodium_base64_ENCODED_LEN(sig.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), sig.data(), sig.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// ---------------------------------------------------------------------------------------------
// bcrypt

TEST(Bcrypt, RecognisesHashesTheWayNatsServerDoes) {
  EXPECT_TRUE(crypto::is_bcrypt("$2a$11$abcdefghijklmnopqrstuv"));
  EXPECT_TRUE(crypto::is_bcrypt("$2b$04$x"));
  EXPECT_TRUE(crypto::is_bcrypt("$2y$10$"));
  EXPECT_TRUE(crypto::is_bcrypt("$2x$10$"));
  EXPECT_FALSE(crypto::is_bcrypt("$2c$10$abc"));
  EXPECT_FALSE(crypto::is_bcrypt("$2a$1$abc"));
  EXPECT_FALSE(crypto::is_bcrypt("$1$salt$hash"));
  EXPECT_FALSE(crypto::is_bcrypt("plain"));
  EXPECT_FALSE(crypto::is_bcrypt(""));
}

TEST(Bcrypt, VerifiesWhatItHashedAndNothingElse) {
  const std::string hash = crypto::bcrypt_hash("s3cret", kTestBcryptCost);
  ASSERT_TRUE(crypto::is_bcrypt(hash)) << hash;
  EXPECT_EQ(hash.rfind("$2b$04$", 0), 0u);
  EXPECT_TRUE(crypto::bcrypt_verify(hash, "s3cret"));
  EXPECT_FALSE(crypto::bcrypt_verify(hash, "s3cret "));
  EXPECT_FALSE(crypto::bcrypt_verify(hash, ""));
  // crypt_r reads C strings: a NUL must not let "s3cret\0junk" pass for "s3cret".
  EXPECT_FALSE(crypto::bcrypt_verify(hash, std::string("s3cret\0junk", 11)));
  EXPECT_FALSE(crypto::bcrypt_verify("$2b$04$short", "s3cret"));
  EXPECT_FALSE(crypto::bcrypt_verify("plain", "plain"));
  // $2a$ hashes (what nats-server's `nats server passwd` tool makes) verify as well.
  std::string a = hash;
  a[2] = 'a';
  EXPECT_TRUE(crypto::bcrypt_verify(a, "s3cret"));
}

// ---------------------------------------------------------------------------------------------
// Subject helpers

TEST(Permissions, SplitsSubjectAndQueueLikeNatsServer) {
  std::string s, q;
  EXPECT_TRUE(split_subject_queue("foo.>", s, q));
  EXPECT_EQ(s, "foo.>");
  EXPECT_EQ(q, "");
  EXPECT_TRUE(split_subject_queue("  foo.*   v1.*  ", s, q));
  EXPECT_EQ(s, "foo.*");
  EXPECT_EQ(q, "v1.*");
  EXPECT_FALSE(split_subject_queue("a b c", s, q));
  EXPECT_FALSE(split_subject_queue("", s, q));
  EXPECT_FALSE(split_subject_queue("foo..bar", s, q));
  EXPECT_FALSE(split_subject_queue("foo bar..baz", s, q));
}

TEST(Permissions, SubjectsCollideWhenSomeLiteralMatchesBoth) {
  EXPECT_TRUE(subjects_collide("foo.bar", "foo.bar"));
  EXPECT_FALSE(subjects_collide("foo.bar", "foo.baz"));
  EXPECT_TRUE(subjects_collide("foo.*", "foo.bar"));
  EXPECT_TRUE(subjects_collide("foo.bar", "foo.>"));
  EXPECT_TRUE(subjects_collide("foo.*", "*.bar"));
  EXPECT_TRUE(subjects_collide(">", "a.b.c"));
  EXPECT_TRUE(subjects_collide("foo.>", "*.bar.baz"));
  EXPECT_FALSE(subjects_collide("foo.*", "foo.*.baz"));
  EXPECT_FALSE(subjects_collide("foo.>", "foo"));
  EXPECT_FALSE(subjects_collide("foo.*", "bar.*"));
  EXPECT_FALSE(subjects_collide("a.*.c", "a.b.d"));
}

// ---------------------------------------------------------------------------------------------
// Publish permissions

TEST(Permissions, NoAllowListAllowsEverythingNotDenied) {
  CompiledPermissions p(pub_sub({}, {"secret.>", "x"}, {}, {}));
  EXPECT_TRUE(p.restricts_publish());
  EXPECT_TRUE(p.publish_allowed("foo"));
  EXPECT_TRUE(p.publish_allowed("secret"));
  EXPECT_FALSE(p.publish_allowed("secret.a"));
  EXPECT_FALSE(p.publish_allowed("secret.a.b"));
  EXPECT_FALSE(p.publish_allowed("x"));
}

TEST(Permissions, AllowListWithWildcardsAndDenyWinning) {
  CompiledPermissions p(pub_sub({"foo.>", "bar.*", "baz"}, {"foo.secret"}, {}, {}));
  EXPECT_TRUE(p.publish_allowed("foo.a"));
  EXPECT_TRUE(p.publish_allowed("foo.a.b"));
  EXPECT_FALSE(p.publish_allowed("foo"));
  EXPECT_FALSE(p.publish_allowed("foo.secret"));
  EXPECT_TRUE(p.publish_allowed("foo.secret.not"));
  EXPECT_TRUE(p.publish_allowed("bar.x"));
  EXPECT_FALSE(p.publish_allowed("bar.x.y"));
  EXPECT_TRUE(p.publish_allowed("baz"));
  EXPECT_FALSE(p.publish_allowed("other"));
  // A wildcard in a published subject is just a token, matched only by wildcards in the list.
  EXPECT_TRUE(p.publish_allowed("bar.*"));
  EXPECT_FALSE(p.publish_allowed("baz.*"));
}

TEST(Permissions, OnlySubscribeRulesLeavePublishingUnchecked) {
  Permissions perms;
  perms.subscribe = SubjectPermission{{"foo"}, {}};
  CompiledPermissions p(perms);
  EXPECT_FALSE(p.restricts_publish());
  EXPECT_TRUE(p.publish_allowed("anything"));
}

TEST(Permissions, InvalidEntriesAreSkippedAndReported) {
  std::vector<std::string> errors;
  Permissions perms = pub_sub({"foo..bar", "ok"}, {"q.> grp"}, {"a b c"}, {});
  CompiledPermissions p(perms, &errors);
  EXPECT_EQ(errors.size(), 3u);
  EXPECT_TRUE(p.publish_allowed("ok"));
  EXPECT_FALSE(p.publish_allowed("foo..bar"));
  // A queue on a publish deny keeps the subject part.
  EXPECT_FALSE(p.publish_allowed("q.x"));
  // An allow list whose entries were all invalid still exists: nothing is allowed.
  EXPECT_FALSE(p.can_subscribe("a", ""));
}

// ---------------------------------------------------------------------------------------------
// Subscribe permissions

TEST(Permissions, SubscribeAllowAndDenyWithWildcards) {
  CompiledPermissions p(pub_sub({}, {}, {"foo.*", "bar.>"}, {"foo.denied", "bar.secret.>"}));
  EXPECT_TRUE(p.can_subscribe("foo.a", ""));
  EXPECT_TRUE(p.can_subscribe("foo.*", ""));
  EXPECT_FALSE(p.can_subscribe("foo.denied", ""));
  EXPECT_FALSE(p.can_subscribe("foo.a.b", ""));
  EXPECT_FALSE(p.can_subscribe(">", ""));
  EXPECT_TRUE(p.can_subscribe("bar.x.y", ""));
  EXPECT_TRUE(p.can_subscribe("bar.>", ""));
  EXPECT_FALSE(p.can_subscribe("bar.secret.x", ""));
  EXPECT_FALSE(p.can_subscribe("bar.secret.>", ""));
  // nats-server matches the subscription subject token by token, so "*" in the list also
  // covers a ">" token: allow "foo.*" lets SUB foo.> through (checked against 2.9.10).
  EXPECT_TRUE(p.can_subscribe("foo.>", ""));
}

TEST(Permissions, QueueQualifiedAllowEntries) {
  // allow = ["foo"]           -> plain and queue subscriptions to foo, any queue
  // allow = ["bar v1"]        -> only queue subscriptions to bar in group v1
  // allow = ["baz", "baz v1"] -> plain subscriptions to baz, queue subscriptions only in v1
  CompiledPermissions p(pub_sub({}, {}, {"foo", "bar v1", "baz", "baz v1", "wq.> g.*"}, {}));
  EXPECT_TRUE(p.can_subscribe("foo", ""));
  EXPECT_TRUE(p.can_subscribe("foo", "any"));
  EXPECT_FALSE(p.can_subscribe("bar", ""));
  EXPECT_TRUE(p.can_subscribe("bar", "v1"));
  EXPECT_FALSE(p.can_subscribe("bar", "v2"));
  EXPECT_TRUE(p.can_subscribe("baz", ""));
  EXPECT_TRUE(p.can_subscribe("baz", "v1"));
  EXPECT_FALSE(p.can_subscribe("baz", "v2"));
  // Wildcard queue names cover groups they match.
  EXPECT_TRUE(p.can_subscribe("wq.a", "g.1"));
  EXPECT_FALSE(p.can_subscribe("wq.a", "h.1"));
  EXPECT_FALSE(p.can_subscribe("wq.a", ""));
}

TEST(Permissions, QueueQualifiedDenyEntriesRefuseOnlyThatGroup) {
  CompiledPermissions p(pub_sub({}, {}, {}, {"q.* g1", "plain"}));
  EXPECT_TRUE(p.can_subscribe("q.x", ""));
  EXPECT_FALSE(p.can_subscribe("q.x", "g1"));
  EXPECT_TRUE(p.can_subscribe("q.x", "g2"));
  EXPECT_FALSE(p.can_subscribe("q.*", "g1"));
  EXPECT_FALSE(p.can_subscribe("plain", ""));
  EXPECT_FALSE(p.can_subscribe("plain", "g2"));
}

TEST(Permissions, DeliveryDenyFilterOnlyForOverlappingSubscriptions) {
  CompiledPermissions p(pub_sub({}, {}, {}, {"a.b", "q.* g1", "x.y.>"}));
  EXPECT_EQ(p.delivery_deny_filter("other.*", ""), nullptr);
  EXPECT_EQ(p.delivery_deny_filter("a.c", ""), nullptr);
  auto f = p.delivery_deny_filter("a.*", "");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(*f, std::vector<std::string>{"a.b"});
  auto all = p.delivery_deny_filter(">", "");
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->size(), 2u);  // "a.b" and "x.y.>"; the queue entry does not concern plain subs
  auto queued = p.delivery_deny_filter("q.>", "g1");
  ASSERT_NE(queued, nullptr);
  EXPECT_EQ(*queued, std::vector<std::string>{"q.*"});
  EXPECT_EQ(p.delivery_deny_filter("q.>", "g2"), nullptr);
}

TEST(Permissions, SubscriptionFilterDropsDeniedSubjects) {
  CompiledPermissions p(pub_sub({}, {}, {}, {"a.b"}));
  Subscription s;
  s.subject = "a.*";
  EXPECT_FALSE(s.delivery_denied("a.b"));  // no filter yet
  s.deny_filter.store(p.delivery_deny_filter(s.subject, "").release());
  EXPECT_TRUE(s.delivery_denied("a.b"));
  EXPECT_FALSE(s.delivery_denied("a.c"));
}

// ---------------------------------------------------------------------------------------------
// Per-connection state: publish cache and responses

TEST(ClientPermissions, CachesVerdictsWithinABound) {
  CompiledPermissions rules(pub_sub({"ok.>"}, {}, {}, {}));
  ClientPermissions c(rules);
  for (int i = 0; i < 2000; ++i) {
    EXPECT_EQ(c.publish_allowed("ok." + std::to_string(i)), true);
    EXPECT_EQ(c.publish_allowed("no." + std::to_string(i)), false);
  }
  EXPECT_LE(c.cached_verdicts(), 256u);
  EXPECT_GT(c.cached_verdicts(), 0u);
  EXPECT_TRUE(c.publish_allowed("ok.again"));
}

TEST(ClientPermissions, ResponsePermissionDefaultsAndRestrictsPublishing) {
  Permissions perms;
  perms.response = ResponsePermission{0, 0ns};
  CompiledPermissions rules(perms);
  ASSERT_TRUE(rules.response().has_value());
  EXPECT_EQ(rules.response()->max_msgs, 1);
  EXPECT_EQ(rules.response()->expires, std::chrono::minutes(2));
  // With no publish allow list, only replies may be published.
  EXPECT_TRUE(rules.restricts_publish());
  EXPECT_FALSE(rules.publish_allowed("anything"));
}

TEST(ClientPermissions, RepliesMayBeAnsweredMaxTimesBeforeTheyExpire) {
  Permissions perms;
  perms.publish = SubjectPermission{{"svc.>"}, {}};
  perms.response = ResponsePermission{2, 1s};
  CompiledPermissions rules(perms);
  ClientPermissions c(rules);
  const int64_t t0 = 1'000'000'000;
  EXPECT_FALSE(c.may_publish("_INBOX.1", t0));
  c.add_reply("_INBOX.1", t0);
  c.add_reply("svc.reply", t0);  // publishable anyway: not tracked
  EXPECT_EQ(c.tracked_replies(), 1u);
  EXPECT_TRUE(c.may_publish("_INBOX.1", t0 + 1));
  EXPECT_TRUE(c.may_publish("_INBOX.1", t0 + 2));
  EXPECT_FALSE(c.may_publish("_INBOX.1", t0 + 3));  // max 2 used up
  c.add_reply("_INBOX.2", t0);
  EXPECT_FALSE(c.may_publish("_INBOX.2", t0 + 1'500'000'000));  // expired after 1s
  EXPECT_EQ(c.tracked_replies(), 0u);
  // Unlimited when negative.
  Permissions forever;
  forever.response = ResponsePermission{-1, -1ns};
  CompiledPermissions frules(forever);
  ClientPermissions f(frules);
  f.add_reply("r", 0);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(f.may_publish("r", int64_t(i) * 3'600'000'000'000));
}

TEST(ClientPermissions, PruningForgetsUsedAndExpiredReplies) {
  Permissions perms;
  perms.response = ResponsePermission{1, 1s};
  CompiledPermissions rules(perms);
  ClientPermissions c(rules);
  c.add_reply("a", 0);
  c.add_reply("b", 0);
  EXPECT_TRUE(c.may_publish("a", 1));
  c.add_reply("c", 500'000'000);
  c.prune_replies(1'200'000'000);
  EXPECT_EQ(c.tracked_replies(), 1u);  // "a" used up, "b" expired, "c" left
  EXPECT_TRUE(c.may_publish("c", 1'300'000'000));
}

// ---------------------------------------------------------------------------------------------
// Authentication

AuthRequest user_pass(std::string_view u, std::string_view p) {
  AuthRequest r;
  r.user = u;
  r.password = p;
  return r;
}

TEST(Authenticator, NothingConfiguredAcceptsEveryone) {
  Options o;
  Authenticator a(o);
  EXPECT_FALSE(a.auth_required());
  EXPECT_FALSE(a.nonce_required());
  EXPECT_EQ(a.authenticate(user_pass("x", "y")).status, AuthStatus::kAccepted);
}

TEST(Authenticator, PlainTokenAndSingleUser) {
  Options o;
  o.authorization = "tok";
  Authenticator t(o);
  EXPECT_TRUE(t.auth_required());
  EXPECT_TRUE(t.advertise_auth_required());
  AuthRequest r;
  r.token = "tok";
  EXPECT_EQ(t.authenticate(r).status, AuthStatus::kAccepted);
  r.token = "tok2";
  EXPECT_EQ(t.authenticate(r).status, AuthStatus::kRejected);
  EXPECT_EQ(t.authenticate(AuthRequest{}).status, AuthStatus::kRejected);

  Options u;
  u.username = "bob";
  u.password = "pw";
  Authenticator s(u);
  EXPECT_TRUE(s.has_plaintext_passwords());
  EXPECT_EQ(s.authenticate(user_pass("bob", "pw")).status, AuthStatus::kAccepted);
  EXPECT_EQ(s.authenticate(user_pass("bob", "no")).status, AuthStatus::kRejected);
  EXPECT_EQ(s.authenticate(user_pass("alice", "pw")).status, AuthStatus::kRejected);
}

TEST(Authenticator, BcryptTokenGoesToTheWorkerAndIsCachedOnlyOnSuccess) {
  Options o;
  o.authorization = crypto::bcrypt_hash("tok", kTestBcryptCost);
  Authenticator a(o);
  EXPECT_TRUE(a.uses_bcrypt());
  AuthRequest r;
  r.token = "wrong";
  AuthDecision d = a.authenticate(r);
  ASSERT_EQ(d.status, AuthStatus::kCheckPassword);
  EXPECT_EQ(d.hash, o.authorization);
  EXPECT_EQ(d.secret, "wrong");
  EXPECT_FALSE(a.verify_password(d.hash, d.secret));
  EXPECT_EQ(a.cached_passwords(), 0u);
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kCheckPassword);  // failures never cached

  r.token = "tok";
  d = a.authenticate(r);
  ASSERT_EQ(d.status, AuthStatus::kCheckPassword);
  EXPECT_TRUE(a.verify_password(d.hash, d.secret));
  EXPECT_EQ(a.cached_passwords(), 1u);
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kAccepted);  // now from the cache
}

TEST(Authenticator, PasswordCacheIsBoundedAndForgetsTheOldestFirst) {
  Options o;
  o.authorization = crypto::bcrypt_hash("tok", kTestBcryptCost);
  Authenticator a(o, /*max_cached_passwords=*/3);
  std::vector<std::string> hashes;
  for (int i = 0; i < 5; ++i) {
    hashes.push_back(crypto::bcrypt_hash("p" + std::to_string(i), kTestBcryptCost));
    ASSERT_TRUE(a.verify_password(hashes.back(), "p" + std::to_string(i)));
  }
  EXPECT_EQ(a.cached_passwords(), 3u);
  AuthRequest r;
  r.token = "tok";
  ASSERT_TRUE(a.verify_password(o.authorization, "tok"));
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kAccepted);
  EXPECT_EQ(a.cached_passwords(), 3u);
}

TEST(Authenticator, UsersWithPlainAndBcryptPasswords) {
  Options o;
  o.users.push_back(User{"alice", "apass", std::nullopt, ""});
  o.users.push_back(User{"bob", crypto::bcrypt_hash("bpass", kTestBcryptCost), std::nullopt, ""});
  Authenticator a(o);
  EXPECT_TRUE(a.auth_required());
  EXPECT_FALSE(a.nonce_required());
  AuthDecision d = a.authenticate(user_pass("alice", "apass"));
  EXPECT_EQ(d.status, AuthStatus::kAccepted);
  EXPECT_EQ(d.user, "alice");
  EXPECT_EQ(d.permissions, nullptr);
  EXPECT_EQ(a.authenticate(user_pass("alice", "bad")).status, AuthStatus::kRejected);
  EXPECT_EQ(a.authenticate(user_pass("carol", "apass")).status, AuthStatus::kRejected);
  EXPECT_EQ(a.authenticate(user_pass("", "apass")).status, AuthStatus::kRejected);
  AuthRequest token_only;
  token_only.token = "apass";
  EXPECT_EQ(a.authenticate(token_only).status, AuthStatus::kRejected);

  d = a.authenticate(user_pass("bob", "bpass"));
  ASSERT_EQ(d.status, AuthStatus::kCheckPassword);
  EXPECT_EQ(d.user, "bob");
  EXPECT_TRUE(a.verify_password(d.hash, d.secret));
  EXPECT_FALSE(a.verify_password(d.hash, "other"));
}

TEST(Authenticator, DefaultPermissionsApplyToUsersWithoutTheirOwn) {
  Options o;
  Permissions own = pub_sub({"own.>"}, {}, {}, {});
  o.users.push_back(User{"a", "p", own, ""});
  o.users.push_back(User{"b", "p", std::nullopt, ""});
  o.default_permissions = pub_sub({"def.>"}, {}, {}, {});
  Authenticator auth(o);
  AuthDecision a = auth.authenticate(user_pass("a", "p"));
  AuthDecision b = auth.authenticate(user_pass("b", "p"));
  ASSERT_NE(a.permissions, nullptr);
  ASSERT_NE(b.permissions, nullptr);
  EXPECT_TRUE(a.permissions->publish_allowed("own.x"));
  EXPECT_FALSE(a.permissions->publish_allowed("def.x"));
  EXPECT_TRUE(b.permissions->publish_allowed("def.x"));
  EXPECT_FALSE(b.permissions->publish_allowed("own.x"));
}

TEST(Authenticator, NkeyUsersSignTheNonce) {
  const crypto::KeyPair kp = crypto::create_keypair(crypto::PrefixByte::kUser);
  const crypto::KeyPair other = crypto::create_keypair(crypto::PrefixByte::kUser);
  Options o;
  o.nkeys.push_back(NkeyUser{kp.public_key, std::nullopt, ""});
  Authenticator a(o);
  EXPECT_TRUE(a.auth_required());
  EXPECT_TRUE(a.nonce_required());

  const std::string nonce = crypto::random_nonce();
  const auto sig = crypto::sign(kp.seed, nonce);
  ASSERT_TRUE(sig.has_value());
  const std::string url = base64(*sig, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  const std::string std_padded = base64(*sig, sodium_base64_VARIANT_ORIGINAL);
  ASSERT_NE(url, std_padded);

  AuthRequest r;
  r.nkey = kp.public_key;
  r.nonce = nonce;
  r.sig = url;
  AuthDecision d = a.authenticate(r);
  EXPECT_EQ(d.status, AuthStatus::kAccepted);
  EXPECT_TRUE(d.is_nkey);
  EXPECT_EQ(d.user, kp.public_key);
  r.sig = std_padded;
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kAccepted);

  r.sig = "";
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kRejected);
  r.sig = "not base64!";
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kRejected);
  // Signed with the wrong key, or a different nonce.
  r.sig = base64(*crypto::sign(other.seed, nonce), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kRejected);
  r.sig = url;
  r.nonce = crypto::random_nonce();
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kRejected);
  // An nkey nobody configured.
  r.nkey = other.public_key;
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kRejected);
}

TEST(Authenticator, NkeyBeforeUsersAndUsersBeforeToken) {
  const crypto::KeyPair kp = crypto::create_keypair(crypto::PrefixByte::kUser);
  Options o;
  o.nkeys.push_back(NkeyUser{kp.public_key, std::nullopt, ""});
  o.users.push_back(User{"alice", "apass", std::nullopt, ""});
  Authenticator a(o);
  // A CONNECT naming an unknown nkey fails even with a good user and password.
  AuthRequest r = user_pass("alice", "apass");
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kAccepted);
  r.nkey = "UNKNOWN";
  EXPECT_EQ(a.authenticate(r).status, AuthStatus::kRejected);
}

TEST(Authenticator, NoAuthUserIsWhoComesWithoutCredentials) {
  Options o;
  o.users.push_back(User{"anon", "x", pub_sub({"anon.>"}, {}, {}, {}), ""});
  o.users.push_back(User{"alice", "apass", std::nullopt, ""});
  o.no_auth_user = "anon";
  Authenticator a(o);
  EXPECT_TRUE(a.auth_required());
  EXPECT_FALSE(a.advertise_auth_required());  // INFO omits auth_required
  AuthDecision d = a.authenticate(AuthRequest{});
  EXPECT_EQ(d.status, AuthStatus::kAccepted);
  EXPECT_EQ(d.user, "anon");
  ASSERT_NE(d.permissions, nullptr);
  EXPECT_TRUE(d.permissions->publish_allowed("anon.x"));
  // Credentials mean the client is not anonymous any more.
  EXPECT_EQ(a.authenticate(user_pass("alice", "apass")).user, "alice");
  EXPECT_EQ(a.authenticate(user_pass("alice", "bad")).status, AuthStatus::kRejected);
  EXPECT_EQ(a.authenticate(user_pass("", "x")).status, AuthStatus::kRejected);
  AuthRequest token;
  token.token = "t";
  EXPECT_EQ(a.authenticate(token).status, AuthStatus::kRejected);
}

TEST(Authenticator, NoAuthUserWithABcryptPasswordIsRefusedAsInNatsServer) {
  Options o;
  o.users.push_back(User{"bob", crypto::bcrypt_hash("b", kTestBcryptCost), std::nullopt, ""});
  o.no_auth_user = "bob";
  Authenticator a(o);
  AuthDecision d = a.authenticate(AuthRequest{});
  EXPECT_EQ(d.status, AuthStatus::kRejected);
  EXPECT_EQ(d.user, "bob");
}

TEST(Authenticator, NoAuthUserCanBeAnNkeyAndSignsNothing) {
  const crypto::KeyPair kp = crypto::create_keypair(crypto::PrefixByte::kUser);
  Options o;
  o.nkeys.push_back(NkeyUser{kp.public_key, std::nullopt, ""});
  o.no_auth_user = kp.public_key;
  Authenticator a(o);
  AuthDecision d = a.authenticate(AuthRequest{});
  EXPECT_EQ(d.status, AuthStatus::kAccepted);
  EXPECT_TRUE(d.is_nkey);
  EXPECT_EQ(d.user, kp.public_key);
}

TEST(Authenticator, ValidationReportsWhatNatsServerRefuses) {
  Options o;
  o.users.push_back(User{"a", "p", std::nullopt, ""});
  o.users.push_back(User{"a", "q", pub_sub({"bad..subject"}, {}, {"x y z"}, {}), ""});
  o.nkeys.push_back(NkeyUser{"UNOTAKEY", std::nullopt, ""});
  o.authorization = "tok";
  o.no_auth_user = "ghost";
  const auto errors = validate_auth_options(o);
  const std::vector<std::string> want = {
      "Can not have a token and a users array",
      "Duplicate user \"a\" detected",
      "invalid permissions for user \"a\": publish allow: subject \"bad..subject\" is not a "
      "valid subject",
      "Not a valid public nkey for a user",
      "no_auth_user: \"ghost\" not present as user or nkey in authorization block or account "
      "configuration",
  };
  EXPECT_EQ(errors, want);

  Options alone;
  alone.no_auth_user = "x";
  EXPECT_EQ(
      validate_auth_options(alone),
      std::vector<std::string>{"no_auth_user: \"x\" present, but users/nkeys are not defined"});
  EXPECT_TRUE(validate_auth_options(Options{}).empty());
}

}  // namespace
}  // namespace nats
