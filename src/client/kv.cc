// Key-value buckets over JetStream (ADR-8). Reads are direct gets (or STREAM.MSG.GET), writes
// are JetStream publishes with expectations, and everything that lists (keys, history, watch)
// is an ordered consumer on the bucket's stream. See nats/kv.h for the contract.

#include "nats/kv.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "store_util.h"

namespace nats::client {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view kStreamPrefix = "KV_";
constexpr std::string_view kSubjectPrefix = "$KV.";
constexpr std::string_view kOpDelete = "DEL";
constexpr std::string_view kOpPurge = "PURGE";
constexpr int kErrWrongLastSeq = 10071;     // expected last sequence did not match
constexpr int kErrWrongLastSeqR = 10164;    // the same, from replicated streams
constexpr int kErrStreamNameInUse = 10058;  // a stream of that name with another config
constexpr auto kDuplicateWindow = 2min;     // nats.go's, unless the ttl is shorter
constexpr auto kListTimeout = 5s;           // per entry while keys() / history() gather

bool is_wrong_last_seq(const Status& s) {
  return s.err_code() == kErrWrongLastSeq || s.err_code() == kErrWrongLastSeqR;
}

Status with_code(Errc code, const Status& s, std::string_view what) {
  ApiError e = s.api_error();
  e.description = std::string(what) + ": " + s.message();
  return Status(code, e);
}

Status bad_key() { return Status(Errc::kInvalidArgument, "nats: invalid key"); }
Status bad_bucket() { return Status(Errc::kInvalidArgument, "nats: invalid bucket name"); }
Status key_not_found() { return Status(Errc::kKeyNotFound, "nats: key not found"); }

KvOp op_of(const Headers& h) {
  auto v = h.get(kKvOperationHdr);
  if (!v) return KvOp::kPut;
  if (*v == kOpDelete) return KvOp::kDelete;
  if (*v == kOpPurge) return KvOp::kPurge;
  return KvOp::kPut;
}

// The stream config nats.go makes for a bucket, so that either client may open the other's.
StreamConfig stream_config(const KeyValueConfig& cfg) {
  StreamConfig sc;
  sc.name = std::string(kStreamPrefix) + cfg.bucket;
  sc.description = cfg.description;
  sc.subjects = {std::string(kSubjectPrefix) + cfg.bucket + ".>"};
  sc.max_msgs_per_subject = cfg.history;
  sc.max_bytes = cfg.max_bytes == 0 ? -1 : cfg.max_bytes;
  sc.max_age = cfg.ttl;
  sc.max_msg_size = cfg.max_value_size == 0 ? -1 : cfg.max_value_size;
  sc.storage = cfg.storage;
  sc.num_replicas = cfg.replicas < 1 ? 1 : cfg.replicas;
  sc.allow_rollup_hdrs = true;
  sc.deny_delete = true;
  sc.allow_direct = true;
  sc.discard = DiscardPolicy::kNew;
  sc.max_msgs = -1;
  sc.max_consumers = -1;
  sc.duplicate_window = kDuplicateWindow;
  if (cfg.ttl.count() > 0 && cfg.ttl < sc.duplicate_window) sc.duplicate_window = cfg.ttl;
  if (cfg.republish) {
    std::string src = cfg.republish->source.empty() ? sc.subjects[0] : cfg.republish->source;
    auto q = [](std::string_view s) {
      std::string out = "\"";
      for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      return out + "\"";
    };
    sc.extra_json = R"({"republish":{"src":)" + q(src) + R"(,"dest":)" +
                    q(cfg.republish->destination) +
                    (cfg.republish->headers_only ? R"(,"headers_only":true)" : "") + "}}";
  }
  return sc;
}

}  // namespace

std::string_view kv_op_name(KvOp op) {
  switch (op) {
    case KvOp::kPut:
      return "PUT";
    case KvOp::kDelete:
      return "DEL";
    case KvOp::kPurge:
      return "PURGE";
  }
  return "?";
}

bool valid_bucket_name(std::string_view bucket) {
  if (bucket.empty()) return false;
  return std::all_of(bucket.begin(), bucket.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

bool valid_key(std::string_view key) {
  if (key.empty() || key.front() == '.' || key.back() == '.') return false;
  if (key.find("..") != std::string_view::npos) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '/' || c == '_' || c == '=' || c == '.';
  });
}

// ---------------------------------------------------------------- buckets

KeyValue::KeyValue(JetStream& js, const StreamInfo& info)
    : js_(&js),
      bucket_(info.config.name.substr(kStreamPrefix.size())),
      stream_(info.config.name),
      prefix_(std::string(kSubjectPrefix) + bucket_ + "."),
      direct_(info.config.allow_direct) {}

Result<KeyValue> create_key_value(JetStream& js, const KeyValueConfig& cfg) {
  if (!valid_bucket_name(cfg.bucket)) return bad_bucket();
  if (cfg.history < 1 || cfg.history > kKvMaxHistory) {
    return Status(Errc::kInvalidArgument, "nats: history must be between 1 and 64");
  }
  auto info = js.add_stream(stream_config(cfg));
  if (!info) {
    if (info.status().err_code() == kErrStreamNameInUse) {
      return with_code(Errc::kApiError, info.status(), "nats: bucket exists with another config");
    }
    return info.status();
  }
  return KeyValue(js, *info);
}

Result<KeyValue> key_value(JetStream& js, std::string_view bucket) {
  if (!valid_bucket_name(bucket)) return bad_bucket();
  auto info = js.stream_info(std::string(kStreamPrefix) + std::string(bucket));
  if (!info) {
    if (info.code() == Errc::kStreamNotFound) {
      return Status(Errc::kBucketNotFound, "nats: bucket not found");
    }
    return info.status();
  }
  if (info->config.max_msgs_per_subject < 1) {
    return Status(Errc::kInvalidArgument, "nats: stream is not a key-value bucket");
  }
  return KeyValue(js, *info);
}

Status delete_key_value(JetStream& js, std::string_view bucket) {
  if (!valid_bucket_name(bucket)) return bad_bucket();
  Status s = js.delete_stream(std::string(kStreamPrefix) + std::string(bucket));
  if (s.code() == Errc::kStreamNotFound)
    return Status(Errc::kBucketNotFound, "nats: bucket not found");
  return s;
}

Result<std::vector<std::string>> key_value_bucket_names(JetStream& js) {
  auto names = js.all_stream_names(std::string(kSubjectPrefix) + "*.>");
  if (!names) return names.status();
  std::vector<std::string> out;
  for (const auto& n : *names) {
    if (n.starts_with(kStreamPrefix)) out.push_back(n.substr(kStreamPrefix.size()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<KeyValueStatus>> key_value_buckets(JetStream& js) {
  auto names = key_value_bucket_names(js);
  if (!names) return names.status();
  std::vector<KeyValueStatus> out;
  for (const auto& n : *names) {
    auto kv = key_value(js, n);
    if (!kv) {
      if (kv.code() == Errc::kBucketNotFound) continue;  // deleted meanwhile
      return kv.status();
    }
    auto st = kv->status();
    if (!st) return st.status();
    out.push_back(std::move(*st));
  }
  return out;
}

// ---------------------------------------------------------------- reads

Result<KeyValueEntry> KeyValue::get_entry(std::string_view key, uint64_t revision) {
  if (!valid_key(key)) return bad_key();
  const std::string subject = prefix_ + std::string(key);
  Result<StoredMsg> m = Status();
  if (revision == 0) {
    m = direct_ ? js_->direct_get_last_msg(stream_, subject) : js_->get_last_msg(stream_, subject);
  } else {
    m = direct_ ? js_->direct_get_msg(stream_, revision) : js_->get_msg(stream_, revision);
    if (m && m->subject != subject) return key_not_found();
  }
  if (!m) {
    if (m.code() == Errc::kMessageNotFound) return key_not_found();
    return m.status();
  }
  KeyValueEntry e;
  e.bucket = bucket_;
  e.key = std::string(key);
  e.value = std::move(m->data);
  e.revision = m->seq;
  if (auto t = detail::parse_rfc3339(m->time)) e.created = *t;
  e.op = op_of(m->headers);
  return e;
}

Result<KeyValueEntry> KeyValue::get(std::string_view key) {
  auto e = get_entry(key, 0);
  if (e && e->op != KvOp::kPut) return key_not_found();
  return e;
}

Result<KeyValueEntry> KeyValue::get_revision(std::string_view key, uint64_t revision) {
  if (revision == 0) return Status(Errc::kInvalidArgument, "nats: revision must be positive");
  auto e = get_entry(key, revision);
  if (e && e->op != KvOp::kPut) return key_not_found();
  return e;
}

// ---------------------------------------------------------------- writes

Result<uint64_t> KeyValue::put(std::string_view key, std::string_view value) {
  if (!valid_key(key)) return bad_key();
  auto ack = js_->publish(prefix_ + std::string(key), value);
  if (!ack) return ack.status();
  return ack->seq;
}

Result<uint64_t> KeyValue::update(std::string_view key, std::string_view value,
                                  uint64_t last_revision) {
  if (!valid_key(key)) return bad_key();
  PubOptions o;
  o.expected_last_subject_seq = last_revision;
  auto ack = js_->publish(prefix_ + std::string(key), value, o);
  if (!ack) {
    if (is_wrong_last_seq(ack.status())) {
      return with_code(Errc::kRevisionMismatch, ack.status(), "nats: revision mismatch");
    }
    return ack.status();
  }
  return ack->seq;
}

Result<uint64_t> KeyValue::create(std::string_view key, std::string_view value) {
  auto rev = update(key, value, 0);
  if (rev || rev.code() != Errc::kRevisionMismatch) return rev;
  // The key has messages; if the last is a delete or purge marker, write over that one.
  auto last = get_entry(key, 0);
  if (last && last->op != KvOp::kPut) {
    rev = update(key, value, last->revision);
    if (rev || rev.code() != Errc::kRevisionMismatch) return rev;
  }
  const Status s = rev.status();
  ApiError e = s.api_error();
  e.description = "nats: key exists";
  return Status(Errc::kKeyExists, e);
}

Result<uint64_t> KeyValue::publish_marker(std::string_view key, KvOp op, uint64_t last_revision) {
  if (!valid_key(key)) return bad_key();
  PubOptions o;
  if (op == KvOp::kPurge) {
    o.headers.set(kKvOperationHdr, kOpPurge);
    o.headers.set(kRollupHdr, "sub");
  } else {
    o.headers.set(kKvOperationHdr, kOpDelete);
  }
  if (last_revision != 0) o.expected_last_subject_seq = last_revision;
  auto ack = js_->publish(prefix_ + std::string(key), "", o);
  if (!ack) {
    if (is_wrong_last_seq(ack.status())) {
      return with_code(Errc::kRevisionMismatch, ack.status(), "nats: revision mismatch");
    }
    return ack.status();
  }
  return ack->seq;
}

Status KeyValue::remove(std::string_view key, uint64_t last_revision) {
  return publish_marker(key, KvOp::kDelete, last_revision).status();
}

Status KeyValue::purge(std::string_view key, uint64_t last_revision) {
  return publish_marker(key, KvOp::kPurge, last_revision).status();
}

Result<KeyValueStatus> KeyValue::status() {
  auto info = js_->stream_info(stream_);
  if (!info) {
    if (info.code() == Errc::kStreamNotFound) {
      return Status(Errc::kBucketNotFound, "nats: bucket not found");
    }
    return info.status();
  }
  KeyValueStatus s;
  s.bucket = bucket_;
  s.values = info->state.messages;
  s.history = info->config.max_msgs_per_subject;
  s.ttl = info->config.max_age;
  s.bytes = info->state.bytes;
  s.info = std::move(*info);
  return s;
}

// ---------------------------------------------------------------- watch

namespace detail {

// Shared by the KeyWatcher and its ordered consumer's handler (which holds it weakly).
// `mu` guards the queue and the initial-values bookkeeping; the handler takes it on the
// delivery thread, next() on the caller's.
struct KvWatchState {
  std::string bucket;
  std::string prefix;
  WatchOptions opts;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::optional<KeyValueEntry>> queue;
  bool init_done = false;
  uint64_t init_pending = 0;
  uint64_t received = 0;
  bool stopped = false;
  std::unique_ptr<OrderedConsumer> consumer;

  void on_msg(JsMessage m) {
    auto md = m.metadata();
    if (!md || m.subject().size() <= prefix.size()) return;
    KeyValueEntry e;
    e.bucket = bucket;
    e.key = std::string(m.subject().substr(prefix.size()));
    e.value = std::string(m.data());
    e.revision = md->stream_seq;
    e.created = from_unix_nanos(md->timestamp_ns);
    e.delta = md->num_pending;
    e.op = op_of(m.headers());
    std::lock_guard lock(mu);
    if (stopped) return;
    if (!opts.ignore_deletes || e.op == KvOp::kPut) queue.push_back(std::move(e));
    if (!init_done) {
      ++received;
      // The marker follows the last initial value: the consumer had that many waiting when it
      // was made, or this message says none are left.
      if (received >= init_pending || md->num_pending == 0) {
        init_done = true;
        queue.push_back(std::nullopt);
      }
    }
    cv.notify_all();
  }
};

}  // namespace detail

Result<std::unique_ptr<KeyWatcher>> KeyValue::watch(std::string_view keys, WatchOptions opts) {
  if (keys.empty() || keys.front() == '.' || keys.back() == '.') return bad_key();
  auto st = std::make_shared<detail::KvWatchState>();
  st->bucket = bucket_;
  st->prefix = prefix_;
  st->opts = opts;

  OrderedConsumerOptions oc;
  oc.filter_subject = prefix_ + std::string(keys);
  oc.deliver_policy = opts.include_history ? DeliverPolicy::kAll : DeliverPolicy::kLastPerSubject;
  if (opts.updates_only) oc.deliver_policy = DeliverPolicy::kNew;
  oc.headers_only = opts.meta_only;

  // Held while the consumer is made, so the handler cannot count a message before
  // init_pending is known (it waits here; the consumer's creation is answered on the I/O
  // thread, so this cannot deadlock).
  std::lock_guard lock(st->mu);
  std::weak_ptr<detail::KvWatchState> weak = st;
  auto consumer = js_->ordered_consumer(stream_, oc, [weak](JsMessage m) {
    if (auto s = weak.lock()) s->on_msg(std::move(m));
  });
  if (!consumer) return consumer.status();
  st->consumer = std::move(*consumer);
  if (opts.updates_only) {
    st->init_done = true;
  } else {
    st->init_pending = st->consumer->initial_pending();
    if (st->init_pending == 0) {
      st->init_done = true;
      st->queue.push_back(std::nullopt);
    }
  }
  return std::unique_ptr<KeyWatcher>(new KeyWatcher(st));
}

KeyWatcher::~KeyWatcher() { stop(); }

void KeyWatcher::stop() {
  std::unique_ptr<OrderedConsumer> consumer;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopped) return;
    state_->stopped = true;
    consumer = std::move(state_->consumer);
    state_->cv.notify_all();
  }
  // Outside `mu`: stop() waits for a running handler, which may be waiting for `mu`.
  if (consumer) consumer->stop();
}

Result<std::optional<KeyValueEntry>> KeyWatcher::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mu);
  if (!state_->cv.wait_for(lock, timeout,
                           [&] { return !state_->queue.empty() || state_->stopped; })) {
    return Status(Errc::kTimeout, "nats: timeout waiting for key-value updates");
  }
  if (state_->queue.empty()) return Status(Errc::kInvalidSubscription, "nats: watcher stopped");
  auto e = std::move(state_->queue.front());
  state_->queue.pop_front();
  return e;
}

Result<std::vector<std::string>> KeyValue::keys() {
  WatchOptions o;
  o.ignore_deletes = true;
  o.meta_only = true;
  auto w = watch_all(o);
  if (!w) return w.status();
  std::vector<std::string> out;
  while (true) {
    auto e = (*w)->next(kListTimeout);
    if (!e) return e.status();
    if (!e->has_value()) break;
    out.push_back(std::move((*e)->key));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<std::vector<KeyValueEntry>> KeyValue::history(std::string_view key) {
  if (!valid_key(key)) return bad_key();
  WatchOptions o;
  o.include_history = true;
  auto w = watch(key, o);
  if (!w) return w.status();
  std::vector<KeyValueEntry> out;
  while (true) {
    auto e = (*w)->next(kListTimeout);
    if (!e) return e.status();
    if (!e->has_value()) break;
    out.push_back(std::move(**e));
  }
  if (out.empty()) return key_not_found();
  return out;
}

}  // namespace nats::client
