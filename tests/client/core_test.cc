// The client library against a live server: publish/subscribe, wildcards, queue groups,
// request/reply, headers, auto-unsubscribe, flush, drain, ordering and large payloads.
// Registered twice by CMake: against natsd and against nats-server.

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "test_env.h"

namespace nats::client::testing {
namespace {

using namespace std::chrono_literals;

// Collects messages from a callback subscription.
struct Inbox {
  std::mutex mu;
  std::vector<Message> msgs;
  MsgHandler handler() {
    return [this](Message m) {
      std::lock_guard lock(mu);
      msgs.push_back(std::move(m));
    };
  }
  size_t size() {
    std::lock_guard lock(mu);
    return msgs.size();
  }
  Message at(size_t i) {
    std::lock_guard lock(mu);
    return msgs.at(i);
  }
};

TEST(ClientCore, PublishSubscribe) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  EXPECT_TRUE(nc->is_connected());
  EXPECT_FALSE(nc->server_info().server_id.empty());
  Inbox in;
  auto sub = nc->subscribe("greet.joe", in.handler());
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->subject(), "greet.joe");
  EXPECT_EQ(sub->queue(), "");
  ASSERT_TRUE(nc->publish("greet.joe", "hello"));
  ASSERT_TRUE(nc->publish("greet.joe", "reply.to", "with reply"));
  ASSERT_TRUE(nc->publish("greet.ann", "not for us"));
  ASSERT_TRUE(wait_for([&] { return in.size() == 2; }));
  EXPECT_EQ(in.at(0).subject(), "greet.joe");
  EXPECT_EQ(in.at(0).data(), "hello");
  EXPECT_EQ(in.at(0).reply(), "");
  EXPECT_EQ(in.at(1).reply(), "reply.to");
  EXPECT_EQ(in.at(1).data(), "with reply");
  ASSERT_TRUE(nc->flush());
  EXPECT_EQ(in.size(), 2u);
  EXPECT_EQ(sub->delivered(), 2u);
}

TEST(ClientCore, Wildcards) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  auto star = nc->subscribe_sync("wild.*.end");
  auto full = nc->subscribe_sync("wild.>");
  ASSERT_TRUE(star && full);
  ASSERT_TRUE(nc->flush());
  for (const char* s : {"wild.a.end", "wild.b.c.end", "wild.x", "other.a.end"}) {
    ASSERT_TRUE(nc->publish(s, s));
  }
  auto m = star->next_msg(2s);
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ(m->subject(), "wild.a.end");
  EXPECT_EQ(star->next_msg(100ms).code(), Errc::kTimeout);
  std::set<std::string> got;
  for (int i = 0; i < 3; ++i) {
    auto f = full->next_msg(2s);
    ASSERT_TRUE(f) << f.status().to_string();
    got.insert(std::string(f->subject()));
  }
  EXPECT_EQ(got, (std::set<std::string>{"wild.a.end", "wild.b.c.end", "wild.x"}));
  EXPECT_EQ(full->next_msg(100ms).code(), Errc::kTimeout);
}

TEST(ClientCore, InvalidSubjectsAreRefused) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  EXPECT_EQ(nc->publish("", "x").code(), Errc::kInvalidSubject);
  EXPECT_EQ(nc->publish("a b", "x").code(), Errc::kInvalidSubject);
  EXPECT_EQ(nc->publish("a..b", "x").code(), Errc::kInvalidSubject);
  EXPECT_EQ(nc->subscribe_sync("a b").code(), Errc::kInvalidSubject);
  EXPECT_EQ(nc->subscribe_sync("ok", "bad queue").code(), Errc::kInvalidArgument);
}

TEST(ClientCore, QueueGroupsShareMessages) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  std::atomic<int> a{0}, b{0}, plain{0};
  auto qa = nc->subscribe("work", "workers", [&](Message) { ++a; });
  ASSERT_TRUE(qa);
  // Longer than any small-string buffer: the views must point into the subscription.
  auto named = nc->subscribe_sync("a.subject.name.longer.than.sso", "a.queue.name.longer.than.sso");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->subject(), "a.subject.name.longer.than.sso");
  EXPECT_EQ(named->queue(), "a.queue.name.longer.than.sso");
  auto qb = nc->subscribe("work", "workers", [&](Message) { ++b; });
  auto p = nc->subscribe("work", [&](Message) { ++plain; });
  ASSERT_TRUE(qa && qb && p);
  ASSERT_TRUE(nc->flush());
  constexpr int kMsgs = 200;
  for (int i = 0; i < kMsgs; ++i) ASSERT_TRUE(nc->publish("work", std::to_string(i)));
  ASSERT_TRUE(wait_for([&] { return a + b == kMsgs && plain == kMsgs; }));
  ASSERT_TRUE(nc->flush());
  EXPECT_EQ(a + b, kMsgs);  // each message to exactly one member
  EXPECT_GT(a.load(), 0);   // and both members get some
  EXPECT_GT(b.load(), 0);
  EXPECT_EQ(plain.load(), kMsgs);
}

TEST(ClientCore, RequestReply) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  Connection* raw = nc.get();
  auto svc = nc->subscribe("svc.echo", [raw](Message m) {
    (void)raw->publish(m.reply(), "echo: " + std::string(m.data()));
  });
  ASSERT_TRUE(svc);
  ASSERT_TRUE(nc->flush());
  for (int i = 0; i < 20; ++i) {
    auto r = nc->request("svc.echo", "ping " + std::to_string(i), 2s);
    ASSERT_TRUE(r) << r.status().to_string();
    EXPECT_EQ(r->data(), "echo: ping " + std::to_string(i));
  }
}

TEST(ClientCore, ConcurrentRequestsShareOneInbox) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  Connection* raw = nc.get();
  auto svc = nc->subscribe("svc.id", [raw](Message m) { (void)raw->publish(m.reply(), m.data()); });
  ASSERT_TRUE(svc);
  ASSERT_TRUE(nc->flush());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string body = std::to_string(t) + "/" + std::to_string(i);
        auto r = raw->request("svc.id", body, 5s);
        if (r && r->data() == body) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST(ClientCore, RequestTimesOutAndTheNextOneStillWorks) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  Connection* raw = nc.get();
  std::atomic<int> seen{0};
  // Answers every second request only.
  auto svc = nc->subscribe("svc.flaky", [raw, &seen](Message m) {
    if (seen++ % 2 == 1) (void)raw->publish(m.reply(), "late but here");
  });
  ASSERT_TRUE(svc);
  ASSERT_TRUE(nc->flush());
  const auto start = std::chrono::steady_clock::now();
  auto r1 = nc->request("svc.flaky", "1", 200ms);
  EXPECT_EQ(r1.code(), Errc::kTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 190ms);
  auto r2 = nc->request("svc.flaky", "2", 2s);
  ASSERT_TRUE(r2) << r2.status().to_string();
  EXPECT_EQ(r2->data(), "late but here");
}

TEST(ClientCore, NoRespondersIsItsOwnError) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  const auto start = std::chrono::steady_clock::now();
  auto r = nc->request("nobody.home", "hello?", 5s);
  EXPECT_EQ(r.code(), Errc::kNoResponders) << r.status().to_string();
  // Reported by the server at once, not after the timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ClientCore, HeadersRoundTrip) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  ASSERT_TRUE(nc->server_info().headers);
  auto sub = nc->subscribe_sync("hdr.test");
  ASSERT_TRUE(sub);
  Headers h;
  h.add("X-Trace", "abc123");
  h.add("X-Multi", "one");
  h.add("X-Multi", "two");
  ASSERT_TRUE(nc->publish("hdr.test", "", h, "payload"));
  auto m = sub->next_msg(2s);
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_TRUE(m->has_headers());
  EXPECT_EQ(m->headers().get("X-Trace"), "abc123");
  EXPECT_EQ(m->headers().values("X-Multi"), (std::vector<std::string_view>{"one", "two"}));
  EXPECT_EQ(m->data(), "payload");
  EXPECT_EQ(m->status(), 0);
  // A header-only message with an empty body.
  Headers only;
  only.add("K", "V");
  ASSERT_TRUE(nc->publish("hdr.test", "", only, ""));
  auto m2 = sub->next_msg(2s);
  ASSERT_TRUE(m2);
  EXPECT_EQ(m2->headers().get("K"), "V");
  EXPECT_EQ(m2->data(), "");
  // Invalid headers never reach the wire.
  Headers bad;
  bad.add("Bad Key", "v");
  EXPECT_EQ(nc->publish("hdr.test", "", bad, "x").code(), Errc::kInvalidArgument);
}

TEST(ClientCore, RequestWithHeaders) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  Connection* raw = nc.get();
  auto svc = nc->subscribe("svc.hdr", [raw](Message m) {
    Headers h;
    h.add("Echo", std::string(m.headers().get("Ask").value_or("none")));
    (void)raw->publish(m.reply(), "", h, "ok");
  });
  ASSERT_TRUE(svc);
  ASSERT_TRUE(nc->flush());
  Headers ask;
  ask.add("Ask", "question");
  auto r = nc->request("svc.hdr", ask, "body", 2s);
  ASSERT_TRUE(r) << r.status().to_string();
  EXPECT_EQ(r->headers().get("Echo"), "question");
  EXPECT_EQ(r->data(), "ok");
}

TEST(ClientCore, AutoUnsubscribe) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  Inbox in;
  auto sub = nc->subscribe("auto.unsub", in.handler());
  ASSERT_TRUE(sub);
  ASSERT_TRUE(sub->auto_unsubscribe(5));
  ASSERT_TRUE(nc->flush());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(nc->publish("auto.unsub", std::to_string(i)));
  ASSERT_TRUE(nc->flush());
  ASSERT_TRUE(wait_for([&] { return in.size() >= 5; }));
  ASSERT_TRUE(nc->flush());
  EXPECT_EQ(in.size(), 5u);
  EXPECT_EQ(in.at(4).data(), "4");
  EXPECT_EQ(sub->unsubscribe().code(), Errc::kInvalidSubscription);  // already gone
}

TEST(ClientCore, AutoUnsubscribeSync) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  auto sub = nc->subscribe_sync("auto.sync");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(sub->auto_unsubscribe(2));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(nc->publish("auto.sync", std::to_string(i)));
  ASSERT_TRUE(nc->flush());
  EXPECT_EQ(sub->next_msg(2s)->data(), "0");
  EXPECT_EQ(sub->next_msg(2s)->data(), "1");
  EXPECT_EQ(sub->next_msg(200ms).code(), Errc::kInvalidSubscription);
}

TEST(ClientCore, UnsubscribeStopsDelivery) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  Inbox in;
  auto sub = nc->subscribe("unsub.me", in.handler());
  ASSERT_TRUE(sub);
  ASSERT_TRUE(nc->publish("unsub.me", "1"));
  ASSERT_TRUE(wait_for([&] { return in.size() == 1; }));
  ASSERT_TRUE(sub->unsubscribe());
  ASSERT_TRUE(nc->publish("unsub.me", "2"));
  ASSERT_TRUE(nc->flush());
  std::this_thread::sleep_for(50ms);  // nothing may arrive: give it the chance to be wrong
  EXPECT_EQ(in.size(), 1u);
}

TEST(ClientCore, FlushRoundTrip) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  auto sub = nc->subscribe_sync("flush.x");
  ASSERT_TRUE(sub);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(nc->publish("flush.x", "m"));
  ASSERT_TRUE(nc->flush(5s));
  // After the PONG everything published before the PING has been delivered to us.
  EXPECT_EQ(sub->pending(), 1000);
  auto rtt = nc->rtt();
  ASSERT_TRUE(rtt);
  EXPECT_GT(rtt->count(), 0);
}

TEST(ClientCore, DrainSubscriptionDeliversWhatWasInFlight) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  std::atomic<int> handled{0};
  auto sub = nc->subscribe("drain.sub", [&](Message) {
    std::this_thread::sleep_for(1ms);
    ++handled;
  });
  ASSERT_TRUE(sub);
  ASSERT_TRUE(nc->flush());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(nc->publish("drain.sub", "x"));
  ASSERT_TRUE(sub->drain(10s));
  EXPECT_EQ(handled.load(), 100);  // drain returned only after every callback ran
  ASSERT_TRUE(nc->publish("drain.sub", "after"));
  ASSERT_TRUE(nc->flush());
  EXPECT_EQ(handled.load(), 100);
}

TEST(ClientCore, DrainConnectionThenClosed) {
  Options o = test_options();
  std::atomic<bool> closed{false};
  o.closed_cb = [&](Connection&) { closed = true; };
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  std::atomic<int> handled{0};
  auto sub = nc->subscribe("drain.conn", [&](Message) { ++handled; });
  ASSERT_TRUE(sub);
  ASSERT_TRUE(nc->flush());
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(nc->publish("drain.conn", "x"));
  ASSERT_TRUE(nc->drain(10s));
  EXPECT_EQ(handled.load(), 500);
  EXPECT_EQ(nc->state(), ConnState::kClosed);
  EXPECT_TRUE(wait_for([&] { return closed.load(); }));
  EXPECT_EQ(nc->publish("drain.conn", "x").code(), Errc::kConnectionClosed);
}

TEST(ClientCore, CloseFailsWaitersAndRefusesWork) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  auto sub = nc->subscribe_sync("close.x");
  ASSERT_TRUE(sub);
  nc->close();
  EXPECT_EQ(nc->state(), ConnState::kClosed);
  EXPECT_EQ(nc->publish("close.x", "x").code(), Errc::kConnectionClosed);
  EXPECT_EQ(nc->flush().code(), Errc::kConnectionClosed);
  EXPECT_EQ(sub->next_msg(10ms).code(), Errc::kInvalidSubscription);
  EXPECT_EQ(nc->request("x", "", 100ms).code(), Errc::kConnectionClosed);
}

TEST(ClientCore, HundredThousandInOrder) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  constexpr int kMsgs = 100000;
  std::atomic<int> received{0};
  std::atomic<bool> in_order{true};
  auto sub = nc->subscribe("order.test", [&](Message m) {
    if (m.data() != std::to_string(received.load())) in_order = false;
    ++received;
  });
  ASSERT_TRUE(sub);
  ASSERT_TRUE(nc->flush());
  for (int i = 0; i < kMsgs; ++i) ASSERT_TRUE(nc->publish("order.test", std::to_string(i)));
  ASSERT_TRUE(nc->flush(30s));
  ASSERT_TRUE(wait_for([&] { return received.load() == kMsgs; }, 30s)) << received.load();
  EXPECT_TRUE(in_order.load());
  EXPECT_EQ(sub->dropped(), 0u);
  EXPECT_GE(nc->stats().out_msgs, uint64_t(kMsgs));
}

TEST(ClientCore, LargePayloads) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  const int64_t max = nc->max_payload();
  ASSERT_GT(max, 0);
  auto sub = nc->subscribe_sync("large.x");
  ASSERT_TRUE(sub);
  std::string big(size_t(max), '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = char('a' + i % 26);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(nc->publish("large.x", big));
  for (int i = 0; i < 5; ++i) {
    auto m = sub->next_msg(10s);
    ASSERT_TRUE(m) << m.status().to_string();
    EXPECT_EQ(m->data().size(), big.size());
    EXPECT_TRUE(m->data() == big);
  }
  EXPECT_EQ(nc->publish("large.x", big + "!").code(), Errc::kMaxPayload);
  EXPECT_TRUE(nc->is_connected());
}

TEST(ClientCore, NoEchoSkipsOwnMessages) {
  Options o = test_options();
  o.echo = false;
  auto quiet = connect_or_fail(o);
  auto other = connect_or_fail();
  ASSERT_TRUE(quiet && other);
  auto sub = quiet->subscribe_sync("echo.test");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(quiet->flush());
  ASSERT_TRUE(quiet->publish("echo.test", "mine"));
  ASSERT_TRUE(other->publish("echo.test", "theirs"));
  ASSERT_TRUE(other->flush());
  auto m = sub->next_msg(2s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->data(), "theirs");
  EXPECT_EQ(sub->next_msg(100ms).code(), Errc::kTimeout);
}

TEST(ClientCore, CustomInboxPrefix) {
  Options o = test_options();
  o.inbox_prefix = "_MY.INBOX";
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  EXPECT_EQ(nc->new_inbox().rfind("_MY.INBOX.", 0), 0u);
  std::string seen_reply;
  std::mutex mu;
  Connection* raw = nc.get();
  auto svc = nc->subscribe("svc.prefix", [&, raw](Message m) {
    {
      std::lock_guard lock(mu);
      seen_reply = std::string(m.reply());
    }
    (void)raw->publish(m.reply(), "ok");
  });
  ASSERT_TRUE(svc);
  ASSERT_TRUE(nc->flush());
  ASSERT_TRUE(nc->request("svc.prefix", "", 2s));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen_reply.rfind("_MY.INBOX.", 0), 0u) << seen_reply;
}

TEST(ClientCore, SlowConsumerDropsAndReports) {
  Options o = test_options();
  std::atomic<int> slow_errors{0};
  o.error_cb = [&](Connection&, const Status& s, std::string_view subject) {
    if (s.code() == Errc::kSlowConsumer && subject == "slow.x") ++slow_errors;
  };
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  auto sub = nc->subscribe_sync("slow.x");
  ASSERT_TRUE(sub);
  sub->set_pending_limits(10, 1 << 20);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(nc->publish("slow.x", "m"));
  ASSERT_TRUE(nc->flush());
  EXPECT_EQ(sub->pending(), 10);
  EXPECT_EQ(sub->dropped(), 40u);
  EXPECT_TRUE(wait_for([&] { return slow_errors.load() == 1; }));
}

TEST(ClientCore, ConnectFailsFastWithNoServer) {
  Options o;
  o.servers = {"nats://127.0.0.1:1"};  // nothing listens on port 1
  auto nc = Connection::connect(o);
  ASSERT_FALSE(nc);
  EXPECT_EQ(nc.code(), Errc::kNoServers) << nc.status().to_string();
}

TEST(ClientCore, ServerListWithADeadServerFirst) {
  Options o = test_options();
  o.servers = {"nats://127.0.0.1:1", server_url()};
  o.no_randomize = true;
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  EXPECT_EQ(nc->connected_url().substr(nc->connected_url().rfind(':')),
            server_url().substr(server_url().rfind(':')));
}

}  // namespace
}  // namespace nats::client::testing
