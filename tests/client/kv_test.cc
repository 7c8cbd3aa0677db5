// Key-value buckets (nats/kv.h) against nats-server 2.9.10 `-js`: what a user of the bucket
// sees. ClientKvDisabled runs against natsd (no JetStream) and checks the clean failure.

#include <string>
#include <thread>
#include <vector>

#include "nats/kv.h"
#include "test_env.h"

namespace nats::client::testing {
namespace {

using namespace std::chrono_literals;

KeyValueConfig memory_bucket(std::string name, int history = 1) {
  KeyValueConfig c;
  c.bucket = std::move(name);
  c.history = history;
  c.storage = StorageType::kMemory;
  return c;
}

// The next entry of a watcher, failing the test when none comes.
std::optional<KeyValueEntry> next_entry(KeyWatcher& w) {
  auto e = w.next(5s);
  EXPECT_TRUE(e) << e.status().to_string();
  return e ? *e : std::nullopt;
}

TEST(ClientKvDisabled, CallsFailWithJetStreamNotEnabled) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc, {.timeout = 2s});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(create_key_value(js, memory_bucket("B")).code(), Errc::kJetStreamNotEnabled);
  EXPECT_EQ(key_value(js, "B").code(), Errc::kJetStreamNotEnabled);
  EXPECT_EQ(delete_key_value(js, "B").code(), Errc::kJetStreamNotEnabled);
  EXPECT_EQ(key_value_bucket_names(js).code(), Errc::kJetStreamNotEnabled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(ClientKv, BucketIsTheStreamNatsGoMakes) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  KeyValueConfig cfg = memory_bucket("shape", 5);
  cfg.description = "d";
  cfg.max_value_size = 1024;
  auto kv = create_key_value(js, cfg);
  ASSERT_TRUE(kv) << kv.status().to_string();
  EXPECT_EQ(kv->bucket(), "shape");
  auto si = js.stream_info("KV_shape");
  ASSERT_TRUE(si);
  EXPECT_EQ(si->config.subjects, std::vector<std::string>{"$KV.shape.>"});
  EXPECT_EQ(si->config.max_msgs_per_subject, 5);
  EXPECT_EQ(si->config.max_msg_size, 1024);
  EXPECT_TRUE(si->config.allow_rollup_hdrs);
  EXPECT_TRUE(si->config.deny_delete);
  EXPECT_TRUE(si->config.allow_direct);
  EXPECT_EQ(si->config.discard, DiscardPolicy::kNew);
  EXPECT_EQ(si->config.description, "d");
  // The same config again is the same bucket; another config is refused.
  EXPECT_TRUE(create_key_value(js, cfg));
  cfg.history = 2;
  EXPECT_FALSE(create_key_value(js, cfg));
  cfg.history = 65;
  EXPECT_EQ(create_key_value(js, cfg).code(), Errc::kInvalidArgument);
  EXPECT_EQ(create_key_value(js, memory_bucket("bad.name")).code(), Errc::kInvalidArgument);

  auto names = key_value_bucket_names(js);
  ASSERT_TRUE(names);
  EXPECT_NE(std::find(names->begin(), names->end(), "shape"), names->end());
  EXPECT_TRUE(delete_key_value(js, "shape"));
  EXPECT_EQ(key_value(js, "shape").code(), Errc::kBucketNotFound);
  EXPECT_EQ(delete_key_value(js, "shape").code(), Errc::kBucketNotFound);
}

TEST(ClientKv, PutGetCreateUpdate) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  auto kv = create_key_value(js, memory_bucket("crud", 5));
  ASSERT_TRUE(kv) << kv.status().to_string();

  EXPECT_EQ(kv->get("missing").code(), Errc::kKeyNotFound);
  auto r1 = kv->put("app.color", "blue");
  ASSERT_TRUE(r1) << r1.status().to_string();
  auto e = kv->get("app.color");
  ASSERT_TRUE(e) << e.status().to_string();
  EXPECT_EQ(e->value, "blue");
  EXPECT_EQ(e->key, "app.color");
  EXPECT_EQ(e->bucket, "crud");
  EXPECT_EQ(e->revision, *r1);
  EXPECT_EQ(e->op, KvOp::kPut);
  EXPECT_LT(std::chrono::system_clock::now() - e->created, 10s);

  // create: only when the key has no value.
  auto exists = kv->create("app.color", "red");
  EXPECT_EQ(exists.code(), Errc::kKeyExists) << exists.status().to_string();
  EXPECT_EQ(exists.status().err_code(), 10071);
  auto created = kv->create("app.size", "L");
  ASSERT_TRUE(created) << created.status().to_string();

  // update: only over the named revision.
  auto wrong = kv->update("app.color", "green", *r1 + 100);
  EXPECT_EQ(wrong.code(), Errc::kRevisionMismatch) << wrong.status().to_string();
  auto r2 = kv->update("app.color", "green", *r1);
  ASSERT_TRUE(r2) << r2.status().to_string();
  EXPECT_EQ(kv->get("app.color")->value, "green");
  EXPECT_EQ(kv->get_revision("app.color", *r1)->value, "blue");
  EXPECT_EQ(kv->get_revision("app.color", *created).code(), Errc::kKeyNotFound);  // app.size's

  // Key rules.
  for (std::string_view bad : {"", ".a", "a.", "a..b", "a b", "a*", "a>"}) {
    EXPECT_EQ(kv->put(bad, "x").code(), Errc::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(kv->put("a-b/c_d=e.F9", "x"));
  EXPECT_TRUE(delete_key_value(js, "crud"));
}

TEST(ClientKv, DeletePurgeAndHistory) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  auto kv = create_key_value(js, memory_bucket("hist", 10));
  ASSERT_TRUE(kv);
  ASSERT_TRUE(kv->put("k", "1"));
  ASSERT_TRUE(kv->put("k", "2"));
  ASSERT_TRUE(kv->remove("k"));
  EXPECT_EQ(kv->get("k").code(), Errc::kKeyNotFound);

  auto h = kv->history("k");
  ASSERT_TRUE(h) << h.status().to_string();
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].value, "1");
  EXPECT_EQ((*h)[1].value, "2");
  EXPECT_EQ((*h)[2].op, KvOp::kDelete);
  EXPECT_EQ((*h)[2].value, "");

  // A deleted key can be created again (over the delete marker).
  auto again = kv->create("k", "3");
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_EQ(kv->get("k")->value, "3");

  // Purge leaves only the marker.
  ASSERT_TRUE(kv->put("other", "x"));
  ASSERT_TRUE(kv->purge("k"));
  h = kv->history("k");
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ((*h)[0].op, KvOp::kPurge);
  EXPECT_EQ(kv->get("k").code(), Errc::kKeyNotFound);
  EXPECT_TRUE(kv->create("k", "4"));
  EXPECT_EQ(kv->history("nope").code(), Errc::kKeyNotFound);

  // Deletes with an expected revision.
  auto last = kv->get("other");
  ASSERT_TRUE(last);
  EXPECT_EQ(kv->remove("other", last->revision + 5).code(), Errc::kRevisionMismatch);
  EXPECT_TRUE(kv->remove("other", last->revision));

  auto keys = kv->keys();
  ASSERT_TRUE(keys) << keys.status().to_string();
  EXPECT_EQ(*keys, std::vector<std::string>{"k"});

  auto st = kv->status();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->bucket, "hist");
  EXPECT_EQ(st->history, 10);
  EXPECT_EQ(st->backing_store, "JetStream");
  EXPECT_GT(st->values, 0u);
  EXPECT_GT(st->bytes, 0u);
  EXPECT_TRUE(delete_key_value(js, "hist"));
}

TEST(ClientKv, WatchInitialValuesMarkerThenUpdates) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  auto kv = create_key_value(js, memory_bucket("watch", 5));
  ASSERT_TRUE(kv);
  ASSERT_TRUE(kv->put("a", "1"));
  ASSERT_TRUE(kv->put("a", "2"));
  ASSERT_TRUE(kv->put("b", "1"));
  ASSERT_TRUE(kv->remove("b"));

  auto w = kv->watch_all();
  ASSERT_TRUE(w) << w.status().to_string();
  auto e = next_entry(**w);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "a");
  EXPECT_EQ(e->value, "2");
  EXPECT_EQ(e->delta, 1u);
  e = next_entry(**w);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "b");
  EXPECT_EQ(e->op, KvOp::kDelete);
  EXPECT_EQ(e->delta, 0u);
  auto marker = (*w)->next(5s);
  ASSERT_TRUE(marker);
  EXPECT_FALSE(marker->has_value()) << "the initial-values-done marker";

  ASSERT_TRUE(kv->put("c", "new"));
  e = next_entry(**w);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "c");
  EXPECT_EQ(e->value, "new");
  ASSERT_TRUE(kv->purge("a"));
  e = next_entry(**w);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->op, KvOp::kPurge);
  EXPECT_EQ((*w)->next(200ms).code(), Errc::kTimeout);
  (*w)->stop();
  EXPECT_EQ((*w)->next(200ms).code(), Errc::kInvalidSubscription);

  // An empty match: the marker at once.
  auto empty = kv->watch("nothing.*");
  ASSERT_TRUE(empty);
  auto m = (*empty)->next(2s);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->has_value());

  // Options: history, ignore deletes, meta only, updates only.
  WatchOptions hist;
  hist.include_history = true;
  hist.ignore_deletes = true;
  auto wh = kv->watch_all(hist);
  ASSERT_TRUE(wh);
  std::vector<std::string> seen;
  while (true) {
    auto x = (*wh)->next(5s);
    ASSERT_TRUE(x);
    if (!x->has_value()) break;
    seen.push_back((*x)->key + "=" + (*x)->value);
  }
  // a's history was purged; b's put stays, its delete is ignored.
  EXPECT_EQ(seen, (std::vector<std::string>{"b=1", "c=new"}));

  WatchOptions meta;
  meta.meta_only = true;
  auto wm = kv->watch("c", meta);
  ASSERT_TRUE(wm);
  e = next_entry(**wm);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "c");
  EXPECT_EQ(e->value, "");

  WatchOptions upd;
  upd.updates_only = true;
  auto wu = kv->watch_all(upd);
  ASSERT_TRUE(wu);
  EXPECT_EQ((*wu)->next(300ms).code(), Errc::kTimeout);  // no old values, no marker
  ASSERT_TRUE(kv->put("d", "later"));
  e = next_entry(**wu);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->key, "d");
  EXPECT_TRUE(delete_key_value(js, "watch"));
}

TEST(ClientKv, LimitsTtlAndValueSize) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  KeyValueConfig cfg = memory_bucket("limits");
  cfg.max_value_size = 16;
  cfg.ttl = 1s;
  auto kv = create_key_value(js, cfg);
  ASSERT_TRUE(kv) << kv.status().to_string();
  auto big = kv->put("k", std::string(17, 'x'));
  EXPECT_FALSE(big);
  EXPECT_TRUE(big.status().is_api_error()) << big.status().to_string();
  ASSERT_TRUE(kv->put("k", std::string(16, 'x')));
  auto st = kv->status();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->ttl, std::chrono::seconds(1));
  // The value expires with the ttl.
  bool gone = false;
  for (int i = 0; i < 40 && !gone; ++i) {
    std::this_thread::sleep_for(100ms);
    gone = kv->get("k").code() == Errc::kKeyNotFound;
  }
  EXPECT_TRUE(gone);
  EXPECT_TRUE(delete_key_value(js, "limits"));
}

TEST(ClientKv, WithoutDirectGetUsesMsgGet) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  ASSERT_TRUE(create_key_value(js, memory_bucket("nodirect")));
  auto si = js.stream_info("KV_nodirect");
  ASSERT_TRUE(si);
  StreamConfig c = si->config;
  c.allow_direct = false;
  ASSERT_TRUE(js.update_stream(c));
  auto kv = key_value(js, "nodirect");
  ASSERT_TRUE(kv);
  ASSERT_TRUE(kv->put("k", "v"));
  auto e = kv->get("k");
  ASSERT_TRUE(e) << e.status().to_string();
  EXPECT_EQ(e->value, "v");
  EXPECT_EQ(kv->get("none").code(), Errc::kKeyNotFound);
  EXPECT_TRUE(delete_key_value(js, "nodirect"));
}

}  // namespace
}  // namespace nats::client::testing
