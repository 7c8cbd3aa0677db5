#pragma once
// What the JetStream files share inside the library: the JSON models (jetstream_json.cc) and
// the API request helper (jetstream.cc). nlohmann::json stays in here, out of public headers.
// Pure functions, any thread.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "nats/jetstream.h"

namespace nats::client::detail {

using Json = nlohmann::json;

// ---- models (jetstream_json.cc) ----
Json to_json(const StreamConfig& c);
Json to_json(const ConsumerConfig& c);
StreamConfig stream_config_from(const Json& j);
StreamInfo stream_info_from(const Json& j);
ConsumerConfig consumer_config_from(const Json& j);
ConsumerInfo consumer_info_from(const Json& j);
AccountInfo account_info_from(const Json& j);
PubAck pub_ack_from(const Json& j);
ApiPage page_from(const Json& j);
// {"message":{...}} of STREAM.MSG.GET; headers and data are base64 there.
Result<StoredMsg> stored_msg_from(const Json& j);
// A DIRECT.GET reply: the message itself, with Nats-Stream / Nats-Sequence / Nats-Subject /
// Nats-Time-Stamp headers; status 404 when there is none.
Result<StoredMsg> stored_msg_from_direct(const Message& m);

std::string_view deliver_policy_name(DeliverPolicy p);

// Parses without throwing; a discarded value on malformed input.
Json parse_json(std::string_view text);
// {"error":{...}} of any response as a Status (kStreamNotFound, ..., kApiError); ok if none.
Status api_error_of(const Json& j);
Status api_error_status(const ApiError& e);

// ---- requests (jetstream.cc) ----
// Sends `body` to ctx.prefix + suffix and returns the parsed response, or the Status of what
// went wrong: kJetStreamNotEnabled on no responders, kTimeout, API errors, kProtocol on JSON
// that does not parse.
Result<Json> api_call(const JsContext& ctx, std::string_view suffix, std::string_view body);

// Consumer create (the subject by durable / name / neither) and delete, shared by JetStream
// and the consumers that remake their server-side consumer (ordered).
Result<ConsumerInfo> create_consumer(const JsContext& ctx, std::string_view stream,
                                     const ConsumerConfig& cfg);
Status delete_consumer(const JsContext& ctx, std::string_view stream, std::string_view consumer);

// The state of publish_async (js_publish.cc), made with every JetStream; no subscription yet.
std::shared_ptr<AsyncPubState> make_async_pub_state(Connection* nc, int max_pending);

// Nanoseconds as the API wants them.
inline int64_t to_ns(std::chrono::nanoseconds d) { return d.count(); }

}  // namespace nats::client::detail
