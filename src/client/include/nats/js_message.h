#pragma once
// A message delivered by a JetStream consumer, and its acknowledgements.
//
// The server puts the delivery's metadata into the reply subject,
//   v1: $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>           (9 tokens)
//   v2: $JS.ACK.<domain>.<acc hash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.
//       <pending>.<random>                                                       (12 tokens)
// and takes acknowledgements as messages published to it ("+ACK", "-NAK", "+WPI", "+TERM").
//
// A JsMessage owns its Message and borrows the Connection it came from: acknowledge it while
// that Connection lives. Any thread may acknowledge; one thread per message at a time.

#include <chrono>
#include <string_view>

#include "nats/jetstream_types.h"
#include "nats/message.h"
#include "nats/status.h"

namespace nats::client {

class Connection;

// Parses a $JS.ACK reply subject (either form); kInvalidArgument when it is not one.
Result<JsMsgMetadata> parse_js_metadata(std::string_view reply);

class JsMessage {
 public:
  JsMessage() = default;
  JsMessage(Message msg, Connection* nc) : msg_(std::move(msg)), nc_(nc) {}

  const Message& msg() const { return msg_; }
  std::string_view subject() const { return msg_.subject(); }
  std::string_view reply() const { return msg_.reply(); }
  std::string_view data() const { return msg_.data(); }
  const Headers& headers() const { return msg_.headers(); }
  Result<JsMsgMetadata> metadata() const { return parse_js_metadata(msg_.reply()); }

  // Each of these may be sent once (in_progress as often as needed); a second one gives
  // kInvalidArgument, as nats.go's ErrMsgAlreadyAckd. Messages of a consumer with ack policy
  // none have nothing to acknowledge.
  Status ack();
  // Redeliver, at once or (delay > 0) after `delay`.
  Status nak(std::chrono::nanoseconds delay = std::chrono::nanoseconds(0));
  // Still working on it: restarts the ack wait.
  Status in_progress();
  // Never redeliver.
  Status term();
  // Ack and wait until the server confirms it (the "double ack").
  Status ack_sync(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  Status send(std::string_view body, bool final);

  Message msg_;
  Connection* nc_ = nullptr;
  bool acked_ = false;
};

}  // namespace nats::client
