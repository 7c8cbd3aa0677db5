#pragma once
// Incremental, zero-copy parser for the client side of the NATS protocol (what clients send to
// the server): CONNECT, PUB, HPUB, SUB, UNSUB, PING, PONG, INFO, +OK, -ERR.
//
// It is a byte-driven state machine with the same acceptance rules as nats-server's parser:
// operation names are case-insensitive, fields are split by any run of spaces and tabs, and a
// bad byte in an operation name is reported at once. Input may be split at any byte: a control
// line or payload that straddles two reads is copied into the parser's own buffers (the only
// copies it ever makes); everything that arrives whole is handed to the handler as views into
// the caller's buffer, valid only during the callback.
//
// Owned by one connection and used only on that connection's loop thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nats::proto {

// Protocol limits with nats-server's defaults.
inline constexpr size_t kDefaultMaxControlLine = 4096;      // bytes
inline constexpr int64_t kDefaultMaxPayload = 1024 * 1024;  // bytes

// Arguments of a PUB or HPUB line.
struct PubArgs {
  std::string_view subject;
  std::string_view reply;   // empty when absent
  int64_t header_len = -1;  // -1 for PUB; header block length for HPUB
  int64_t total_len = 0;    // payload length for PUB; headers + payload for HPUB
  // The sizes exactly as the publisher wrote them ("005" stays "005"): nats-server copies
  // them into the MSG lines it delivers, and so do we.
  std::string_view header_len_text;
  std::string_view total_len_text;
  bool has_headers() const { return header_len >= 0; }
};

// Why parse() stopped before consuming all input.
enum class ParseStatus {
  kOk,              // everything consumed; more input may follow
  kStopped,         // a handler returned false (it already reacted, e.g. closed the client)
  kUnknownOp,       // reply -ERR 'Unknown Protocol Operation' and close
  kMaxControlLine,  // reply -ERR 'maximum control line exceeded' and close
  kProtocolError,   // malformed arguments: close without -ERR (nats-server logs and closes)
  kAuthRequired,    // an operation other than CONNECT arrived while authentication is pending
};

// "ok", "stopped", "unknown_op", ...: for logs and tests.
std::string_view parse_status_name(ParseStatus s);

struct ParseResult {
  ParseStatus status = ParseStatus::kOk;
  size_t consumed = 0;  // bytes of the input that were processed
  std::string error;    // detail for the log when status is kProtocolError
};

// Parses a run of space/tab separated fields; returns how many were found (at most max_fields;
// a line with more fields reports max_fields + 1).
size_t split_fields(std::string_view line, std::string_view* fields, size_t max_fields);
// Parses a non-negative decimal size like nats-server's parseSize: -1 on any non-digit,
// empty input, or overflow.
int64_t parse_size(std::string_view s);

// Parses "subject [reply] size" or "subject [reply] hdr_size total_size" into args. Returns
// nullptr when fine, else what was wrong, in nats-server's words, for the log. Allocation-free:
// it runs for every message.
const char* parse_pub_args(std::string_view line, bool with_headers, PubArgs& args);

/*
Handler concept (all return true to continue parsing, false to stop):
  bool on_connect(std::string_view json);
  bool on_pub(const PubArgs& args);            // control line parsed; before the payload
  bool on_msg(const PubArgs& args, std::string_view msg);  // msg = headers + payload, no CRLF
  bool on_sub(std::string_view subject, std::string_view queue, std::string_view sid);
  bool on_unsub(std::string_view sid, int64_t max);        // max -1 when absent
  bool on_ping();
  bool on_pong();
  bool on_info(std::string_view json);
  bool on_err(std::string_view text);          // a client sent -ERR
  bool awaiting_auth() const;                  // true: only CONNECT may come first
*/

class ClientParser {
 public:
  explicit ClientParser(size_t max_control_line = kDefaultMaxControlLine)
      : max_control_line_(max_control_line) {}

  void set_max_control_line(size_t n) { max_control_line_ = n; }

  template <typename Handler>
  ParseResult parse(const char* data, size_t len, Handler& h);

  // True when no partial operation is buffered.
  bool idle() const { return state_ == State::kStart; }
  // Bytes held in the parser's own buffers for split input (for memory accounting).
  size_t buffered_bytes() const { return arg_buf_.capacity() + msg_buf_.capacity(); }
  // Releases buffer memory kept from an earlier split operation (idle connections).
  void shrink() {
    if (state_ == State::kStart) {
      std::string().swap(arg_buf_);
      std::string().swap(msg_buf_);
    }
  }

 private:
  enum class State : uint8_t {
    kStart,
    kPlus,
    kPlusO,
    kPlusOk,
    kMinus,
    kMinusE,
    kMinusEr,
    kMinusErr,
    kMinusErrSpc,
    kMinusErrArg,
    kC,
    kCo,
    kCon,
    kConn,
    kConne,
    kConnec,
    kConnect,
    kConnectArg,
    kH,
    kHp,
    kHpu,
    kHpub,
    kHpubSpc,
    kHpubArg,
    kP,
    kPu,
    kPub,
    kPubSpc,
    kPubArg,
    kPi,
    kPin,
    kPing,
    kPo,
    kPon,
    kPong,
    kPayload,
    kS,
    kSu,
    kSub,
    kSubSpc,
    kSubArg,
    kU,
    kUn,
    kUns,
    kUnsu,
    kUnsub,
    kUnsubSpc,
    kUnsubArg,
    kI,
    kIn,
    kInf,
    kInfo,
    kInfoArg,
  };

  // What to do with a completed argument line.
  template <typename Handler>
  bool dispatch_arg(State s, std::string_view arg, Handler& h, ParseResult& r);

  // Copies the current PUB subject and reply into pub_line_ and points pub_ at the copy.
  void own_pub_args();

  size_t max_control_line_;
  State state_ = State::kStart;
  std::string arg_buf_;     // control line split across reads
  std::string msg_buf_;     // payload split across reads
  std::string pub_line_;    // owned copy of the PUB/HPUB line when the payload splits
  PubArgs pub_;             // args of the message whose payload is being read
  bool pub_owned_ = false;  // pub_ views point into pub_line_
};

}  // namespace nats::proto

#include "proto/client_parser_impl.h"
