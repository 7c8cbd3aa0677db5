// Object stores (nats/object_store.h) against nats-server 2.9.10 `-js`.

#include <random>
#include <sstream>
#include <string>

#include "nats/jetstream.h"
#include "nats/object_store.h"
#include "test_env.h"

namespace nats::client::testing {
namespace {

using namespace std::chrono_literals;

ObjectStoreConfig memory_store(std::string name) {
  ObjectStoreConfig c;
  c.bucket = std::move(name);
  c.storage = StorageType::kMemory;
  return c;
}

std::string random_bytes(size_t n) {
  std::mt19937_64 rng(42);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(ClientObjectStoreDisabled, CallsFailWithJetStreamNotEnabled) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc, {.timeout = 2s});
  EXPECT_EQ(create_object_store(js, memory_store("O")).code(), Errc::kJetStreamNotEnabled);
  EXPECT_EQ(object_store(js, "O").code(), Errc::kJetStreamNotEnabled);
  EXPECT_EQ(object_store_names(js).code(), Errc::kJetStreamNotEnabled);
}

TEST(ClientObjectStore, StreamShape) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  auto obs = create_object_store(js, memory_store("shape"));
  ASSERT_TRUE(obs) << obs.status().to_string();
  auto si = js.stream_info("OBJ_shape");
  ASSERT_TRUE(si);
  EXPECT_EQ(si->config.subjects, (std::vector<std::string>{"$O.shape.C.>", "$O.shape.M.>"}));
  EXPECT_TRUE(si->config.allow_rollup_hdrs);
  EXPECT_TRUE(si->config.allow_direct);
  EXPECT_EQ(si->config.discard, DiscardPolicy::kNew);
  auto names = object_store_names(js);
  ASSERT_TRUE(names);
  EXPECT_NE(std::find(names->begin(), names->end(), "shape"), names->end());
  EXPECT_TRUE(delete_object_store(js, "shape"));
  EXPECT_EQ(object_store(js, "shape").code(), Errc::kBucketNotFound);
}

TEST(ClientObjectStore, PutGetLargeObjectByteIdentical) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  auto obs = create_object_store(js, memory_store("big"));
  ASSERT_TRUE(obs);
  const std::string data = random_bytes(1024 * 1024 + 12345);  // 9 chunks, the last short
  std::istringstream in(data);
  ObjectMeta meta;
  meta.name = "blob.bin";
  meta.description = "random";
  meta.headers.add("Content-Type", "application/octet-stream");
  auto info = obs->put(meta, in);
  ASSERT_TRUE(info) << info.status().to_string();
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(info->chunks, 9u);
  EXPECT_EQ(info->digest, object_digest(data));
  EXPECT_TRUE(info->digest.starts_with("SHA-256="));
  EXPECT_EQ(info->nuid.size(), 22u);

  std::ostringstream out;
  auto got = obs->get("blob.bin", out);
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_TRUE(out.str() == data) << "read back " << out.str().size() << " bytes";
  EXPECT_EQ(got->description, "random");
  EXPECT_EQ(got->headers.get("Content-Type"), "application/octet-stream");
  EXPECT_EQ(got->max_chunk_size, kObjectDefaultChunkSize);

  // The meta message holds ADR-20's JSON under the base64url of the name.
  auto meta_msg = js.get_last_msg("OBJ_big", "$O.big.M.YmxvYi5iaW4=");
  ASSERT_TRUE(meta_msg) << meta_msg.status().to_string();
  EXPECT_NE(meta_msg->data.find("\"digest\":\"SHA-256="), std::string::npos);
  EXPECT_NE(meta_msg->data.find("\"max_chunk_size\":131072"), std::string::npos);
  EXPECT_EQ(meta_msg->headers.get("Nats-Rollup"), "sub");

  // Replacing it purges the old chunks.
  ASSERT_TRUE(obs->put("blob.bin", "small now"));
  auto after = js.stream_info("OBJ_big");
  EXPECT_EQ(after->state.messages, 2u) << "one chunk and one meta";
  auto small = obs->get_bytes("blob.bin");
  ASSERT_TRUE(small) << small.status().to_string();
  EXPECT_EQ(*small, "small now");
  EXPECT_TRUE(delete_object_store(js, "big"));
}

TEST(ClientObjectStore, ZeroBytesInfoListDelete) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  auto obs = create_object_store(js, memory_store("files"));
  ASSERT_TRUE(obs);
  auto empty = obs->put("empty", "");
  ASSERT_TRUE(empty) << empty.status().to_string();
  EXPECT_EQ(empty->size, 0u);
  EXPECT_EQ(empty->chunks, 0u);
  EXPECT_EQ(empty->digest, "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=");
  auto got = obs->get_bytes("empty");
  ASSERT_TRUE(got) << got.status().to_string();
  EXPECT_EQ(*got, "");

  ASSERT_TRUE(obs->put("b.txt", "bee"));
  ASSERT_TRUE(obs->put("a.txt", "ay"));
  auto list = obs->list();
  ASSERT_TRUE(list) << list.status().to_string();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "a.txt");
  EXPECT_EQ((*list)[1].name, "b.txt");
  EXPECT_EQ((*list)[1].size, 3u);
  EXPECT_LT(std::chrono::system_clock::now() - (*list)[1].mtime, 10s);

  auto info = obs->info("a.txt");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 2u);
  EXPECT_EQ(info->bucket, "files");

  ASSERT_TRUE(obs->remove("a.txt"));
  EXPECT_EQ(obs->info("a.txt").code(), Errc::kObjectNotFound);
  EXPECT_EQ(obs->get_bytes("a.txt").code(), Errc::kObjectNotFound);
  auto deleted = obs->info("a.txt", true);
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(deleted->deleted);
  EXPECT_EQ(obs->list()->size(), 2u);
  EXPECT_EQ(obs->list(true)->size(), 3u);
  EXPECT_EQ(obs->remove("never").code(), Errc::kObjectNotFound);
  EXPECT_EQ(obs->get_bytes("never").code(), Errc::kObjectNotFound);

  auto st = obs->status();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->bucket, "files");
  EXPECT_EQ(st->backing_store, "JetStream");
  EXPECT_GT(st->size, 0u);
  EXPECT_TRUE(delete_object_store(js, "files"));

  auto none = create_object_store(js, memory_store("none"));
  ASSERT_TRUE(none);
  auto l = none->list();
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->empty());
  EXPECT_TRUE(delete_object_store(js, "none"));
}

TEST(ClientObjectStore, CorruptChunkIsDigestMismatch) {
  auto nc = connect_or_fail();
  ASSERT_TRUE(nc);
  JetStream js(*nc);
  auto obs = create_object_store(js, memory_store("corrupt"));
  ASSERT_TRUE(obs);
  auto info = obs->put("x", "hello world");
  ASSERT_TRUE(info);
  // Another chunk under the object's nuid: the bytes no longer add up.
  ASSERT_TRUE(js.publish("$O.corrupt.C." + info->nuid, "!"));
  EXPECT_EQ(obs->get_bytes("x").code(), Errc::kDigestMismatch);
  EXPECT_TRUE(delete_object_store(js, "corrupt"));
}

}  // namespace
}  // namespace nats::client::testing
