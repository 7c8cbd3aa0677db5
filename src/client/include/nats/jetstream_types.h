#pragma once
// The JetStream API's data, as plain structs: stream and consumer configurations and their
// info, publish acks, account info, stored messages. Field names follow the JSON of the
// `$JS.API.*` subjects (ADR-1 and nats-server's jetstream_api.go) in snake_case.
//
// Durations are std::chrono::nanoseconds, as the API sends them; 0 means "not set" (the server
// picks its default). Limits use -1 for "unlimited", as the server reports them, so the config
// of a StreamInfo can be changed and sent back to update_stream() as it is.
//
// For fields not modelled here, every config has `extra_json`: a JSON object whose members are
// merged into what is sent (e.g. R"({"mirror":{"name":"ORDERS"}})"), and every info keeps the
// `json` it was read from. The JSON code lives in jetstream_json.cc, out of these headers.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nats/headers.h"

namespace nats::client {

using Nanos = std::chrono::nanoseconds;

enum class RetentionPolicy { kLimits, kInterest, kWorkQueue };
enum class StorageType { kFile, kMemory };
enum class DiscardPolicy { kOld, kNew };
enum class DeliverPolicy { kAll, kLast, kNew, kByStartSequence, kByStartTime, kLastPerSubject };
enum class AckPolicy { kNone, kAll, kExplicit };
enum class ReplayPolicy { kInstant, kOriginal };

struct StreamConfig {
  std::string name;
  std::string description;
  std::vector<std::string> subjects;
  RetentionPolicy retention = RetentionPolicy::kLimits;
  int64_t max_consumers = -1;
  int64_t max_msgs = -1;
  int64_t max_bytes = -1;
  Nanos max_age{0};
  int64_t max_msgs_per_subject = -1;
  int32_t max_msg_size = -1;
  DiscardPolicy discard = DiscardPolicy::kOld;
  StorageType storage = StorageType::kFile;
  int num_replicas = 1;
  bool no_ack = false;
  Nanos duplicate_window{0};  // 0: the server's default (2 minutes)
  bool sealed = false;
  bool deny_delete = false;
  bool deny_purge = false;
  bool allow_rollup_hdrs = false;
  bool allow_direct = false;
  bool discard_new_per_subject = false;
  std::string extra_json;  // members merged into the JSON sent (mirror, sources, placement, ...)
};

struct StreamState {
  uint64_t messages = 0;
  uint64_t bytes = 0;
  uint64_t first_seq = 0;
  std::string first_ts;  // RFC 3339, as the server writes it
  uint64_t last_seq = 0;
  std::string last_ts;
  int64_t num_deleted = 0;
  int64_t num_subjects = 0;
  int consumer_count = 0;
  std::map<std::string, uint64_t> subjects;  // only when asked for with a subjects filter
};

struct StreamInfo {
  StreamConfig config;
  std::string created;
  StreamState state;
  std::string json;  // the whole response
};

struct SequenceInfo {
  uint64_t consumer_seq = 0;
  uint64_t stream_seq = 0;
  std::string last_active;
};

struct ConsumerConfig {
  std::string durable_name;  // set: a durable consumer
  std::string name;          // 2.9+: the name of an ephemeral (or durable) consumer
  std::string description;
  std::string deliver_subject;  // set: a push consumer
  std::string deliver_group;
  DeliverPolicy deliver_policy = DeliverPolicy::kAll;
  uint64_t opt_start_seq = 0;
  std::string opt_start_time;  // RFC 3339
  AckPolicy ack_policy = AckPolicy::kExplicit;
  Nanos ack_wait{0};
  int64_t max_deliver = 0;
  std::vector<Nanos> backoff;
  std::string filter_subject;
  ReplayPolicy replay_policy = ReplayPolicy::kInstant;
  uint64_t rate_limit_bps = 0;
  int64_t max_waiting = 0;
  int64_t max_ack_pending = 0;
  bool flow_control = false;
  Nanos idle_heartbeat{0};
  bool headers_only = false;
  int64_t max_batch = 0;
  Nanos max_expires{0};
  int64_t max_bytes = 0;
  Nanos inactive_threshold{0};
  int num_replicas = 0;
  bool mem_storage = false;
  std::string extra_json;
};

struct ConsumerInfo {
  std::string stream_name;
  std::string name;
  std::string created;
  ConsumerConfig config;
  SequenceInfo delivered;
  SequenceInfo ack_floor;
  int64_t num_ack_pending = 0;
  int64_t num_redelivered = 0;
  int64_t num_waiting = 0;
  uint64_t num_pending = 0;
  bool push_bound = false;
  std::string json;
};

// The server's answer to a JetStream publish.
struct PubAck {
  std::string stream;
  uint64_t seq = 0;
  bool duplicate = false;  // the Nats-Msg-Id was seen within the duplicate window
  std::string domain;
};

struct AccountLimits {
  int64_t max_memory = 0;
  int64_t max_storage = 0;
  int64_t max_streams = 0;
  int64_t max_consumers = 0;
};

struct AccountInfo {
  uint64_t memory = 0;
  uint64_t storage = 0;
  int streams = 0;
  int consumers = 0;
  AccountLimits limits;
  std::string domain;
  uint64_t api_total = 0;
  uint64_t api_errors = 0;
  std::string json;
};

// A message read from a stream by get_msg (not delivered through a consumer).
struct StoredMsg {
  std::string subject;
  uint64_t seq = 0;
  std::string time;  // RFC 3339
  Headers headers;
  std::string data;
};

// What the metadata of a consumer-delivered message says (from its $JS.ACK reply subject).
struct JsMsgMetadata {
  std::string domain;  // empty: none
  std::string stream;
  std::string consumer;
  uint64_t num_delivered = 0;  // 1 the first time, more on redelivery
  uint64_t stream_seq = 0;
  uint64_t consumer_seq = 0;
  int64_t timestamp_ns = 0;  // when the message was stored, Unix nanoseconds
  uint64_t num_pending = 0;  // messages left for this consumer after this one
};

// Paging of the list and names calls.
struct ApiPage {
  int64_t total = 0;
  int64_t offset = 0;
  int64_t limit = 0;
};

}  // namespace nats::client
