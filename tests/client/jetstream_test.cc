// JetStream management and publishing through the client library, against nats-server 2.9.10
// started with `-js` (our natsd has no JetStream yet). ClientJetStreamDisabled runs against a
// server without JetStream and checks that the calls fail at once with a clear error.

#include <atomic>
#include <string>
#include <vector>

#include "nats/jetstream.h"
#include "test_env.h"

namespace nats::client::testing {
namespace {

using namespace std::chrono_literals;

StreamConfig memory_stream(std::string name, std::vector<std::string> subjects) {
  StreamConfig c;
  c.name = std::move(name);
  c.subjects = std::move(subjects);
  c.storage = StorageType::kMemory;
  return c;
}

TEST(ClientJetStreamDisabled, CallsFailWithJetStreamNotEnabled) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc, {.timeout = 2s});
  const auto start = std::chrono::steady_clock::now();
  auto info = js.account_info();
  EXPECT_EQ(info.code(), Errc::kJetStreamNotEnabled) << info.status().to_string();
  EXPECT_EQ(info.status().message(), "nats: jetstream not enabled");
  auto add = js.add_stream(memory_stream("S", {"s.>"}));
  EXPECT_EQ(add.code(), Errc::kJetStreamNotEnabled);
  EXPECT_EQ(js.delete_stream("S").code(), Errc::kJetStreamNotEnabled);
  // A publish that no stream takes: no responders, after its retries.
  auto ack = js.publish("s.1", "x", {.retry_attempts = 1, .retry_wait = 10ms});
  EXPECT_EQ(ack.code(), Errc::kNoResponders) << ack.status().to_string();
  // Answers came from the server's no-responders status, not from a timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(ClientJetStream, AccountInfo) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  EXPECT_TRUE(nc->server_info().jetstream);
  JetStream js(*nc);
  auto info = js.account_info();
  ASSERT_TRUE(info) << info.status().to_string();
  EXPECT_EQ(info->limits.max_streams, -1);
  EXPECT_FALSE(info->json.empty());
  auto again = js.account_info();  // the server counts a request after answering it
  ASSERT_TRUE(again);
  EXPECT_GT(again->api_total, info->api_total);

  // Prefixes: a domain, or an explicit prefix (as imported from another account).
  EXPECT_EQ(js.api_prefix(), "$JS.API.");
  EXPECT_EQ(JetStream(*nc, {.domain = "hub"}).api_prefix(), "$JS.hub.API.");
  JetStream explicit_prefix(*nc, {.api_prefix = "$JS.API"});
  EXPECT_EQ(explicit_prefix.api_prefix(), "$JS.API.");
  EXPECT_TRUE(explicit_prefix.account_info());
  // Nobody serves that domain here.
  EXPECT_EQ(JetStream(*nc, {.domain = "hub"}).account_info().code(), Errc::kJetStreamNotEnabled);
}

TEST(ClientJetStream, StreamCreateInfoUpdateListDelete) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  StreamConfig cfg = memory_stream("CRUD", {"crud.>"});
  cfg.description = "for the crud test";
  cfg.max_msgs = 100;
  auto created = js.add_stream(cfg);
  ASSERT_TRUE(created) << created.status().to_string();
  EXPECT_EQ(created->config.name, "CRUD");
  EXPECT_EQ(created->config.subjects, std::vector<std::string>{"crud.>"});
  EXPECT_EQ(created->config.storage, StorageType::kMemory);
  EXPECT_EQ(created->config.max_msgs, 100);
  EXPECT_EQ(created->config.max_bytes, -1);
  EXPECT_EQ(created->config.duplicate_window, std::chrono::minutes(2));  // server default
  EXPECT_EQ(created->state.messages, 0u);
  EXPECT_FALSE(created->created.empty());

  // Adding the same config again is fine; a different one under the same name is not.
  EXPECT_TRUE(js.add_stream(cfg));
  StreamConfig other = cfg;
  other.subjects = {"other.>"};
  auto clash = js.add_stream(other);
  EXPECT_EQ(clash.code(), Errc::kApiError);
  EXPECT_EQ(clash.status().err_code(), 10058);  // stream name already in use
  EXPECT_EQ(clash.status().api_error().code, 400);

  // The config of an info can be changed and sent back.
  StreamConfig upd = created->config;
  upd.max_msgs = 5;
  upd.subjects.push_back("crud2.*");
  auto updated = js.update_stream(upd);
  ASSERT_TRUE(updated) << updated.status().to_string();
  EXPECT_EQ(updated->config.max_msgs, 5);
  EXPECT_EQ(updated->config.subjects.size(), 2u);

  for (int i = 0; i < 7; ++i) ASSERT_TRUE(js.publish("crud.x", std::to_string(i)));
  auto info = js.stream_info("CRUD");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->state.messages, 5u);  // max_msgs, discard old
  EXPECT_EQ(info->state.first_seq, 3u);
  EXPECT_EQ(info->state.last_seq, 7u);

  auto names = js.stream_names();
  ASSERT_TRUE(names) << names.status().to_string();
  EXPECT_NE(std::find(names->names.begin(), names->names.end(), "CRUD"), names->names.end());
  EXPECT_GE(names->page.total, 1);
  auto by_subject = js.stream_names(0, "crud2.a");
  ASSERT_TRUE(by_subject);
  EXPECT_EQ(by_subject->names, std::vector<std::string>{"CRUD"});
  auto none = js.stream_names(0, "nothing.here");
  ASSERT_TRUE(none) << none.status().to_string();
  EXPECT_TRUE(none->names.empty());
  auto list = js.list_streams();
  ASSERT_TRUE(list);
  bool found = false;
  for (const auto& s : list->streams) found |= s.config.name == "CRUD";
  EXPECT_TRUE(found);
  auto all = js.all_stream_names();
  ASSERT_TRUE(all);
  EXPECT_EQ(static_cast<int64_t>(all->size()), names->page.total);

  ASSERT_TRUE(js.delete_stream("CRUD"));
  auto gone = js.stream_info("CRUD");
  EXPECT_EQ(gone.code(), Errc::kStreamNotFound);
  EXPECT_EQ(gone.status().api_error().code, 404);
  EXPECT_EQ(gone.status().err_code(), 10059);
  EXPECT_EQ(gone.status().api_error().description, "stream not found");
  EXPECT_EQ(js.delete_stream("CRUD").code(), Errc::kStreamNotFound);
  EXPECT_EQ(js.stream_info("bad.name").code(), Errc::kInvalidArgument);
}

TEST(ClientJetStream, PublishAckAndDeduplication) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  ASSERT_TRUE(js.add_stream(memory_stream("DEDUPE", {"dedupe.*"})));
  auto a = js.publish("dedupe.a", "one", {.msg_id = "m1"});
  ASSERT_TRUE(a) << a.status().to_string();
  EXPECT_EQ(a->stream, "DEDUPE");
  EXPECT_EQ(a->seq, 1u);
  EXPECT_FALSE(a->duplicate);
  auto again = js.publish("dedupe.a", "one again", {.msg_id = "m1"});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->seq, 1u);
  auto b = js.publish("dedupe.b", "two", {.msg_id = "m2"});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->seq, 2u);
  EXPECT_EQ(js.stream_info("DEDUPE")->state.messages, 2u);
  ASSERT_TRUE(js.delete_stream("DEDUPE"));
}

TEST(ClientJetStream, PublishExpectations) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  ASSERT_TRUE(js.add_stream(memory_stream("EXPECT", {"expect.*"})));
  ASSERT_TRUE(js.publish("expect.a", "1", {.msg_id = "id-1"}));  // seq 1
  ASSERT_TRUE(js.publish("expect.b", "2"));                      // seq 2

  auto wrong_seq = js.publish("expect.a", "x", {.expected_last_seq = 1});
  EXPECT_EQ(wrong_seq.code(), Errc::kApiError);
  EXPECT_EQ(wrong_seq.status().err_code(), 10071);  // wrong last sequence
  EXPECT_NE(wrong_seq.status().to_string().find("wrong last sequence: 2"), std::string::npos)
      << wrong_seq.status().to_string();
  EXPECT_TRUE(js.publish("expect.a", "3", {.expected_last_seq = 2}));  // seq 3

  auto wrong_subj = js.publish("expect.b", "x", {.expected_last_subject_seq = 1});
  EXPECT_EQ(wrong_subj.status().err_code(), 10071);
  EXPECT_TRUE(js.publish("expect.b", "4", {.expected_last_subject_seq = 2}));  // seq 4

  auto wrong_stream = js.publish("expect.a", "x", {.expected_stream = "OTHER"});
  EXPECT_EQ(wrong_stream.status().err_code(), 10060);  // expected stream does not match
  EXPECT_TRUE(js.publish("expect.a", "5", {.expected_stream = "EXPECT"}));

  // The last msg id is that of the stream's last message (none for seq 5).
  ASSERT_TRUE(js.publish("expect.a", "6", {.msg_id = "id-2"}));
  auto wrong_id = js.publish("expect.a", "x", {.expected_last_msg_id = "id-1"});
  EXPECT_EQ(wrong_id.status().err_code(), 10070);  // wrong last msg id
  auto ok = js.publish("expect.a", "7", {.msg_id = "id-3", .expected_last_msg_id = "id-2"});
  ASSERT_TRUE(ok) << ok.status().to_string();
  EXPECT_EQ(ok->seq, 7u);
  ASSERT_TRUE(js.delete_stream("EXPECT"));
}

TEST(ClientJetStream, PurgeGetAndDeleteMessages) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  StreamConfig cfg = memory_stream("STORE", {"store.>"});
  cfg.allow_direct = true;
  ASSERT_TRUE(js.add_stream(cfg));
  PubOptions with_header;
  with_header.headers.add("X-Kind", "first");
  ASSERT_TRUE(js.publish("store.a", "a1", with_header));  // 1
  ASSERT_TRUE(js.publish("store.b", "b1"));               // 2
  ASSERT_TRUE(js.publish("store.a", "a2"));               // 3
  ASSERT_TRUE(js.publish("store.c", "c1"));               // 4
  ASSERT_TRUE(js.publish("store.a", "a3"));               // 5

  auto m1 = js.get_msg("STORE", 1);
  ASSERT_TRUE(m1) << m1.status().to_string();
  EXPECT_EQ(m1->subject, "store.a");
  EXPECT_EQ(m1->seq, 1u);
  EXPECT_EQ(m1->data, "a1");
  EXPECT_EQ(m1->headers.get("X-Kind"), "first");
  EXPECT_FALSE(m1->time.empty());
  auto last_a = js.get_last_msg("STORE", "store.a");
  ASSERT_TRUE(last_a);
  EXPECT_EQ(last_a->seq, 5u);
  EXPECT_EQ(last_a->data, "a3");
  auto direct = js.direct_get_msg("STORE", 1);
  ASSERT_TRUE(direct) << direct.status().to_string();
  EXPECT_EQ(direct->subject, "store.a");
  EXPECT_EQ(direct->data, "a1");
  EXPECT_EQ(direct->headers.get("X-Kind"), "first");
  auto direct_last = js.direct_get_last_msg("STORE", "store.b");
  ASSERT_TRUE(direct_last);
  EXPECT_EQ(direct_last->seq, 2u);
  EXPECT_EQ(js.direct_get_msg("STORE", 99).code(), Errc::kMessageNotFound);

  ASSERT_TRUE(js.delete_msg("STORE", 2));
  auto deleted = js.get_msg("STORE", 2);
  EXPECT_EQ(deleted.code(), Errc::kMessageNotFound);
  EXPECT_EQ(deleted.status().err_code(), 10037);
  EXPECT_EQ(js.delete_msg("STORE", 2).code(), Errc::kApiError);
  EXPECT_EQ(js.delete_msg("NOPE", 1).code(), Errc::kStreamNotFound);

  auto filtered = js.stream_info("STORE", {.subjects_filter = "store.*"});
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->state.subjects.at("store.a"), 3u);
  EXPECT_EQ(filtered->state.subjects.at("store.c"), 1u);
  EXPECT_EQ(filtered->state.subjects.count("store.b"), 0u);
  EXPECT_EQ(filtered->state.num_deleted, 1);

  auto purged = js.purge_stream("STORE", {.filter = "store.a", .keep = 1});
  ASSERT_TRUE(purged) << purged.status().to_string();
  EXPECT_EQ(*purged, 2u);
  auto state = js.stream_info("STORE")->state;
  EXPECT_EQ(state.messages, 2u);  // store.c and the last store.a
  auto all = js.purge_stream("STORE");
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, 2u);
  EXPECT_EQ(js.stream_info("STORE")->state.messages, 0u);
  EXPECT_EQ(js.purge_stream("STORE", {.seq = 1, .keep = 1}).code(), Errc::kInvalidArgument);
  ASSERT_TRUE(js.delete_stream("STORE"));
}

TEST(ClientJetStream, ConsumerCreateInfoListDelete) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  ASSERT_TRUE(js.add_stream(memory_stream("CONS", {"cons.>"})));
  ConsumerConfig durable;
  durable.durable_name = "worker";
  durable.ack_wait = 10s;
  durable.filter_subject = "cons.a";
  auto c = js.add_consumer("CONS", durable);
  ASSERT_TRUE(c) << c.status().to_string();
  EXPECT_EQ(c->name, "worker");
  EXPECT_EQ(c->stream_name, "CONS");
  EXPECT_EQ(c->config.ack_policy, AckPolicy::kExplicit);
  EXPECT_EQ(c->config.ack_wait, 10s);
  EXPECT_EQ(c->config.filter_subject, "cons.a");

  ConsumerConfig named;
  named.name = "named-eph";
  named.ack_policy = AckPolicy::kNone;
  named.inactive_threshold = 30s;
  auto n = js.add_consumer("CONS", named);
  ASSERT_TRUE(n) << n.status().to_string();
  EXPECT_EQ(n->name, "named-eph");

  auto eph = js.add_consumer("CONS", ConsumerConfig{.inactive_threshold = 30s});
  ASSERT_TRUE(eph) << eph.status().to_string();
  EXPECT_FALSE(eph->name.empty());

  ASSERT_TRUE(js.publish("cons.a", "1"));
  ASSERT_TRUE(js.publish("cons.b", "2"));
  auto info = js.consumer_info("CONS", "worker");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->num_pending, 1u);  // the filter leaves out cons.b

  auto names = js.consumer_names("CONS");
  ASSERT_TRUE(names);
  EXPECT_EQ(names->page.total, 3);
  EXPECT_EQ(names->names.size(), 3u);
  auto list = js.list_consumers("CONS");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->consumers.size(), 3u);

  ASSERT_TRUE(js.delete_consumer("CONS", "worker"));
  auto gone = js.consumer_info("CONS", "worker");
  EXPECT_EQ(gone.code(), Errc::kConsumerNotFound);
  EXPECT_EQ(gone.status().err_code(), 10014);
  EXPECT_EQ(js.consumer_info("NOSTREAM", "worker").code(), Errc::kStreamNotFound);
  EXPECT_EQ(js.add_consumer("CONS", {.durable_name = "a.b"}).code(), Errc::kInvalidArgument);
  ASSERT_TRUE(js.delete_stream("CONS"));
}

TEST(ClientJetStream, PublishAsyncBoundedInFlight) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc, {.publish_async_max_pending = 64});
  ASSERT_TRUE(js.add_stream(memory_stream("ASYNC", {"async.>"})));
  constexpr int kCount = 2000;
  std::vector<PubAckFuture> futures;
  for (int i = 0; i < kCount; ++i) {
    auto f = js.publish_async("async.x", std::to_string(i));
    ASSERT_TRUE(f) << f.status().to_string();
    EXPECT_LE(js.publish_async_pending(), 64);
    if (i % 100 == 0) futures.push_back(std::move(*f));
  }
  ASSERT_TRUE(js.wait_for_completion(10s));
  EXPECT_EQ(js.publish_async_pending(), 0);
  EXPECT_EQ(js.publish_async_errors(), 0u);
  for (size_t i = 0; i < futures.size(); ++i) {
    auto ack = futures[i].wait(1s);
    ASSERT_TRUE(ack) << ack.status().to_string();
    EXPECT_EQ(ack->seq, i * 100 + 1);
  }
  EXPECT_EQ(js.stream_info("ASYNC")->state.messages, static_cast<uint64_t>(kCount));
  // No stream for the subject: the future carries the error.
  auto lost = js.publish_async("nowhere.x", "x");
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->wait(2s).code(), Errc::kNoResponders);
  EXPECT_EQ(js.publish_async_errors(), 1u);
  ASSERT_TRUE(js.delete_stream("ASYNC"));
}

}  // namespace
}  // namespace nats::client::testing
