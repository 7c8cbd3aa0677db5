#pragma once
// Incremental, zero-copy parser for the server side of the NATS protocol (what servers send to
// clients): INFO, MSG, HMSG, PING, PONG, +OK, -ERR. The client library's read path.
//
// It works a control line at a time: it looks for the line's '\n' with memchr and parses the
// complete line, so input may be split at any byte. A control line or a message body that
// straddles two reads is copied into the parser's own buffers (the only copies it makes);
// everything that arrives whole is handed to the handler as views into the caller's buffer,
// valid only during the callback. Operation names are matched case-insensitively and fields are
// split by runs of spaces and tabs, like the official clients' parsers; a bare '\n' ends a line
// as well as "\r\n".
//
// Owned by one client connection and used only on that connection's I/O thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nats::proto {

// Servers put every connect_url of a cluster in INFO, so a client accepts longer control lines
// than a server does.
inline constexpr size_t kClientMaxControlLine = 1024 * 1024;  // bytes

// Arguments of a MSG or HMSG line.
struct MsgArgs {
  std::string_view subject;
  std::string_view sid;
  std::string_view reply;   // empty when absent
  int64_t header_len = -1;  // -1 for MSG; header block length for HMSG
  int64_t total_len = 0;    // payload for MSG; headers + payload for HMSG
  bool has_headers() const { return header_len >= 0; }
};

enum class ServerParseStatus {
  kOk,              // everything consumed; more input may follow
  kStopped,         // a handler returned false
  kProtocolError,   // unknown operation or malformed arguments: the connection is unusable
  kMaxControlLine,  // a control line longer than the limit
};

std::string_view server_parse_status_name(ServerParseStatus s);

struct ServerParseResult {
  ServerParseStatus status = ServerParseStatus::kOk;
  size_t consumed = 0;  // bytes of the input that were processed
  std::string error;    // what was wrong, when status is kProtocolError
};

// Parses "subject sid [reply] size" (MSG) or "subject sid [reply] hdr_size total_size" (HMSG).
// Returns nullptr when fine, else what was wrong. Allocation-free.
const char* parse_msg_args(std::string_view line, bool with_headers, MsgArgs& args);

/*
Handler concept (each returns true to continue, false to stop parsing):
  bool on_info(std::string_view json);
  bool on_msg(const MsgArgs& args, std::string_view headers, std::string_view payload);
       // headers: the header block (empty for MSG); payload: the rest; no trailing CRLF
  bool on_ping();
  bool on_pong();
  bool on_ok();
  bool on_err(std::string_view text);  // without the surrounding quotes
*/

class ServerParser {
 public:
  explicit ServerParser(size_t max_control_line = kClientMaxControlLine)
      : max_control_line_(max_control_line) {}

  template <typename Handler>
  ServerParseResult parse(const char* data, size_t len, Handler& h);

  // True when no partial operation is buffered.
  bool idle() const { return !in_payload_ && line_buf_.empty(); }
  // Forgets any partial operation (a new connection starts clean).
  void reset() {
    in_payload_ = false;
    line_buf_.clear();
    msg_buf_.clear();
  }

 private:
  enum class LineResult { kContinue, kStop, kError };

  // Parses one complete control line (no line end). For MSG/HMSG whose body is wholly in
  // `rest`, delivers it and sets *body_used; otherwise enters the payload state.
  template <typename Handler>
  LineResult on_line(std::string_view line, std::string_view rest, size_t* body_used, Handler& h,
                     ServerParseResult& r);
  template <typename Handler>
  bool deliver(std::string_view body, Handler& h, ServerParseResult& r);

  size_t max_control_line_;
  std::string line_buf_;     // control line split across reads
  std::string msg_line_;     // owned copy of the MSG line whose body is split
  std::string msg_buf_;      // body (+CRLF) split across reads
  MsgArgs msg_;              // args of the message whose body is being read (views msg_line_)
  bool in_payload_ = false;  // reading msg_'s body into msg_buf_
};

}  // namespace nats::proto

#include "proto/server_parser_impl.h"
