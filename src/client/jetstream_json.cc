// JSON of the JetStream API <-> the structs of nats/jetstream_types.h. Reading is lenient (a
// missing, null or mistyped field keeps its default), as a newer server may add or change
// fields; writing leaves out what is unset so the server applies its own defaults.

#include <sodium.h>

#include <array>
#include <utility>

#include "js_internal.h"
#include "proto/headers.h"

namespace nats::client::detail {

namespace {

// Copies j[key] into out when it is there and has a fitting type.
template <typename T>
void read(const Json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  try {
    out = it->get<T>();
  } catch (const Json::exception&) {
    // Keep the default: one odd field must not lose the whole answer.
  }
}

void read_ns(const Json& j, const char* key, Nanos& out) {
  int64_t v = 0;
  read(j, key, v);
  out = Nanos(v);
}

template <typename E, size_t N>
E enum_from(const Json& j, const char* key, const std::array<std::pair<std::string_view, E>, N>& m,
            E dflt) {
  std::string s;
  read(j, key, s);
  for (const auto& [name, e] : m) {
    if (name == s) return e;
  }
  return dflt;
}

template <typename E, size_t N>
std::string_view enum_name(const std::array<std::pair<std::string_view, E>, N>& m, E e) {
  for (const auto& [name, v] : m) {
    if (v == e) return name;
  }
  return m[0].first;
}

constexpr std::array<std::pair<std::string_view, RetentionPolicy>, 3> kRetention{{
    {"limits", RetentionPolicy::kLimits},
    {"interest", RetentionPolicy::kInterest},
    {"workqueue", RetentionPolicy::kWorkQueue},
}};
constexpr std::array<std::pair<std::string_view, StorageType>, 2> kStorage{{
    {"file", StorageType::kFile},
    {"memory", StorageType::kMemory},
}};
constexpr std::array<std::pair<std::string_view, DiscardPolicy>, 2> kDiscard{{
    {"old", DiscardPolicy::kOld},
    {"new", DiscardPolicy::kNew},
}};
constexpr std::array<std::pair<std::string_view, DeliverPolicy>, 6> kDeliver{{
    {"all", DeliverPolicy::kAll},
    {"last", DeliverPolicy::kLast},
    {"new", DeliverPolicy::kNew},
    {"by_start_sequence", DeliverPolicy::kByStartSequence},
    {"by_start_time", DeliverPolicy::kByStartTime},
    {"last_per_subject", DeliverPolicy::kLastPerSubject},
}};
constexpr std::array<std::pair<std::string_view, AckPolicy>, 3> kAck{{
    {"none", AckPolicy::kNone},
    {"all", AckPolicy::kAll},
    {"explicit", AckPolicy::kExplicit},
}};
constexpr std::array<std::pair<std::string_view, ReplayPolicy>, 2> kReplay{{
    {"instant", ReplayPolicy::kInstant},
    {"original", ReplayPolicy::kOriginal},
}};

// Merges the members of `extra` (a JSON object as text) into `j`; other text is ignored.
void merge_extra(Json& j, const std::string& extra) {
  if (extra.empty()) return;
  Json e = parse_json(extra);
  if (!e.is_object()) return;
  for (auto& [k, v] : e.items()) j[k] = v;
}

SequenceInfo sequence_info_from(const Json& j) {
  SequenceInfo s;
  if (!j.is_object()) return s;
  read(j, "consumer_seq", s.consumer_seq);
  read(j, "stream_seq", s.stream_seq);
  read(j, "last_active", s.last_active);
  return s;
}

const Json& member(const Json& j, const char* key) {
  static const Json kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out(in.size() * 3 / 4 + 3, '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                        in.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

}  // namespace

std::string_view deliver_policy_name(DeliverPolicy p) { return enum_name(kDeliver, p); }

Json parse_json(std::string_view text) { return Json::parse(text, nullptr, false); }

Json to_json(const StreamConfig& c) {
  Json j;
  j["name"] = c.name;
  if (!c.description.empty()) j["description"] = c.description;
  if (!c.subjects.empty()) j["subjects"] = c.subjects;
  j["retention"] = enum_name(kRetention, c.retention);
  j["max_consumers"] = c.max_consumers;
  j["max_msgs"] = c.max_msgs;
  j["max_bytes"] = c.max_bytes;
  j["max_age"] = to_ns(c.max_age);
  j["max_msgs_per_subject"] = c.max_msgs_per_subject;
  j["max_msg_size"] = c.max_msg_size;
  j["discard"] = enum_name(kDiscard, c.discard);
  j["storage"] = enum_name(kStorage, c.storage);
  j["num_replicas"] = c.num_replicas;
  if (c.no_ack) j["no_ack"] = true;
  if (c.duplicate_window.count() != 0) j["duplicate_window"] = to_ns(c.duplicate_window);
  if (c.sealed) j["sealed"] = true;
  j["deny_delete"] = c.deny_delete;
  j["deny_purge"] = c.deny_purge;
  j["allow_rollup_hdrs"] = c.allow_rollup_hdrs;
  j["allow_direct"] = c.allow_direct;
  if (c.discard_new_per_subject) j["discard_new_per_subject"] = true;
  merge_extra(j, c.extra_json);
  return j;
}

StreamConfig stream_config_from(const Json& j) {
  StreamConfig c;
  if (!j.is_object()) return c;
  read(j, "name", c.name);
  read(j, "description", c.description);
  read(j, "subjects", c.subjects);
  c.retention = enum_from(j, "retention", kRetention, RetentionPolicy::kLimits);
  read(j, "max_consumers", c.max_consumers);
  read(j, "max_msgs", c.max_msgs);
  read(j, "max_bytes", c.max_bytes);
  read_ns(j, "max_age", c.max_age);
  read(j, "max_msgs_per_subject", c.max_msgs_per_subject);
  read(j, "max_msg_size", c.max_msg_size);
  c.discard = enum_from(j, "discard", kDiscard, DiscardPolicy::kOld);
  c.storage = enum_from(j, "storage", kStorage, StorageType::kFile);
  read(j, "num_replicas", c.num_replicas);
  read(j, "no_ack", c.no_ack);
  read_ns(j, "duplicate_window", c.duplicate_window);
  read(j, "sealed", c.sealed);
  read(j, "deny_delete", c.deny_delete);
  read(j, "deny_purge", c.deny_purge);
  read(j, "allow_rollup_hdrs", c.allow_rollup_hdrs);
  read(j, "allow_direct", c.allow_direct);
  read(j, "discard_new_per_subject", c.discard_new_per_subject);
  // What we do not model travels on, so an info's config can be sent back to update_stream.
  Json extra = Json::object();
  for (const char* key : {"mirror", "sources", "placement", "republish", "mirror_direct",
                          "subject_transform", "metadata", "compression", "first_seq"}) {
    if (auto it = j.find(key); it != j.end() && !it->is_null()) extra[key] = *it;
  }
  if (!extra.empty()) c.extra_json = extra.dump();
  return c;
}

StreamInfo stream_info_from(const Json& j) {
  StreamInfo i;
  i.config = stream_config_from(member(j, "config"));
  read(j, "created", i.created);
  const Json& s = member(j, "state");
  if (s.is_object()) {
    read(s, "messages", i.state.messages);
    read(s, "bytes", i.state.bytes);
    read(s, "first_seq", i.state.first_seq);
    read(s, "first_ts", i.state.first_ts);
    read(s, "last_seq", i.state.last_seq);
    read(s, "last_ts", i.state.last_ts);
    read(s, "num_deleted", i.state.num_deleted);
    read(s, "num_subjects", i.state.num_subjects);
    read(s, "consumer_count", i.state.consumer_count);
    read(s, "subjects", i.state.subjects);
  }
  i.json = j.dump();
  return i;
}

Json to_json(const ConsumerConfig& c) {
  Json j;
  if (!c.durable_name.empty()) j["durable_name"] = c.durable_name;
  if (!c.name.empty()) j["name"] = c.name;
  if (!c.description.empty()) j["description"] = c.description;
  if (!c.deliver_subject.empty()) j["deliver_subject"] = c.deliver_subject;
  if (!c.deliver_group.empty()) j["deliver_group"] = c.deliver_group;
  j["deliver_policy"] = enum_name(kDeliver, c.deliver_policy);
  if (c.opt_start_seq != 0) j["opt_start_seq"] = c.opt_start_seq;
  if (!c.opt_start_time.empty()) j["opt_start_time"] = c.opt_start_time;
  j["ack_policy"] = enum_name(kAck, c.ack_policy);
  if (c.ack_wait.count() != 0) j["ack_wait"] = to_ns(c.ack_wait);
  if (c.max_deliver != 0) j["max_deliver"] = c.max_deliver;
  if (!c.backoff.empty()) {
    Json b = Json::array();
    for (auto d : c.backoff) b.push_back(to_ns(d));
    j["backoff"] = b;
  }
  if (!c.filter_subject.empty()) j["filter_subject"] = c.filter_subject;
  j["replay_policy"] = enum_name(kReplay, c.replay_policy);
  if (c.rate_limit_bps != 0) j["rate_limit_bps"] = c.rate_limit_bps;
  if (c.max_waiting != 0) j["max_waiting"] = c.max_waiting;
  if (c.max_ack_pending != 0) j["max_ack_pending"] = c.max_ack_pending;
  if (c.flow_control) j["flow_control"] = true;
  if (c.idle_heartbeat.count() != 0) j["idle_heartbeat"] = to_ns(c.idle_heartbeat);
  if (c.headers_only) j["headers_only"] = true;
  if (c.max_batch != 0) j["max_batch"] = c.max_batch;
  if (c.max_expires.count() != 0) j["max_expires"] = to_ns(c.max_expires);
  if (c.max_bytes != 0) j["max_bytes"] = c.max_bytes;
  if (c.inactive_threshold.count() != 0) j["inactive_threshold"] = to_ns(c.inactive_threshold);
  if (c.num_replicas != 0) j["num_replicas"] = c.num_replicas;
  if (c.mem_storage) j["mem_storage"] = true;
  merge_extra(j, c.extra_json);
  return j;
}

ConsumerConfig consumer_config_from(const Json& j) {
  ConsumerConfig c;
  if (!j.is_object()) return c;
  read(j, "durable_name", c.durable_name);
  read(j, "name", c.name);
  read(j, "description", c.description);
  read(j, "deliver_subject", c.deliver_subject);
  read(j, "deliver_group", c.deliver_group);
  c.deliver_policy = enum_from(j, "deliver_policy", kDeliver, DeliverPolicy::kAll);
  read(j, "opt_start_seq", c.opt_start_seq);
  read(j, "opt_start_time", c.opt_start_time);
  c.ack_policy = enum_from(j, "ack_policy", kAck, AckPolicy::kNone);
  read_ns(j, "ack_wait", c.ack_wait);
  read(j, "max_deliver", c.max_deliver);
  std::vector<int64_t> backoff;
  read(j, "backoff", backoff);
  for (int64_t b : backoff) c.backoff.emplace_back(b);
  read(j, "filter_subject", c.filter_subject);
  c.replay_policy = enum_from(j, "replay_policy", kReplay, ReplayPolicy::kInstant);
  read(j, "rate_limit_bps", c.rate_limit_bps);
  read(j, "max_waiting", c.max_waiting);
  read(j, "max_ack_pending", c.max_ack_pending);
  read(j, "flow_control", c.flow_control);
  read_ns(j, "idle_heartbeat", c.idle_heartbeat);
  read(j, "headers_only", c.headers_only);
  read(j, "max_batch", c.max_batch);
  read_ns(j, "max_expires", c.max_expires);
  read(j, "max_bytes", c.max_bytes);
  read_ns(j, "inactive_threshold", c.inactive_threshold);
  read(j, "num_replicas", c.num_replicas);
  read(j, "mem_storage", c.mem_storage);
  return c;
}

ConsumerInfo consumer_info_from(const Json& j) {
  ConsumerInfo i;
  read(j, "stream_name", i.stream_name);
  read(j, "name", i.name);
  read(j, "created", i.created);
  i.config = consumer_config_from(member(j, "config"));
  i.delivered = sequence_info_from(member(j, "delivered"));
  i.ack_floor = sequence_info_from(member(j, "ack_floor"));
  read(j, "num_ack_pending", i.num_ack_pending);
  read(j, "num_redelivered", i.num_redelivered);
  read(j, "num_waiting", i.num_waiting);
  read(j, "num_pending", i.num_pending);
  read(j, "push_bound", i.push_bound);
  i.json = j.dump();
  return i;
}

AccountInfo account_info_from(const Json& j) {
  AccountInfo a;
  read(j, "memory", a.memory);
  read(j, "storage", a.storage);
  read(j, "streams", a.streams);
  read(j, "consumers", a.consumers);
  read(j, "domain", a.domain);
  const Json& l = member(j, "limits");
  if (l.is_object()) {
    read(l, "max_memory", a.limits.max_memory);
    read(l, "max_storage", a.limits.max_storage);
    read(l, "max_streams", a.limits.max_streams);
    read(l, "max_consumers", a.limits.max_consumers);
  }
  const Json& api = member(j, "api");
  if (api.is_object()) {
    read(api, "total", a.api_total);
    read(api, "errors", a.api_errors);
  }
  a.json = j.dump();
  return a;
}

PubAck pub_ack_from(const Json& j) {
  PubAck a;
  read(j, "stream", a.stream);
  read(j, "seq", a.seq);
  read(j, "duplicate", a.duplicate);
  read(j, "domain", a.domain);
  return a;
}

ApiPage page_from(const Json& j) {
  ApiPage p;
  read(j, "total", p.total);
  read(j, "offset", p.offset);
  read(j, "limit", p.limit);
  return p;
}

Result<StoredMsg> stored_msg_from(const Json& j) {
  const Json& m = member(j, "message");
  if (!m.is_object()) return Status(Errc::kProtocol, "nats: message get response without message");
  StoredMsg out;
  read(m, "subject", out.subject);
  read(m, "seq", out.seq);
  read(m, "time", out.time);
  std::string data, hdrs;
  read(m, "data", data);
  read(m, "hdrs", hdrs);
  auto d = base64_decode(data);
  if (!d) return Status(Errc::kProtocol, "nats: message data is not base64");
  out.data = std::move(*d);
  if (!hdrs.empty()) {
    auto h = base64_decode(hdrs);
    if (!h) return Status(Errc::kProtocol, "nats: message headers are not base64");
    auto decoded = proto::decode_headers(*h);
    if (!decoded.headers) return Status(Errc::kProtocol, "nats: bad headers: " + decoded.error);
    out.headers = std::move(*decoded.headers);
  }
  return out;
}

Result<StoredMsg> stored_msg_from_direct(const Message& m) {
  const Headers& h = m.headers();
  if (m.status() == 404) return Status(Errc::kMessageNotFound, "nats: message not found");
  if (m.status() != 0) {
    return Status(Errc::kApiError, ApiError{m.status(), 0, std::string(h.description())});
  }
  StoredMsg out;
  auto stream = h.get("Nats-Stream");
  auto seq = h.get("Nats-Sequence");
  auto subject = h.get("Nats-Subject");
  if (!stream || !seq || !subject) {
    return Status(Errc::kProtocol, "nats: direct get reply without Nats-Stream/Sequence/Subject");
  }
  out.subject = std::string(*subject);
  out.seq = std::strtoull(std::string(*seq).c_str(), nullptr, 10);
  if (auto ts = h.get("Nats-Time-Stamp")) out.time = std::string(*ts);
  // The stored message's own headers are what is left after the ones the server added.
  for (const auto& [k, v] : h) {
    if (k == "Nats-Stream" || k == "Nats-Sequence" || k == "Nats-Subject" ||
        k == "Nats-Time-Stamp") {
      continue;
    }
    out.headers.add(k, v);
  }
  out.data = std::string(m.data());
  return out;
}

Status api_error_status(const ApiError& e) {
  switch (e.err_code) {
    case 10059:
      return Status(Errc::kStreamNotFound, e);
    case 10014:
      return Status(Errc::kConsumerNotFound, e);
    case 10037:
      return Status(Errc::kMessageNotFound, e);
    case 10039:  // JetStream not enabled for the account
    case 10076:  // JetStream not enabled
      return Status(Errc::kJetStreamNotEnabled, e);
    default:
      return Status(Errc::kApiError, e);
  }
}

Status api_error_of(const Json& j) {
  if (!j.is_object()) return Status();
  auto it = j.find("error");
  if (it == j.end() || !it->is_object()) return Status();
  ApiError e;
  read(*it, "code", e.code);
  read(*it, "err_code", e.err_code);
  read(*it, "description", e.description);
  if (e.description.empty()) e.description = "jetstream api error";
  return api_error_status(e);
}

}  // namespace nats::client::detail
