// Receiving from JetStream consumers against nats-server 2.9.10 (-js): pull fetch with acks,
// naks and redelivery, consume, push consumers with flow control, and the ordered consumer
// surviving the deletion of its server-side consumer.

#include <atomic>
#include <future>
#include <mutex>
#include <set>
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

void publish_n(JetStream& js, std::string_view subject, int from, int to) {
  for (int i = from; i < to; ++i) ASSERT_TRUE(js.publish(subject, std::to_string(i)));
}

// Collects the data of handled messages.
struct Received {
  std::mutex mu;
  std::vector<std::string> data;
  std::vector<JsMsgMetadata> meta;
  void add(const JsMessage& m) {
    std::lock_guard lock(mu);
    data.emplace_back(m.data());
    if (auto md = m.metadata()) meta.push_back(*md);
  }
  size_t size() {
    std::lock_guard lock(mu);
    return data.size();
  }
};

TEST(ClientJetStreamConsume, FetchAckNakAndRedelivery) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  ASSERT_TRUE(js.add_stream(memory_stream("PULL", {"pull.>"})));
  publish_n(js, "pull.x", 0, 10);
  ASSERT_TRUE(js.add_consumer("PULL", {.durable_name = "w", .ack_wait = 30s}));
  auto pull = js.pull_consumer("PULL", "w");
  ASSERT_TRUE(pull) << pull.status().to_string();

  auto first = pull->fetch(4, 2s);
  ASSERT_TRUE(first) << first.status().to_string();
  ASSERT_EQ(first->size(), 4u);
  for (size_t i = 0; i < first->size(); ++i) {
    JsMessage& m = (*first)[i];
    EXPECT_EQ(m.data(), std::to_string(i));
    auto md = m.metadata();
    ASSERT_TRUE(md) << m.reply();
    EXPECT_EQ(md->stream, "PULL");
    EXPECT_EQ(md->consumer, "w");
    EXPECT_EQ(md->stream_seq, i + 1);
    EXPECT_EQ(md->consumer_seq, i + 1);
    EXPECT_EQ(md->num_delivered, 1u);
    EXPECT_EQ(md->num_pending, 10 - (i + 1));
    EXPECT_GT(md->timestamp_ns, 0);
    ASSERT_TRUE(m.ack());
    EXPECT_EQ(m.ack().code(), Errc::kInvalidArgument);  // already acknowledged
  }

  // Asking for more than there is: what there is, once the request expires.
  auto rest = pull->fetch(10, 500ms);
  ASSERT_TRUE(rest) << rest.status().to_string();
  ASSERT_EQ(rest->size(), 6u);
  ASSERT_TRUE((*rest)[0].nak());          // stream seq 5: again at once
  ASSERT_TRUE((*rest)[1].nak(400ms));     // stream seq 6: again after 400 ms
  ASSERT_TRUE((*rest)[2].term());         // stream seq 7: never again
  ASSERT_TRUE((*rest)[3].in_progress());  // still ours
  ASSERT_TRUE((*rest)[3].ack_sync());     // and confirmed by the server
  for (size_t i = 4; i < rest->size(); ++i) ASSERT_TRUE((*rest)[i].ack());

  auto again = pull->fetch(1, 2s);
  ASSERT_TRUE(again) << again.status().to_string();
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].data(), "4");
  EXPECT_EQ((*again)[0].metadata()->num_delivered, 2u);
  ASSERT_TRUE((*again)[0].ack());

  auto delayed = pull->fetch(1, 3s);
  ASSERT_TRUE(delayed) << delayed.status().to_string();
  EXPECT_EQ((*delayed)[0].data(), "5");
  EXPECT_EQ((*delayed)[0].metadata()->num_delivered, 2u);
  ASSERT_TRUE((*delayed)[0].ack_sync());

  EXPECT_EQ(pull->fetch(1, 300ms).code(), Errc::kTimeout);
  EXPECT_EQ(pull->fetch_no_wait(5).code(), Errc::kNoMessages);
  publish_n(js, "pull.x", 10, 13);
  auto now = pull->fetch_no_wait(5);
  ASSERT_TRUE(now) << now.status().to_string();
  EXPECT_EQ(now->size(), 3u);
  for (auto& m : *now) m.ack_sync();
  auto info = js.consumer_info("PULL", "w");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->num_ack_pending, 0);
  EXPECT_EQ(info->num_pending, 0u);
  EXPECT_EQ(info->num_redelivered, 0);  // counts what is still waiting for acks after redelivery

  EXPECT_EQ(js.pull_consumer("PULL", "nope").code(), Errc::kConsumerNotFound);
  ASSERT_TRUE(js.delete_stream("PULL"));
}

TEST(ClientJetStreamConsume, FetchEndsWhenTheConsumerIsDeleted) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  ASSERT_TRUE(js.add_stream(memory_stream("PULLDEL", {"pulldel.>"})));
  ASSERT_TRUE(js.add_consumer("PULLDEL", {.durable_name = "w"}));
  auto pull = js.pull_consumer("PULLDEL", "w");
  ASSERT_TRUE(pull);
  const auto start = std::chrono::steady_clock::now();
  auto fetching = std::async(std::launch::async, [&] { return pull->fetch(5, 10s); });
  ASSERT_TRUE(wait_for([&] { return js.consumer_info("PULLDEL", "w")->num_waiting == 1; }));
  ASSERT_TRUE(js.delete_consumer("PULLDEL", "w"));
  auto r = fetching.get();
  EXPECT_EQ(r.code(), Errc::kConsumerDeleted) << r.status().to_string();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_TRUE(js.delete_stream("PULLDEL"));
}

TEST(ClientJetStreamConsume, ConsumeKeepsPullRequestsToppedUp) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  ASSERT_TRUE(js.add_stream(memory_stream("CONSUME", {"consume.>"})));
  publish_n(js, "consume.x", 0, 250);
  ASSERT_TRUE(js.add_consumer("CONSUME", {.durable_name = "w"}));
  auto pull = js.pull_consumer("CONSUME", "w");
  ASSERT_TRUE(pull);
  Received got;
  std::atomic<int> errors{0};
  auto cc = pull->consume(
      [&](JsMessage m) {
        got.add(m);
        m.ack();
      },
      {.batch = 20, .expires = 1s, .error_cb = [&](const Status&) { ++errors; }});
  ASSERT_TRUE(cc) << cc.status().to_string();
  ASSERT_TRUE(wait_for([&] { return got.size() == 250; }));
  // Requests expire every second and are renewed; new messages still arrive.
  std::this_thread::sleep_for(1500ms);
  publish_n(js, "consume.x", 250, 260);
  ASSERT_TRUE(wait_for([&] { return got.size() == 260; }));
  EXPECT_TRUE(cc->running());
  cc->stop();
  EXPECT_FALSE(cc->running());
  publish_n(js, "consume.x", 260, 265);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(got.size(), 260u);
  for (size_t i = 0; i < 260; ++i) EXPECT_EQ(got.data[i], std::to_string(i));
  EXPECT_EQ(errors.load(), 0);
  ASSERT_TRUE(wait_for([&] { return js.consumer_info("CONSUME", "w")->num_ack_pending == 0; }));
  ASSERT_TRUE(js.delete_stream("CONSUME"));
}

TEST(ClientJetStreamConsume, PushConsumerWithFlowControlAndHeartbeats) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  ASSERT_TRUE(js.add_stream(memory_stream("PUSH", {"push.>"})));
  const std::string payload(4096, 'p');
  constexpr int kCount = 2000;  // 8 MB: well past the server's flow-control window
  for (int i = 0; i < kCount; ++i) ASSERT_TRUE(js.publish_async("push.x", payload));
  ASSERT_TRUE(js.wait_for_completion(20s));

  std::atomic<int> got{0};
  ConsumerConfig cfg;
  cfg.durable_name = "pusher";
  cfg.flow_control = true;
  cfg.idle_heartbeat = 500ms;
  cfg.ack_policy = AckPolicy::kNone;
  auto sub = js.subscribe("PUSH", cfg, [&](JsMessage m) {
    if (m.data().size() == payload.size()) ++got;
  });
  ASSERT_TRUE(sub) << sub.status().to_string();
  EXPECT_EQ(sub->consumer(), "pusher");
  ASSERT_TRUE(wait_for([&] { return got.load() == kCount; }, 30s)) << got.load();
  EXPECT_GT(sub->flow_control_replies(), 0u);
  ASSERT_TRUE(wait_for([&] { return sub->heartbeats() > 0; }, 3s));
  auto info = js.consumer_info("PUSH", "pusher");
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->push_bound);
  EXPECT_EQ(info->delivered.stream_seq, static_cast<uint64_t>(kCount));
  ASSERT_TRUE(sub->unsubscribe());

  // Binding to the durable again continues where it was.
  ASSERT_TRUE(js.publish("push.x", payload));
  auto again = js.subscribe("PUSH", {.durable_name = "pusher"}, [&](JsMessage) { ++got; });
  ASSERT_TRUE(again) << again.status().to_string();
  ASSERT_TRUE(wait_for([&] { return got.load() == kCount + 1; }));

  // An ephemeral push consumer with a queue group.
  Received q;
  auto grouped = js.subscribe(
      "PUSH", {.deliver_group = "g", .deliver_policy = DeliverPolicy::kLast}, [&](JsMessage m) {
        q.add(m);
        m.ack();
      });
  ASSERT_TRUE(grouped) << grouped.status().to_string();
  ASSERT_TRUE(wait_for([&] { return q.size() == 1; }));
  EXPECT_EQ(q.meta[0].stream_seq, static_cast<uint64_t>(kCount + 1));
  ASSERT_TRUE(js.delete_stream("PUSH"));
}

TEST(ClientJetStreamConsume, OrderedConsumerSurvivesADeletedConsumer) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  ASSERT_TRUE(js.add_stream(memory_stream("ORDERED", {"ordered.>"})));
  publish_n(js, "ordered.a", 0, 10);
  ASSERT_TRUE(js.publish("ordered.b", "skipped"));
  Received got;
  auto oc = js.ordered_consumer("ORDERED", {.filter_subject = "ordered.a", .idle_heartbeat = 300ms},
                                [&](JsMessage m) { got.add(m); });
  ASSERT_TRUE(oc) << oc.status().to_string();
  ASSERT_TRUE(wait_for([&] { return got.size() == 10; }));
  EXPECT_EQ((*oc)->initial_pending(), 10u);
  const std::string first = (*oc)->consumer();
  ASSERT_FALSE(first.empty());
  auto info = js.consumer_info("ORDERED", first);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->config.ack_policy, AckPolicy::kNone);
  EXPECT_TRUE(info->config.flow_control);
  EXPECT_TRUE(info->config.mem_storage);

  // The consumer disappears; the heartbeats stop; a new one starts after the last message.
  ASSERT_TRUE(js.delete_consumer("ORDERED", first));
  publish_n(js, "ordered.a", 10, 20);
  ASSERT_TRUE(wait_for([&] { return got.size() == 20; }, 10s)) << got.size();
  EXPECT_GE((*oc)->resets(), 1u);
  EXPECT_NE((*oc)->consumer(), first);
  EXPECT_EQ((*oc)->delivered(), 20u);
  std::this_thread::sleep_for(200ms);
  ASSERT_EQ(got.size(), 20u);  // exactly once
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ(got.data[i], std::to_string(i));
  const std::string second = (*oc)->consumer();
  (*oc)->stop();
  EXPECT_EQ(js.consumer_info("ORDERED", second).code(), Errc::kConsumerNotFound);
  ASSERT_TRUE(js.delete_stream("ORDERED"));
}

TEST(ClientJetStreamConsume, OrderedConsumerResumesAfterAServerRestart) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  StreamConfig cfg;
  cfg.name = "DURABLE_ORDER";
  cfg.subjects = {"dorder.>"};  // file storage: the messages outlive the restart
  ASSERT_TRUE(js.add_stream(cfg));
  publish_n(js, "dorder.x", 0, 5);
  Received got;
  std::atomic<int> reset_errors{0};
  auto oc = js.ordered_consumer(
      "DURABLE_ORDER",
      {.idle_heartbeat = 200ms, .error_cb = [&](const Status&) { ++reset_errors; }},
      [&](JsMessage m) { got.add(m); });
  ASSERT_TRUE(oc) << oc.status().to_string();
  ASSERT_TRUE(wait_for([&] { return got.size() == 5; }));

  // Its in-memory consumer does not survive; the watchdog makes a new one once reconnected.
  ASSERT_TRUE(server_ctl("restart"));
  ASSERT_TRUE(wait_for([&] { return nc->is_connected(); }));
  for (int i = 5; i < 10; ++i) {
    // A retried publish whose first ack was lost must not store the message twice.
    PubOptions po;
    po.msg_id = "m" + std::to_string(i);
    ASSERT_TRUE(wait_for([&] { return js.publish("dorder.x", std::to_string(i), po).is_ok(); }));
  }
  ASSERT_TRUE(wait_for([&] { return got.size() == 10; }, 15s)) << got.size();
  EXPECT_GE((*oc)->resets(), 1u);
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(got.size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(got.data[i], std::to_string(i));
  (*oc)->stop();
  ASSERT_TRUE(js.delete_stream("DURABLE_ORDER"));
}

}  // namespace
}  // namespace nats::client::testing
