#pragma once
// JetStream on a Connection: stream and consumer management, publishing with acks, consumers.
//
//   JetStream js(*nc);
//   js.add_stream({.name = "ORDERS", .subjects = {"orders.>"}});
//   auto ack = js.publish("orders.1", "{...}", {.msg_id = "1"});   // Result<PubAck>
//   js.add_consumer("ORDERS", {.durable_name = "worker"});
//   auto pull = js.pull_consumer("ORDERS", "worker");
//   auto msgs = pull->fetch(10, 2s);
//   for (auto& m : *msgs) m.ack();
//
// Every management call is a request to `<prefix><verb>` ($JS.API.* by default) answered
// with JSON. Errors come back as Status: kJetStreamNotEnabled when nobody answers,
// kStreamNotFound / kConsumerNotFound / kMessageNotFound / kApiError with the server's code and
// err_code in Status::api_error().
//
// Thread safety: every method may be called from any thread, including a message handler on
// the delivery thread (but see publish_async). A JetStream borrows its Connection, and so does
// everything it makes: destroy them before the Connection.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nats/jetstream_types.h"
#include "nats/js_consumer.h"
#include "nats/js_message.h"
#include "nats/status.h"

namespace nats::client {

class Connection;

namespace detail {
struct AsyncPubState;
struct PubAckWaiter;
}  // namespace detail

struct JetStreamOptions {
  std::string api_prefix;  // default "$JS.API"; set for imported JetStream of another account
  std::string domain;      // set: "$JS.<domain>.API" (ignored when api_prefix is set)
  std::chrono::milliseconds timeout{5000};  // every API request and publish ack
  int publish_async_max_pending = 4000;     // async publishes in flight before publishers wait
};

// Header names the server reads on a JetStream publish.
inline constexpr std::string_view kMsgIdHdr = "Nats-Msg-Id";
inline constexpr std::string_view kExpectedStreamHdr = "Nats-Expected-Stream";
inline constexpr std::string_view kExpectedLastSeqHdr = "Nats-Expected-Last-Sequence";
inline constexpr std::string_view kExpectedLastSubjSeqHdr = "Nats-Expected-Last-Subject-Sequence";
inline constexpr std::string_view kExpectedLastMsgIdHdr = "Nats-Expected-Last-Msg-Id";

struct PubOptions {
  std::string msg_id;           // Nats-Msg-Id: de-duplication within the duplicate window
  std::string expected_stream;  // the subject must belong to this stream
  std::optional<uint64_t> expected_last_seq;
  std::optional<uint64_t> expected_last_subject_seq;
  std::string expected_last_msg_id;
  Headers headers;                       // more headers to send
  std::chrono::milliseconds timeout{0};  // 0: the context's timeout
  int retry_attempts = 2;                // extra tries when nobody answers (stream starting)
  std::chrono::milliseconds retry_wait{250};
};

// The ack of one publish_async, to wait for when needed.
class PubAckFuture {
 public:
  PubAckFuture() = default;
  // The ack or its error; kTimeout if it did not come within `timeout`.
  Result<PubAck> wait(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  bool done() const;

 private:
  friend class JetStream;
  explicit PubAckFuture(std::shared_ptr<detail::PubAckWaiter> w) : w_(std::move(w)) {}
  std::shared_ptr<detail::PubAckWaiter> w_;
};

struct StreamInfoOptions {
  std::string subjects_filter;  // fill StreamState::subjects with the matching subjects
  bool deleted_details = false;
};

struct PurgeOptions {
  std::string filter;            // only this subject (wildcards allowed)
  std::optional<uint64_t> seq;   // up to, not including, this sequence
  std::optional<uint64_t> keep;  // keep this many of the newest
};

struct StreamPage {
  ApiPage page;
  std::vector<StreamInfo> streams;
};
struct ConsumerPage {
  ApiPage page;
  std::vector<ConsumerInfo> consumers;
};
struct NamesPage {
  ApiPage page;
  std::vector<std::string> names;
};

class JetStream {
 public:
  explicit JetStream(Connection& nc, JetStreamOptions opts = {});
  ~JetStream();
  JetStream(const JetStream&) = delete;
  JetStream& operator=(const JetStream&) = delete;

  Connection& connection() { return *ctx_.nc; }
  // "$JS.API." or what the options made of it.
  const std::string& api_prefix() const { return ctx_.prefix; }

  // ---- account ----
  Result<AccountInfo> account_info();

  // ---- streams ----
  Result<StreamInfo> add_stream(const StreamConfig& cfg);
  Result<StreamInfo> update_stream(const StreamConfig& cfg);
  Result<StreamInfo> stream_info(std::string_view stream, const StreamInfoOptions& opts = {});
  Status delete_stream(std::string_view stream);
  // How many messages were purged.
  Result<uint64_t> purge_stream(std::string_view stream, const PurgeOptions& opts = {});
  // One page (the server's limit, 256 names / 1024 infos) from `offset`; `subject`: only
  // streams that take it.
  Result<StreamPage> list_streams(int64_t offset = 0, std::string_view subject = {});
  Result<NamesPage> stream_names(int64_t offset = 0, std::string_view subject = {});
  // Every page, one after the other.
  Result<std::vector<std::string>> all_stream_names(std::string_view subject = {});

  // ---- stored messages ----
  Result<StoredMsg> get_msg(std::string_view stream, uint64_t seq);
  Result<StoredMsg> get_last_msg(std::string_view stream, std::string_view subject);
  // $JS.API.DIRECT.GET: served by any replica; the stream needs allow_direct.
  Result<StoredMsg> direct_get_msg(std::string_view stream, uint64_t seq);
  Result<StoredMsg> direct_get_last_msg(std::string_view stream, std::string_view subject);
  // erase: overwrite the message's bytes on disk, not only forget it.
  Status delete_msg(std::string_view stream, uint64_t seq, bool erase = false);

  // ---- consumers ----
  // Creates (or, for an existing durable with a compatible config, updates) a consumer.
  // durable_name: `DURABLE.CREATE`; name without durable: `CONSUMER.CREATE.<stream>.<name>`;
  // neither: an ephemeral with a server-chosen name.
  Result<ConsumerInfo> add_consumer(std::string_view stream, const ConsumerConfig& cfg);
  Result<ConsumerInfo> consumer_info(std::string_view stream, std::string_view consumer);
  Status delete_consumer(std::string_view stream, std::string_view consumer);
  Result<ConsumerPage> list_consumers(std::string_view stream, int64_t offset = 0);
  Result<NamesPage> consumer_names(std::string_view stream, int64_t offset = 0);

  // ---- publishing ----
  // Publishes and waits for the stream's ack. kNoResponders ("no response from stream", after
  // the retries) when no stream takes the subject; kApiError with err_code 10071 (wrong last
  // sequence), 10070 (wrong last msg id) or 10060 (wrong stream) when an expectation fails.
  Result<PubAck> publish(std::string_view subject, std::string_view data,
                         const PubOptions& opts = {});
  // Publishes without waiting; the ack comes back on the delivery thread. At most
  // publish_async_max_pending are in flight: past it the caller waits up to the timeout
  // (kTooManyPending) for acks to come back, except on the delivery thread, which must not
  // wait for itself and gets kTooManyPending at once.
  Result<PubAckFuture> publish_async(std::string_view subject, std::string_view data,
                                     const PubOptions& opts = {});
  // Waits until every async publish has its ack (or error). kTimeout if some have not.
  Status wait_for_completion(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  int64_t publish_async_pending() const;
  // Async publishes whose ack was an error or never came (no responders) so far.
  uint64_t publish_async_errors() const;

  // ---- consuming ----
  // A pull consumer that exists (create it with add_consumer).
  Result<PullConsumer> pull_consumer(std::string_view stream, std::string_view consumer);
  // Push: creates the consumer from `cfg` (a new inbox as deliver_subject when it has none)
  // unless a durable of that name exists, in which case it binds to that consumer's deliver
  // subject and group.
  Result<PushSubscription> subscribe(std::string_view stream, ConsumerConfig cfg,
                                     JsMsgHandler handler);
  Result<std::unique_ptr<OrderedConsumer>> ordered_consumer(std::string_view stream,
                                                            OrderedConsumerOptions opts,
                                                            JsMsgHandler handler);

  // Escape hatch: any API request; returns the response JSON, API errors already mapped.
  Result<std::string> api_request(std::string_view subject_suffix, std::string_view json);

 private:
  detail::JsContext ctx_;
  int max_pending_;
  // Always there; its reply subscription is made by the first publish_async.
  std::shared_ptr<detail::AsyncPubState> async_;
};

}  // namespace nats::client
