// Object stores over JetStream (ADR-20). A put publishes chunks asynchronously (a bounded
// window of acks), then the meta message synchronously; a get and a list are ordered
// consumers whose messages are handled on the delivery thread while the caller waits.
// See nats/object_store.h for the contract.

#include "nats/object_store.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <sstream>

#include "base/clock.h"
#include "crypto/nuid.h"
#include "js_internal.h"
#include "nats/kv.h"
#include "store_util.h"

namespace nats::client {

namespace {

using namespace std::chrono_literals;
using detail::Json;

constexpr std::string_view kStreamPrefix = "OBJ_";
constexpr std::string_view kDigestPrefix = "SHA-256=";
constexpr size_t kMaxChunksInFlight = 32;  // chunk acks awaited before reading more
constexpr auto kAckTimeout = 10s;          // per chunk ack
constexpr auto kChunkTimeout = 5s;         // silence between chunks (or metas) while reading

std::string chunk_subject(std::string_view bucket, std::string_view nuid) {
  return "$O." + std::string(bucket) + ".C." + std::string(nuid);
}
std::string meta_subject(std::string_view bucket, std::string_view name) {
  return "$O." + std::string(bucket) + ".M." + detail::base64url_encode(name);
}

Status bad_bucket() { return Status(Errc::kInvalidArgument, "nats: invalid object store name"); }
Status not_found() { return Status(Errc::kObjectNotFound, "nats: object not found"); }

// ADR-20's meta document. Headers are Go's http.Header shape: {"Key":["v1","v2"]}.
Json meta_json(const ObjectInfo& info) {
  Json j;
  j["name"] = info.name;
  if (!info.description.empty()) j["description"] = info.description;
  if (!info.headers.empty()) {
    Json h = Json::object();
    for (const auto& [k, v] : info.headers) h[k].push_back(v);
    j["headers"] = h;
  }
  j["options"] = Json{{"max_chunk_size", info.max_chunk_size}};
  j["bucket"] = info.bucket;
  j["nuid"] = info.nuid;
  j["size"] = info.size;
  j["mtime"] = rfc3339_utc(wall_nanos());
  j["chunks"] = info.chunks;
  if (!info.digest.empty()) j["digest"] = info.digest;
  if (info.deleted) j["deleted"] = true;
  return j;
}

Result<ObjectInfo> meta_from(std::string_view data) {
  Json j = detail::parse_json(data);
  if (!j.is_object() || !j.contains("name")) {
    return Status(Errc::kProtocol, "nats: object meta is not valid JSON");
  }
  ObjectInfo info;
  try {
    info.name = j.value("name", "");
    info.description = j.value("description", "");
    if (auto h = j.find("headers"); h != j.end() && h->is_object()) {
      for (const auto& [k, vs] : h->items()) {
        if (vs.is_array()) {
          for (const auto& v : vs) {
            if (v.is_string()) info.headers.add(k, v.get<std::string>());
          }
        }
      }
    }
    if (auto o = j.find("options"); o != j.end() && o->is_object()) {
      info.max_chunk_size = o->value("max_chunk_size", uint32_t(0));
    }
    info.bucket = j.value("bucket", "");
    info.nuid = j.value("nuid", "");
    info.size = j.value("size", uint64_t(0));
    info.chunks = j.value("chunks", uint32_t(0));
    info.digest = j.value("digest", "");
    info.deleted = j.value("deleted", false);
    if (auto t = detail::parse_rfc3339(j.value("mtime", ""))) info.mtime = *t;
  } catch (const Json::exception&) {
    return Status(Errc::kProtocol, "nats: object meta has fields of the wrong type");
  }
  return info;
}

}  // namespace

std::string object_digest(std::string_view data) {
  detail::Sha256 h;
  h.update(data);
  return std::string(kDigestPrefix) + detail::base64url_encode(h.finish());
}

// ---------------------------------------------------------------- stores

ObjectStore::ObjectStore(JetStream& js, std::string bucket, bool direct)
    : js_(&js),
      bucket_(std::move(bucket)),
      stream_(std::string(kStreamPrefix) + bucket_),
      direct_(direct) {}

Result<ObjectStore> create_object_store(JetStream& js, const ObjectStoreConfig& cfg) {
  if (!valid_bucket_name(cfg.bucket)) return bad_bucket();
  StreamConfig sc;
  sc.name = std::string(kStreamPrefix) + cfg.bucket;
  sc.description = cfg.description;
  sc.subjects = {"$O." + cfg.bucket + ".C.>", "$O." + cfg.bucket + ".M.>"};
  sc.max_age = cfg.ttl;
  sc.max_bytes = cfg.max_bytes == 0 ? -1 : cfg.max_bytes;
  sc.storage = cfg.storage;
  sc.num_replicas = cfg.replicas < 1 ? 1 : cfg.replicas;
  sc.discard = DiscardPolicy::kNew;
  sc.allow_rollup_hdrs = true;
  sc.allow_direct = true;
  auto info = js.add_stream(sc);
  if (!info) return info.status();
  return ObjectStore(js, cfg.bucket, info->config.allow_direct);
}

Result<ObjectStore> object_store(JetStream& js, std::string_view bucket) {
  if (!valid_bucket_name(bucket)) return bad_bucket();
  auto info = js.stream_info(std::string(kStreamPrefix) + std::string(bucket));
  if (!info) {
    if (info.code() == Errc::kStreamNotFound) {
      return Status(Errc::kBucketNotFound, "nats: object store not found");
    }
    return info.status();
  }
  return ObjectStore(js, std::string(bucket), info->config.allow_direct);
}

Status delete_object_store(JetStream& js, std::string_view bucket) {
  if (!valid_bucket_name(bucket)) return bad_bucket();
  Status s = js.delete_stream(std::string(kStreamPrefix) + std::string(bucket));
  if (s.code() == Errc::kStreamNotFound) {
    return Status(Errc::kBucketNotFound, "nats: object store not found");
  }
  return s;
}

Result<std::vector<std::string>> object_store_names(JetStream& js) {
  auto names = js.all_stream_names("$O.*.M.>");
  if (!names) return names.status();
  std::vector<std::string> out;
  for (const auto& n : *names) {
    if (n.starts_with(kStreamPrefix)) out.push_back(n.substr(kStreamPrefix.size()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<ObjectStoreStatus> ObjectStore::status() {
  auto info = js_->stream_info(stream_);
  if (!info) {
    if (info.code() == Errc::kStreamNotFound) {
      return Status(Errc::kBucketNotFound, "nats: object store not found");
    }
    return info.status();
  }
  ObjectStoreStatus s;
  s.bucket = bucket_;
  s.description = info->config.description;
  s.ttl = info->config.max_age;
  s.storage = info->config.storage;
  s.replicas = info->config.num_replicas;
  s.sealed = info->config.sealed;
  s.size = info->state.bytes;
  s.info = std::move(*info);
  return s;
}

// ---------------------------------------------------------------- objects

Result<ObjectInfo> ObjectStore::info(std::string_view name, bool show_deleted) {
  if (name.empty()) return Status(Errc::kInvalidArgument, "nats: object name required");
  const std::string subject = meta_subject(bucket_, name);
  auto m =
      direct_ ? js_->direct_get_last_msg(stream_, subject) : js_->get_last_msg(stream_, subject);
  if (!m) {
    if (m.code() == Errc::kMessageNotFound) return not_found();
    return m.status();
  }
  auto info = meta_from(m->data);
  if (!info) return info.status();
  if (info->deleted && !show_deleted) return not_found();
  if (auto t = detail::parse_rfc3339(m->time)) info->mtime = *t;
  return info;
}

Status ObjectStore::publish_meta(const ObjectInfo& info) {
  PubOptions o;
  o.headers.set(kRollupHdr, "sub");
  auto ack = js_->publish(meta_subject(bucket_, info.name), meta_json(info).dump(), o);
  return ack.status();
}

Result<ObjectInfo> ObjectStore::put(const ObjectMeta& meta, std::istream& in) {
  if (meta.name.empty()) return Status(Errc::kInvalidArgument, "nats: object name required");
  auto existing = info(meta.name, true);
  if (!existing && existing.code() != Errc::kObjectNotFound) return existing.status();

  ObjectInfo info;
  info.name = meta.name;
  info.description = meta.description;
  info.headers = meta.headers;
  info.max_chunk_size = meta.chunk_size == 0 ? kObjectDefaultChunkSize : meta.chunk_size;
  info.bucket = bucket_;
  info.nuid = crypto::next_nuid();
  const std::string chunks_subject = chunk_subject(bucket_, info.nuid);

  // On any failure the chunks sent so far are purged: nothing refers to them.
  auto fail = [&](Status s) -> Result<ObjectInfo> {
    PurgeOptions p;
    p.filter = chunks_subject;
    js_->purge_stream(stream_, p);
    return s;
  };

  detail::Sha256 sha;
  std::string chunk(info.max_chunk_size, '\0');
  std::deque<PubAckFuture> in_flight;
  auto wait_front = [&]() -> Status {
    auto ack = in_flight.front().wait(kAckTimeout);
    in_flight.pop_front();
    return ack.status();
  };
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    std::string_view data(chunk.data(), n);
    sha.update(data);
    auto f = js_->publish_async(chunks_subject, data);
    if (!f) return fail(f.status());
    in_flight.push_back(std::move(*f));
    info.size += n;
    ++info.chunks;
    if (in_flight.size() >= kMaxChunksInFlight) {
      if (Status s = wait_front(); !s) return fail(s);
    }
  }
  if (in.bad()) return fail(Status(Errc::kIo, "nats: reading the object's data failed"));
  while (!in_flight.empty()) {
    if (Status s = wait_front(); !s) return fail(s);
  }
  info.digest = std::string(kDigestPrefix) + detail::base64url_encode(sha.finish());
  if (Status s = publish_meta(info); !s) return fail(s);
  info.mtime = std::chrono::system_clock::now();

  // The new meta is in place: the chunks of the object it replaced are garbage now.
  if (existing && !existing->deleted && !existing->nuid.empty()) {
    PurgeOptions p;
    p.filter = chunk_subject(bucket_, existing->nuid);
    if (auto r = js_->purge_stream(stream_, p); !r) return r.status();
  }
  return info;
}

Result<ObjectInfo> ObjectStore::put(const ObjectMeta& meta, std::string_view data) {
  // A view-backed istream would avoid this copy; objects put from memory are small enough.
  std::istringstream in{std::string(data)};
  return put(meta, in);
}

Result<ObjectInfo> ObjectStore::put(std::string_view name, std::string_view data) {
  ObjectMeta meta;
  meta.name = std::string(name);
  return put(meta, data);
}

namespace {

// What a get's ordered consumer fills on the delivery thread while the caller waits.
struct ChunkReader {
  std::mutex mu;
  std::condition_variable cv;
  std::ostream* out = nullptr;
  detail::Sha256 sha;
  uint64_t bytes = 0;
  bool done = false;
  bool finished = false;  // the caller gave up or completed: write nothing more
  std::chrono::steady_clock::time_point last_seen = std::chrono::steady_clock::now();

  void on_msg(const JsMessage& m) {
    auto md = m.metadata();
    std::lock_guard lock(mu);
    if (finished || done) return;
    out->write(m.data().data(), static_cast<std::streamsize>(m.data().size()));
    sha.update(m.data());
    bytes += m.data().size();
    last_seen = std::chrono::steady_clock::now();
    if (md && md->num_pending == 0) done = true;
    cv.notify_all();
  }
};

}  // namespace

Result<ObjectInfo> ObjectStore::get(std::string_view name, std::ostream& out) {
  auto info = this->info(name);
  if (!info) return info.status();
  if (info->nuid.empty()) return Status(Errc::kProtocol, "nats: object meta without nuid");
  if (info->size == 0) {
    // Nothing to read; the digest of no bytes still has to be the one stored.
    if (!info->digest.empty() && info->digest != object_digest("")) {
      return Status(Errc::kDigestMismatch, "nats: object digest does not match");
    }
    return info;
  }

  auto reader = std::make_shared<ChunkReader>();
  reader->out = &out;
  OrderedConsumerOptions oc;
  oc.filter_subject = chunk_subject(bucket_, info->nuid);
  std::weak_ptr<ChunkReader> weak = reader;
  auto consumer = js_->ordered_consumer(stream_, oc, [weak](JsMessage m) {
    if (auto r = weak.lock()) r->on_msg(m);
  });
  if (!consumer) return consumer.status();

  std::unique_lock lock(reader->mu);
  while (!reader->done) {
    reader->cv.wait_for(lock, 100ms);
    if (!reader->done && std::chrono::steady_clock::now() - reader->last_seen > kChunkTimeout) {
      reader->finished = true;
      lock.unlock();
      (*consumer)->stop();
      return Status(Errc::kTimeout, "nats: timeout reading the object's chunks");
    }
  }
  reader->finished = true;
  const uint64_t bytes = reader->bytes;
  const std::string digest =
      std::string(kDigestPrefix) + detail::base64url_encode(reader->sha.finish());
  lock.unlock();
  (*consumer)->stop();
  if (bytes != info->size) {
    return Status(Errc::kDigestMismatch, "nats: object size does not match: read " +
                                             std::to_string(bytes) + " of " +
                                             std::to_string(info->size) + " bytes");
  }
  if (digest != info->digest) {
    return Status(Errc::kDigestMismatch, "nats: object digest does not match");
  }
  return info;
}

Result<std::string> ObjectStore::get_bytes(std::string_view name) {
  std::ostringstream out;
  auto info = get(name, out);
  if (!info) return info.status();
  return std::move(out).str();
}

Result<std::vector<ObjectInfo>> ObjectStore::list(bool show_deleted) {
  struct Lister {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<ObjectInfo> infos;
    Status error;
    bool done = false;
  };
  auto lister = std::make_shared<Lister>();
  OrderedConsumerOptions oc;
  oc.filter_subject = "$O." + bucket_ + ".M.>";
  oc.deliver_policy = DeliverPolicy::kLastPerSubject;
  std::weak_ptr<Lister> weak = lister;
  auto consumer = js_->ordered_consumer(stream_, oc, [weak](JsMessage m) {
    auto l = weak.lock();
    if (!l) return;
    auto md = m.metadata();
    auto info = meta_from(m.data());
    std::lock_guard lock(l->mu);
    if (l->done) return;
    if (info) {
      if (md) info->mtime = detail::from_unix_nanos(md->timestamp_ns);
      l->infos.push_back(std::move(*info));
    }
    if (!md || md->num_pending == 0) l->done = true;
    l->cv.notify_all();
  });
  if (!consumer) return consumer.status();
  std::unique_lock lock(lister->mu);
  if ((*consumer)->initial_pending() == 0) lister->done = true;
  while (!lister->done) {
    const size_t before = lister->infos.size();
    if (!lister->cv.wait_for(lock, kChunkTimeout,
                             [&] { return lister->done || lister->infos.size() != before; })) {
      lister->done = true;
      lock.unlock();
      (*consumer)->stop();
      return Status(Errc::kTimeout, "nats: timeout listing objects");
    }
  }
  std::vector<ObjectInfo> out;
  for (auto& i : lister->infos) {
    if (show_deleted || !i.deleted) out.push_back(std::move(i));
  }
  lock.unlock();
  (*consumer)->stop();
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.name < b.name; });
  return out;
}

Status ObjectStore::remove(std::string_view name) {
  auto info = this->info(name, true);
  if (!info) return info.status();
  if (info->nuid.empty()) return Status(Errc::kProtocol, "nats: object meta without nuid");
  ObjectInfo gone = *info;
  gone.deleted = true;
  gone.size = 0;
  gone.chunks = 0;
  gone.digest.clear();
  if (Status s = publish_meta(gone); !s) return s;
  PurgeOptions p;
  p.filter = chunk_subject(bucket_, info->nuid);
  return js_->purge_stream(stream_, p).status();
}

}  // namespace nats::client
