#pragma once
// JetStream object stores (ADR-20): files of any size kept in a stream as chunks, as nats.go and
// natscli keep them.
//
//   JetStream js(*nc);
//   auto obs = create_object_store(js, {.bucket = "files"});      // Result<ObjectStore>
//   std::ifstream in("report.pdf", std::ios::binary);
//   auto info = obs->put({.name = "report.pdf"}, in);            // info->digest, ->chunks
//   std::ofstream out("copy.pdf", std::ios::binary);
//   obs->get("report.pdf", out);                                  // kDigestMismatch if corrupt
//
// The bucket is the stream OBJ_<bucket> on $O.<bucket>.C.> (chunks) and $O.<bucket>.M.> (meta),
// rollups and direct get allowed, discard new. An object is its chunks (128 KiB by default) on
// $O.<bucket>.C.<nuid>, a NUID new for every put, then one meta message on
// $O.<bucket>.M.<base64url(name)> with `Nats-Rollup: sub` holding ADR-20's JSON: name,
// description, headers, options.max_chunk_size, bucket, nuid, size, mtime, chunks, digest
// ("SHA-256=" + base64url of the SHA-256 of the bytes) and deleted. Putting a name again
// replaces the meta and then purges the old chunks; deleting writes a meta with deleted=true
// and purges the chunks.
//
// Free functions over a JetStream as for key-value buckets (nats/kv.h). An ObjectStore borrows
// the JetStream: destroy it first. Calls may come from any thread except the connection's
// delivery thread (get() and list() wait for messages delivered there).

#include <chrono>
#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "nats/jetstream.h"

namespace nats::client {

inline constexpr uint32_t kObjectDefaultChunkSize = 128 * 1024;  // bytes

struct ObjectStoreConfig {
  std::string bucket;  // letters, digits, '-' and '_'
  std::string description;
  Nanos ttl{0};            // 0: objects live forever
  int64_t max_bytes = -1;  // -1: no limit
  StorageType storage = StorageType::kFile;
  int replicas = 1;
};

// What the caller says about an object when putting it.
struct ObjectMeta {
  std::string name;
  std::string description;
  Headers headers;
  uint32_t chunk_size = 0;  // 0: kObjectDefaultChunkSize
};

struct ObjectInfo {
  std::string name;
  std::string description;
  Headers headers;
  uint32_t max_chunk_size = 0;
  std::string bucket;
  std::string nuid;
  uint64_t size = 0;                            // bytes
  std::chrono::system_clock::time_point mtime;  // when the meta was stored
  uint32_t chunks = 0;
  std::string digest;  // "SHA-256=<base64url>", empty for a deleted object
  bool deleted = false;
};

struct ObjectStoreStatus {
  std::string bucket;
  std::string description;
  Nanos ttl{0};
  StorageType storage = StorageType::kFile;
  int replicas = 1;
  bool sealed = false;
  uint64_t size = 0;  // bytes in the stream: chunks and metas
  std::string backing_store = "JetStream";
  StreamInfo info;
};

class ObjectStore {
 public:
  const std::string& bucket() const { return bucket_; }
  const std::string& stream() const { return stream_; }

  // Reads `in` to its end in chunks and stores it under meta.name (replacing an object of
  // that name). kIo when the stream fails before its end; what was sent is purged then.
  Result<ObjectInfo> put(const ObjectMeta& meta, std::istream& in);
  Result<ObjectInfo> put(const ObjectMeta& meta, std::string_view data);
  Result<ObjectInfo> put(std::string_view name, std::string_view data);

  // Writes the object's bytes to `out` and checks them against its size and digest
  // (kDigestMismatch). kObjectNotFound when there is none (or it is deleted).
  Result<ObjectInfo> get(std::string_view name, std::ostream& out);
  Result<std::string> get_bytes(std::string_view name);

  // kObjectNotFound when there is none, or it is deleted and show_deleted is false.
  Result<ObjectInfo> info(std::string_view name, bool show_deleted = false);
  // Every object, by name; deleted ones only with show_deleted.
  Result<std::vector<ObjectInfo>> list(bool show_deleted = false);
  // Marks the object deleted and purges its chunks.
  Status remove(std::string_view name);
  Result<ObjectStoreStatus> status();

 private:
  friend Result<ObjectStore> object_store(JetStream& js, std::string_view bucket);
  friend Result<ObjectStore> create_object_store(JetStream& js, const ObjectStoreConfig& cfg);
  ObjectStore(JetStream& js, std::string bucket, bool direct);
  Status publish_meta(const ObjectInfo& info);

  JetStream* js_;
  std::string bucket_;
  std::string stream_;  // OBJ_<bucket>
  bool direct_ = false;
};

Result<ObjectStore> create_object_store(JetStream& js, const ObjectStoreConfig& cfg);
// An existing store: kBucketNotFound when there is none.
Result<ObjectStore> object_store(JetStream& js, std::string_view bucket);
Status delete_object_store(JetStream& js, std::string_view bucket);
// The names of every object store (streams named OBJ_*), sorted.
Result<std::vector<std::string>> object_store_names(JetStream& js);

// "SHA-256=<base64url>" of `data`, as ObjectInfo::digest holds it.
std::string object_digest(std::string_view data);

}  // namespace nats::client
