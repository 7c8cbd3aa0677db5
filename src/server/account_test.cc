// Accounts at run time: mappings, stream import renaming and shadow subjects, service import
// subjects, export authorization and the service reply table.

#include "server/account.h"

#include <map>

#include <gtest/gtest.h>

#include "server/options.h"

namespace nats {
namespace {

ExportOptions stream_export(std::string subject) {
  ExportOptions e;
  e.subject = std::move(subject);
  return e;
}

ImportOptions import_of(bool service, std::string subject, std::string prefix, std::string to) {
  ImportOptions i;
  i.service = service;
  i.account = "A";
  i.subject = std::move(subject);
  i.prefix = std::move(prefix);
  i.to = std::move(to);
  return i;
}

ServiceReply reply_to(Account* requester, std::string reply, ServiceResponseType type) {
  ServiceReply r;
  r.requester = requester;
  r.reply = std::move(reply);
  r.type = type;
  r.threshold_ns = 1'000;
  return r;
}

Options two_accounts() {
  Options o;
  AccountOptions a;
  a.name = "A";
  a.exports.push_back(stream_export("pub.>"));
  a.exports.push_back(stream_export("one.x"));
  ExportOptions svc;
  svc.service = true;
  svc.subject = "svc.*";
  svc.response_type = ServiceResponseType::kStream;
  a.exports.push_back(svc);
  AccountOptions b;
  b.name = "B";
  b.imports.push_back(import_of(false, "pub.>", "imp", ""));
  b.imports.push_back(import_of(false, "one.x", "", "mine"));
  b.imports.push_back(import_of(true, "svc.*", "", "ask.*"));
  AccountOptions c;
  c.name = "C";
  c.imports.push_back(import_of(false, "pub.>", "", ""));
  o.accounts = {a, b, c};
  return o;
}

TEST(Accounts, RegistryHasTheGlobalAccountFirst) {
  AccountRegistry r;
  auto errors = r.configure(two_accounts());
  ASSERT_TRUE(errors.empty()) << errors[0];
  ASSERT_EQ(r.all().size(), 5u);  // $G, A, B, C and the system account made for us
  EXPECT_EQ(r.all()[0]->name(), "$G");
  EXPECT_NE(r.find("$SYS"), nullptr);
  EXPECT_EQ(&r.global(), r.find("$G"));
  EXPECT_EQ(r.find("nope"), nullptr);
}

TEST(Accounts, StreamImportsRenameIntoTheImporter) {
  AccountRegistry r;
  ASSERT_TRUE(r.configure(two_accounts()).empty());
  Account& b = *r.find("B");
  ASSERT_EQ(b.stream_imports().size(), 2u);
  const StreamImport& prefixed = *b.stream_imports()[0];
  EXPECT_EQ(prefixed.to, "imp.pub.>");
  EXPECT_EQ(prefixed.deliver_subject("pub.a.b"), "imp.pub.a.b");
  // The exporter-side subject for subscriptions of the importer.
  EXPECT_EQ(prefixed.shadow_subject("imp.pub.>"), "pub.>");
  EXPECT_EQ(prefixed.shadow_subject("imp.pub.x"), "pub.x");
  EXPECT_EQ(prefixed.shadow_subject("imp.>"), "pub.>");
  EXPECT_EQ(prefixed.shadow_subject(">"), "pub.>");
  EXPECT_EQ(prefixed.shadow_subject("imp.*.x"), "pub.x");
  EXPECT_EQ(prefixed.shadow_subject("pub.x"), std::nullopt);
  EXPECT_EQ(prefixed.shadow_subject("other"), std::nullopt);

  const StreamImport& renamed = *b.stream_imports()[1];
  EXPECT_EQ(renamed.deliver_subject("one.x"), "mine");
  EXPECT_EQ(renamed.shadow_subject("mine"), "one.x");
  EXPECT_EQ(renamed.shadow_subject("*"), "one.x");

  const StreamImport& same = *r.find("C")->stream_imports()[0];
  EXPECT_TRUE(same.use_pub);
  EXPECT_EQ(same.deliver_subject("pub.q"), "pub.q");
  EXPECT_EQ(same.shadow_subject("pub.q"), "pub.q");
}

TEST(Accounts, ServiceImportsSubscribeInTheImporterAndRenameRequests) {
  AccountRegistry r;
  ASSERT_TRUE(r.configure(two_accounts()).empty());
  Account& b = *r.find("B");
  ASSERT_EQ(b.service_imports().size(), 1u);
  const ServiceImport& si = *b.service_imports()[0];
  EXPECT_EQ(si.from, "ask.*");
  EXPECT_EQ(si.request_subject("ask.time"), "svc.time");
  ASSERT_NE(si.exported, nullptr);
  EXPECT_EQ(si.exported->response_type, ServiceResponseType::kStream);
  SublistResult res;
  b.sublist().match("ask.time", res);
  ASSERT_EQ(res.psubs.size(), 1u);
  EXPECT_EQ(res.psubs[0]->service_import, &si);
  EXPECT_EQ(res.psubs[0]->client, nullptr);
  // The exporter listens for responses on its reply prefix.
  Account& a = *r.find("A");
  const std::string reply =
      a.add_service_reply(reply_to(&b, "_INBOX.1", ServiceResponseType::kStream));
  EXPECT_TRUE(is_service_reply(reply)) << reply;
  res.clear();
  a.sublist().match(reply, res);
  ASSERT_EQ(res.psubs.size(), 1u);
  EXPECT_EQ(res.psubs[0]->reply_account, &a);
}

TEST(Accounts, ServiceRepliesSingletonOnceStreamsUntilTheyExpire) {
  Account a("A");
  Account b("B");
  const std::string once =
      a.add_service_reply(reply_to(&b, "inbox.1", ServiceResponseType::kSingleton));
  const std::string many =
      a.add_service_reply(reply_to(&b, "inbox.2", ServiceResponseType::kStream));
  EXPECT_NE(once, many);
  ServiceReply r;
  ASSERT_TRUE(a.lookup_service_reply(once, r));
  EXPECT_EQ(r.reply, "inbox.1");
  EXPECT_EQ(r.requester, &b);
  EXPECT_FALSE(a.lookup_service_reply(once, r));  // a singleton answers once
  ASSERT_TRUE(a.lookup_service_reply(many, r));
  a.finish_service_reply(many, false, 500);
  ASSERT_TRUE(a.lookup_service_reply(many, r));
  a.expire_service_replies(1'499);
  EXPECT_EQ(a.num_service_replies(), 1u);
  a.expire_service_replies(1'500);
  EXPECT_EQ(a.num_service_replies(), 0u);
}

TEST(Accounts, ConnectionLimitCountsWhoIsIn) {
  Options o;
  AccountOptions a;
  a.name = "A";
  a.limits.max_connections = 2;
  o.accounts = {a};
  AccountRegistry r;
  ASSERT_TRUE(r.configure(o).empty());
  Account& acc = *r.find("A");
  EXPECT_TRUE(acc.add_connection());
  EXPECT_TRUE(acc.add_connection());
  EXPECT_FALSE(acc.add_connection());
  acc.remove_connection();
  EXPECT_TRUE(acc.add_connection());
  EXPECT_EQ(acc.num_connections(), 2);
}

TEST(Accounts, ExportAuthorization) {
  ExportAuth pub;
  EXPECT_TRUE(pub.allows("X", ""));
  ExportAuth list;
  list.is_public = false;
  list.approved = {"B"};
  EXPECT_TRUE(list.allows("B", ""));
  EXPECT_FALSE(list.allows("C", ""));
  ExportAuth token;
  token.is_public = false;
  token.token_position = 2;
  EXPECT_TRUE(token.allows("B", "t.B.x"));
  EXPECT_FALSE(token.allows("C", "t.B.x"));
  EXPECT_FALSE(token.allows("B", ""));
}

TEST(Accounts, WeightedMappingsSplitTrafficByWeight) {
  SubjectMapping m;
  m.source = "orders.*";
  m.destinations = {{"east.$1", 70, {}}, {"west.$1", 20, {}}};
  std::string error;
  auto mapping = Mapping::create(m, &error);
  ASSERT_TRUE(mapping) << error;
  // The missing 10% keep the original subject.
  ASSERT_EQ(mapping->destinations().size(), 3u);
  EXPECT_EQ(mapping->destinations().back().cumulative_weight, 100);
  std::map<std::string, int> seen;
  constexpr int kDraws = 20'000;
  for (int i = 0; i < kDraws; ++i) {
    std::string out;
    mapping->select("orders.42", out);
    ++seen[out];
  }
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_NEAR(seen["east.42"], kDraws * 0.7, kDraws * 0.03);
  EXPECT_NEAR(seen["west.42"], kDraws * 0.2, kDraws * 0.03);
  EXPECT_NEAR(seen["orders.42"], kDraws * 0.1, kDraws * 0.03);
}

TEST(Accounts, MappingListingTheSourceDropsTheRest) {
  SubjectMapping m;
  m.source = "a";
  m.destinations = {{"b", 50, {}}, {"a", 25, {}}};
  auto mapping = Mapping::create(m, nullptr);
  ASSERT_TRUE(mapping);
  int dropped = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string out;
    mapping->select("a", out);
    dropped += out.empty();
  }
  EXPECT_NEAR(dropped, 1000, 200);
}

TEST(Accounts, AccountMappingsApplyToCoveredSubjectsOnly) {
  Options o;
  o.mappings = {{"foo", {{"bar", 100, {}}}}, {"in.*.*", {{"out.$2.$1", 100, {}}}}};
  AccountRegistry r;
  ASSERT_TRUE(r.configure(o).empty());
  Account& g = r.global();
  ASSERT_TRUE(g.has_mappings());
  std::string out;
  EXPECT_TRUE(g.map_subject("foo", out));
  EXPECT_EQ(out, "bar");
  EXPECT_TRUE(g.map_subject("in.a.b", out));
  EXPECT_EQ(out, "out.b.a");
  EXPECT_FALSE(g.map_subject("in.a", out));
  EXPECT_FALSE(g.map_subject("foo.x", out));
}

}  // namespace
}  // namespace nats
