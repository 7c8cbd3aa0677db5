// JsMessage: the metadata in a $JS.ACK reply subject, and acknowledgements. Acks are plain
// publishes to that subject (ack_sync a request), so they run on the caller's thread.

#include "nats/js_message.h"

#include <array>
#include <charconv>

#include "nats/connection.h"

namespace nats::client {

namespace {

constexpr size_t kV1Tokens = 9;   // $JS.ACK.<stream>.<consumer>.<5 numbers>
constexpr size_t kV2Tokens = 11;  // with domain and account hash; a 12th random token may follow

template <typename T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

constexpr size_t kMaxTokens = kV2Tokens + 1;

// Splits an ack subject into `out` without allocating (this runs for every JetStream message)
// and returns how many tokens it has; only the first kMaxTokens are kept, later ones are
// counted (newer servers may append some).
size_t split_tokens(std::string_view s, std::array<std::string_view, kMaxTokens>& out) {
  size_t n = 0, start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    if (n < kMaxTokens) out[n] = s.substr(start, dot - start);
    ++n;
    if (dot == std::string_view::npos) return n;
    start = dot + 1;
  }
}

}  // namespace

Result<JsMsgMetadata> parse_js_metadata(std::string_view reply) {
  auto bad = [] { return Status(Errc::kInvalidArgument, "nats: not a jetstream message"); };
  std::array<std::string_view, kMaxTokens> t;
  const size_t count = split_tokens(reply, t);
  if (count < kV1Tokens || t[0] != "$JS" || t[1] != "ACK") return bad();
  if (count != kV1Tokens && count < kV2Tokens) return bad();
  JsMsgMetadata md;
  size_t i = 2;  // the stream's token
  if (count >= kV2Tokens) {
    // "_" stands for "no domain".
    if (t[2] != "_") md.domain = std::string(t[2]);
    i = 4;  // t[3] is the account hash
  }
  md.stream = std::string(t[i]);
  md.consumer = std::string(t[i + 1]);
  if (md.stream.empty() || md.consumer.empty() || !parse_number(t[i + 2], md.num_delivered) ||
      !parse_number(t[i + 3], md.stream_seq) || !parse_number(t[i + 4], md.consumer_seq) ||
      !parse_number(t[i + 5], md.timestamp_ns) || !parse_number(t[i + 6], md.num_pending)) {
    return bad();
  }
  return md;
}

Status JsMessage::send(std::string_view body, bool final) {
  if (nc_ == nullptr || msg_.reply().empty()) {
    return Status(Errc::kInvalidArgument, "nats: message is not acknowledgeable");
  }
  if (acked_) return Status(Errc::kInvalidArgument, "nats: message was already acknowledged");
  Status s = nc_->publish(msg_.reply(), body);
  if (s && final) acked_ = true;
  return s;
}

Status JsMessage::ack() { return send("+ACK", true); }

Status JsMessage::nak(std::chrono::nanoseconds delay) {
  if (delay.count() <= 0) return send("-NAK", true);
  return send("-NAK {\"delay\":" + std::to_string(delay.count()) + "}", true);
}

Status JsMessage::in_progress() { return send("+WPI", false); }

Status JsMessage::term() { return send("+TERM", true); }

Status JsMessage::ack_sync(std::chrono::milliseconds timeout) {
  if (nc_ == nullptr || msg_.reply().empty()) {
    return Status(Errc::kInvalidArgument, "nats: message is not acknowledgeable");
  }
  if (acked_) return Status(Errc::kInvalidArgument, "nats: message was already acknowledged");
  // The server answers an ack sent as a request once it has been processed.
  auto r = nc_->request(msg_.reply(), "+ACK", timeout);
  if (!r) return r.status();
  acked_ = true;
  return Status();
}

}  // namespace nats::client
