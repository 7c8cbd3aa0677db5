#pragma once
// JetStream key-value buckets (ADR-8), as nats.go and natscli make and read them.
//
//   JetStream js(*nc);
//   auto kv = create_key_value(js, {.bucket = "config", .history = 5});  // Result<KeyValue>
//   kv->put("app.color", "blue");                                        // Result<uint64_t>
//   auto e = kv->get("app.color");          // e->value == "blue", e->revision
//   kv->update("app.color", "red", e->revision);   // kRevisionMismatch if someone was first
//   auto w = kv->watch_all();               // initial values, a marker, then updates
//
// A bucket is the stream KV_<bucket> on subjects $KV.<bucket>.>, keeping `history` messages per
// subject (key), with rollups allowed, deletes through the API denied, direct get allowed and
// discard new. A put is a publish to $KV.<bucket>.<key>; a delete publishes an empty message
// with `KV-Operation: DEL`, a purge one with `KV-Operation: PURGE` and `Nats-Rollup: sub` (which
// removes the key's earlier revisions). A read is a direct get (STREAM.MSG.GET when the stream
// was made without allow_direct) of the last message on the key's subject.
//
// These are free functions over a JetStream rather than members so that jetstream.h stays about
// streams and consumers; a KeyValue borrows the JetStream (and through it the Connection):
// destroy it, and every KeyWatcher, first. Every call may come from any thread, and like the
// other request-based calls also from a message handler (watch() excepted: it waits for the
// delivery thread).

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nats/jetstream.h"

namespace nats::client {

inline constexpr std::string_view kKvOperationHdr = "KV-Operation";
inline constexpr std::string_view kRollupHdr = "Nats-Rollup";
inline constexpr int kKvMaxHistory = 64;  // revisions kept per key, at most

enum class KvOp { kPut, kDelete, kPurge };
// "PUT", "DEL", "PURGE", as natscli shows them.
std::string_view kv_op_name(KvOp op);

// Messages of the bucket republished elsewhere (nats-server 2.9+).
struct KvRePublish {
  std::string source;  // default: every key ($KV.<bucket>.>)
  std::string destination;
  bool headers_only = false;
};

struct KeyValueConfig {
  std::string bucket;  // letters, digits, '-' and '_'
  std::string description;
  int32_t max_value_size = -1;  // bytes; -1: no limit but the server's max_payload
  int history = 1;              // revisions kept per key, 1 to 64
  Nanos ttl{0};                 // how long a value lives; 0: forever
  int64_t max_bytes = -1;       // the bucket's size; -1: no limit
  StorageType storage = StorageType::kFile;
  int replicas = 1;
  std::optional<KvRePublish> republish;
};

struct KeyValueEntry {
  std::string bucket;
  std::string key;
  std::string value;      // empty for markers (and for watchers with meta_only)
  uint64_t revision = 0;  // the message's stream sequence
  std::chrono::system_clock::time_point created;
  uint64_t delta = 0;  // from a watcher: entries still pending after this one; 0 otherwise
  KvOp op = KvOp::kPut;
};

struct KeyValueStatus {
  std::string bucket;
  uint64_t values = 0;  // messages in the stream: every revision and marker
  int64_t history = 0;
  Nanos ttl{0};
  uint64_t bytes = 0;
  std::string backing_store = "JetStream";
  StreamInfo info;  // the stream behind it
};

struct WatchOptions {
  bool include_history = false;  // every revision kept, not only the last per key
  bool ignore_deletes = false;   // no DEL / PURGE entries
  bool meta_only = false;        // headers only: entries without values
  bool updates_only = false;     // nothing that exists now, only what changes (and no marker)
};

namespace detail {
struct KvWatchState;
}

// A running watch: entries in stream order through next(). After the initial values (the last
// revision of each matching key, or every revision kept with include_history) comes one marker,
// then the updates as they happen. Messages arrive on the connection's delivery thread into a
// queue that next() empties on the caller's thread; destroying the watcher stops it.
class KeyWatcher {
 public:
  ~KeyWatcher();
  KeyWatcher(const KeyWatcher&) = delete;
  KeyWatcher& operator=(const KeyWatcher&) = delete;

  // The next entry; an empty optional is the "initial values done" marker (sent at once when
  // nothing matched). kTimeout when nothing came within `timeout`, kInvalidSubscription after
  // stop().
  Result<std::optional<KeyValueEntry>> next(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void stop();

 private:
  friend class KeyValue;
  explicit KeyWatcher(std::shared_ptr<detail::KvWatchState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::KvWatchState> state_;
};

class KeyValue {
 public:
  const std::string& bucket() const { return bucket_; }
  const std::string& stream() const { return stream_; }

  // The last value of the key: kKeyNotFound when there is none or it was deleted or purged.
  Result<KeyValueEntry> get(std::string_view key);
  // That revision of the key: kKeyNotFound when it is not kept, is another key's, or a marker.
  Result<KeyValueEntry> get_revision(std::string_view key, uint64_t revision);
  // Stores a value whatever the key held; returns its revision.
  Result<uint64_t> put(std::string_view key, std::string_view value);
  // Stores a value only if the key has none (never written, deleted or purged): kKeyExists.
  Result<uint64_t> create(std::string_view key, std::string_view value);
  // Stores a value only if the key's last revision is `last_revision`: kRevisionMismatch.
  Result<uint64_t> update(std::string_view key, std::string_view value, uint64_t last_revision);
  // A DEL marker; earlier revisions stay in the history. last_revision (when not 0) must match.
  Status remove(std::string_view key, uint64_t last_revision = 0);
  // A PURGE marker that rolls up the key: its earlier revisions are removed.
  Status purge(std::string_view key, uint64_t last_revision = 0);

  // The keys that have a value, sorted, each once (empty when there are none).
  Result<std::vector<std::string>> keys();
  // Every revision of the key still kept, oldest first, markers included: kKeyNotFound when
  // there is none.
  Result<std::vector<KeyValueEntry>> history(std::string_view key);

  // `keys` is a key or a pattern with NATS wildcards ("app.*", ">").
  Result<std::unique_ptr<KeyWatcher>> watch(std::string_view keys, WatchOptions opts = {});
  Result<std::unique_ptr<KeyWatcher>> watch_all(WatchOptions opts = {}) { return watch(">", opts); }

  Result<KeyValueStatus> status();

 private:
  friend Result<KeyValue> key_value(JetStream& js, std::string_view bucket);
  friend Result<KeyValue> create_key_value(JetStream& js, const KeyValueConfig& cfg);
  KeyValue(JetStream& js, const StreamInfo& info);
  Result<KeyValueEntry> get_entry(std::string_view key, uint64_t revision);
  Result<uint64_t> publish_marker(std::string_view key, KvOp op, uint64_t last_revision);

  JetStream* js_;
  std::string bucket_;
  std::string stream_;  // KV_<bucket>
  std::string prefix_;  // $KV.<bucket>.
  bool direct_ = false;
};

// A bucket name: letters, digits, '-' and '_'.
bool valid_bucket_name(std::string_view bucket);
// A key: [-/_=.a-zA-Z0-9]+, no leading or trailing dot, no empty token.
bool valid_key(std::string_view key);

// Creates the bucket (or returns it when one with the same configuration exists).
Result<KeyValue> create_key_value(JetStream& js, const KeyValueConfig& cfg);
// An existing bucket: kBucketNotFound when there is none.
Result<KeyValue> key_value(JetStream& js, std::string_view bucket);
Status delete_key_value(JetStream& js, std::string_view bucket);
// The names of every bucket (streams named KV_*), sorted.
Result<std::vector<std::string>> key_value_bucket_names(JetStream& js);
// The status of every bucket, sorted by name.
Result<std::vector<KeyValueStatus>> key_value_buckets(JetStream& js);

}  // namespace nats::client
