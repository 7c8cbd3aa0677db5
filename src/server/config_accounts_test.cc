// The accounts {} and mappings {} blocks: what they turn into, and nats-server's errors for the
// files it refuses (both at parse time and the cross-account checks of validate_accounts).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_parser.h"
#include "server/account.h"
#include "server/auth.h"
#include "server/config_options.h"

namespace nats {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Loaded {
  Options opts;
  std::vector<std::string> errors;  // parse errors, then validate_auth_options()
};

Loaded load(std::string_view text) {
  Loaded l;
  config::ParseResult parsed = config::parse_config_string(text, "test.conf");
  if (!parsed.ok()) {
    l.errors.push_back(parsed.error().to_string());
    return l;
  }
  ConfigApplyResult r = apply_config(parsed.map(), l.opts);
  l.errors = r.errors;
  for (auto& w : r.warnings) l.errors.push_back(w);
  if (l.errors.empty()) l.errors = validate_auth_options(l.opts);
  return l;
}

std::string only_error(std::string_view text) {
  Loaded l = load(text);
  if (l.errors.size() != 1) {
    std::string all = "errors: " + std::to_string(l.errors.size());
    for (auto& e : l.errors) all += "\n  " + e;
    return all;
  }
  return l.errors[0];
}

TEST(ConfigAccounts, UsersJoinTheirAccountWithTheAccountsDefaultPermissions) {
  Loaded l = load(R"(
    accounts {
      A: {
        users: [
          {user: a1, password: p1}
          {user: a2, password: p2, permissions: {publish: "x"}}
          {nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4}
        ]
        default_permissions: {subscribe: {deny: "secret.>"}}
      }
      B: { users: [{user: b, password: "$2a$11$qbtrnb0mSG2eV55xoyPqHOZx/lLBlryHRhU3LK2oOPFRwGF/5rtGK"}] }
    }
    authorization { users: [{user: g, password: g}], default_permissions: {publish: "only.this"} }
    no_auth_user: a1
  )");
  ASSERT_TRUE(l.errors.empty()) << l.errors[0];
  ASSERT_EQ(l.opts.accounts.size(), 2u);
  EXPECT_EQ(l.opts.accounts[0].name, "A");
  ASSERT_EQ(l.opts.users.size(), 4u);
  auto user = [&](std::string_view name) -> const User& {
    for (const User& u : l.opts.users) {
      if (u.username == name) return u;
    }
    throw std::runtime_error("no user");
  };
  EXPECT_EQ(user("a1").account, "A");
  ASSERT_TRUE(user("a1").permissions);
  EXPECT_THAT(user("a1").permissions->subscribe->deny, ElementsAre("secret.>"));
  EXPECT_THAT(user("a2").permissions->publish->allow, ElementsAre("x"));
  EXPECT_EQ(user("b").account, "B");
  EXPECT_FALSE(user("b").permissions);  // the authorization block's defaults are not B's
  EXPECT_EQ(user("g").account, "");
  ASSERT_EQ(l.opts.nkeys.size(), 1u);
  EXPECT_EQ(l.opts.nkeys[0].account, "A");
}

TEST(ConfigAccounts, LimitsExportsImportsAndMappingsAreRead) {
  Loaded l = load(R"(
    accounts {
      A: {
        limits: {max_connections: 3, max_subs: 10, max_payload: 1KB, max_leafnodes: 1}
        exports: [
          {stream: "pub.>"}
          {stream: "private.>", accounts: [B]}
          {service: "svc.*", response_type: stream, response_threshold: "5s",
           latency: {sampling: "50%", subject: "lat.svc"}}
          {service: "per.*.req", account_token_position: 2}
        ]
        mappings: { "old.*": "new.$1" }
      }
      B: {
        imports: [
          {stream: {account: A, subject: "pub.>"}, prefix: "a"}
          {stream: {account: A, subject: "private.x"}, to: "px"}
          {service: {account: A, subject: "svc.*"}, to: "asvc.*", share: true}
        ]
      }
    }
    mappings: {
      "w": [{destination: "w.a", weight: 80%}, {destination: "w.b", weight: 20}]
    }
  )");
  ASSERT_TRUE(l.errors.empty()) << l.errors[0];
  const AccountOptions& a = l.opts.accounts[0];
  EXPECT_EQ(a.limits.max_connections, 3);
  EXPECT_EQ(a.limits.max_subscriptions, 10);
  EXPECT_EQ(a.limits.max_payload, 1024);
  ASSERT_EQ(a.exports.size(), 4u);
  EXPECT_FALSE(a.exports[0].accounts);
  EXPECT_THAT(*a.exports[1].accounts, ElementsAre("B"));
  EXPECT_TRUE(a.exports[2].service);
  EXPECT_EQ(a.exports[2].response_type, ServiceResponseType::kStream);
  EXPECT_EQ(a.exports[2].response_threshold, std::chrono::seconds(5));
  ASSERT_TRUE(a.exports[2].latency);
  EXPECT_EQ(a.exports[2].latency->sampling, 50);
  EXPECT_EQ(a.exports[2].latency->subject, "lat.svc");
  EXPECT_EQ(a.exports[3].account_token_position, 2u);
  ASSERT_EQ(a.mappings.size(), 1u);
  EXPECT_EQ(a.mappings[0].destinations[0].subject, "new.$1");
  const AccountOptions& b = l.opts.accounts[1];
  ASSERT_EQ(b.imports.size(), 3u);
  EXPECT_EQ(b.imports[0].prefix, "a");
  EXPECT_EQ(b.imports[1].to, "px");
  EXPECT_TRUE(b.imports[2].service);
  EXPECT_EQ(b.imports[2].to, "asvc.*");
  EXPECT_TRUE(b.imports[2].share);
  ASSERT_EQ(l.opts.mappings.size(), 1u);
  EXPECT_EQ(l.opts.mappings[0].destinations[0].weight, 80);
  EXPECT_EQ(l.opts.mappings[0].destinations[1].weight, 20);
}

TEST(ConfigAccounts, ParseErrorsAreNatsServers) {
  EXPECT_THAT(only_error("accounts { $G: {} }"),
              HasSubstr("test.conf:1:12: \"$G\" is a Reserved Account"));
  EXPECT_THAT(only_error("accounts { A: 1 }"), HasSubstr("Expected map entries for accounts"));
  EXPECT_THAT(only_error("accounts { A: { bogus: 1 } }"), HasSubstr("unknown field \"bogus\""));
  EXPECT_THAT(only_error("accounts { A: { nkey: nope } }"),
              HasSubstr("Not a valid public nkey for an account: \"nope\""));
  EXPECT_THAT(only_error("accounts { A: { limits: { max_cpu: 1 } } }"),
              HasSubstr("Unknown field \"max_cpu\" parsing account limits"));
  EXPECT_THAT(only_error("accounts { A: { exports: {stream: x} } }"),
              HasSubstr("Exports should be an array, got map[string]interface {}"));
  EXPECT_THAT(only_error("accounts { A: { exports: [ {stream: x, service: y} ] } }"),
              HasSubstr("Detected service \"y\" but already saw a stream"));
  EXPECT_THAT(only_error("accounts { A: { exports: [ {service: x, response: sometimes} ] } }"),
              HasSubstr("Unknown response type: \"sometimes\""));
  EXPECT_THAT(only_error("accounts { A: { exports: [ {stream: x, response: stream} ] } }"),
              HasSubstr("Detected response directive on non-service"));
  EXPECT_THAT(only_error("accounts { A: { exports: [ {service: x, threshold: soon} ] } }"),
              HasSubstr("Expected response threshold to be a parseable time duration, got "
                        "\"soon\""));
  EXPECT_THAT(only_error("accounts { A: { exports: [ {service: x, latency: {sampling: 200, "
                         "subject: l}} ] } }"),
              HasSubstr("bad sampling percentage, should be 1-100"));
  EXPECT_THAT(only_error("accounts { A: { imports: [ {stream: {account: B}} ] } }"),
              HasSubstr("Expect an account name and a subject"));
  EXPECT_THAT(only_error("accounts { A: { imports: [ {stream: {account: B, subject: x}, "
                         "prefix: p, to: t} ] } }"),
              HasSubstr("Stream import can not have a 'prefix' and a 'to' property"));
  EXPECT_THAT(only_error("accounts { A: {exports: [{service: x}]}, B: { imports: [ "
                         "{service: {account: A, subject: x}}, {service: {account: A, subject: "
                         "x}} ] } }"),
              HasSubstr("Duplicate service import subject \"x\", previously used in import for "
                        "account \"A\", subject \"x\""));
  EXPECT_THAT(only_error("accounts { A: { users: [{user: u, password: p}] } }\n"
                         "authorization { token: t }"),
              HasSubstr("Can not have a token and a users array"));  // as nats-server says
  EXPECT_THAT(only_error("accounts { A: { users: [{user: u, password: p}] }, B: { users: "
                         "[{user: u, password: q}] } }"),
              HasSubstr("Duplicate user \"u\" detected"));
}

TEST(ConfigAccounts, MappingErrorsAreNatsServers) {
  EXPECT_THAT(only_error("mappings { \"foo..bar\": x }"),
              HasSubstr("Subject \"foo..bar\" is not a valid subject"));
  EXPECT_THAT(only_error("mappings { foo: \"bar.$1\" }"),
              HasSubstr("Error adding mapping for \"foo\" to \"bar.$1\" : invalid mapping "
                        "destination: wildcard index out of range in $1"));
  EXPECT_THAT(only_error("mappings { \"foo.*\": \"bar.{{nope(1)}}\" }"),
              HasSubstr("invalid mapping destination: unknown function in {{nope(1)}}"));
  EXPECT_THAT(only_error("mappings { foo: [{destination: a, weight: 120}] }"),
              HasSubstr("Invalid weight 120 for mapping destination"));
  EXPECT_THAT(only_error("mappings { foo: [{destination: a, weight: \"x%\"}] }"),
              HasSubstr("Invalid weight \"x\" for mapping destination"));
  EXPECT_THAT(only_error("mappings { foo: [{destination: a}] }"),
              HasSubstr("Missing weight for mapping destination \"a\""));
  EXPECT_THAT(only_error("mappings { foo: [{destination: a, weight: 60}, {destination: b, "
                         "weight: 60}] }"),
              HasSubstr("Error adding mapping for \"foo\" : total weight needs to be <= 100"));
  EXPECT_THAT(only_error("mappings { foo: [{destination: a, weight: 10}, {destination: a, "
                         "weight: 10}] }"),
              HasSubstr("duplicate entry for \"a\""));
  EXPECT_THAT(only_error("mappings { foo: [{destination: a, weight: 10, color: red}] }"),
              HasSubstr("Unknown field \"color\" for mapping destination"));
}

TEST(ConfigAccounts, CrossAccountProblemsAreStartUpErrors) {
  EXPECT_THAT(only_error("accounts { A: { imports: [{stream: {account: Z, subject: x}}] } }"),
              HasSubstr("test.conf:1:1: \"Z\" account not defined for stream import"));
  EXPECT_THAT(only_error("accounts { A: { imports: [{service: {account: Z, subject: x}}] } }"),
              HasSubstr("\"Z\" account not defined for service import"));
  EXPECT_THAT(only_error("accounts { A: { exports: [{stream: x, accounts: [Z]}] } }"),
              HasSubstr("\"Z\" account not defined for stream export"));
  EXPECT_THAT(
      only_error("accounts { A: {}, B: { imports: [{stream: {account: A, subject: x}}] } }"),
      HasSubstr("Error adding stream import \"x\": stream import not authorized"));
  EXPECT_THAT(only_error("accounts { A: {}, B: { imports: [{service: {account: A, subject: x}}] "
                         "} }"),
              HasSubstr("Error adding service import \"x\": service import not authorized"));
  EXPECT_THAT(only_error("accounts { A: {exports: [{stream: x, accounts: [C]}]}, B: {}, C: {}, "
                         "B: { imports: [{stream: {account: A, subject: x}}] } }"),
              HasSubstr("stream import not authorized"));
  EXPECT_THAT(only_error("accounts { A: {exports: [{stream: \"a.>\"}]}, B: { imports: "
                         "[{stream: {account: A, subject: \"a.>\"}, prefix: \"p.*\"}] } }"),
              HasSubstr("stream import prefix can not contain wildcard tokens"));
  EXPECT_THAT(only_error("accounts { A: {exports: [{service: \"x.*\", account_token_position: "
                         "3}]} }"),
              HasSubstr("Error adding service export \"x.*\": sublist: invalid subject"));
  EXPECT_THAT(only_error(R"(accounts {
      A: { exports: [{service: q}], imports: [{service: {account: B, subject: q}}] }
      B: { exports: [{service: q}], imports: [{service: {account: A, subject: q}}] }
    })"),
              HasSubstr("Error adding service import \"q\": import forms a cycle"));
  EXPECT_THAT(only_error(R"(accounts {
      A: { exports: [{stream: "s.>"}], imports: [{stream: {account: B, subject: "s.>"}}] }
      B: { exports: [{stream: "s.>"}], imports: [{stream: {account: A, subject: "s.>"}}] }
    })"),
              HasSubstr("Error adding stream import \"s.>\": import forms a cycle"));
}

TEST(ConfigAccounts, GoodCrossAccountFilesPass) {
  Loaded l = load(R"(accounts {
      A: { exports: [{stream: "s.>"}, {service: "q.*", accounts: [B]}, {service: "t.*.x",
           account_token_position: 2}] }
      B: { imports: [{stream: {account: A, subject: "s.>"}, prefix: p},
                     {service: {account: A, subject: "q.*"}},
                     {service: {account: A, subject: "t.B.x"}}] }
      C: { imports: [{stream: {account: A, subject: "s.x"}, to: "y"}] }
    })");
  EXPECT_TRUE(l.errors.empty()) << l.errors[0];
  // The token position names the importer: C may not import t.B.x.
  EXPECT_THAT(only_error(R"(accounts {
      A: { exports: [{service: "t.*.x", account_token_position: 2}] }
      C: { imports: [{service: {account: A, subject: "t.B.x"}}] }
    })"),
              HasSubstr("service import not authorized"));
}

}  // namespace
}  // namespace nats
