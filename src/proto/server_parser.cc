#include "proto/server_parser.h"

#include "proto/client_parser.h"

namespace nats::proto {

std::string_view server_parse_status_name(ServerParseStatus s) {
  switch (s) {
    case ServerParseStatus::kOk:
      return "ok";
    case ServerParseStatus::kStopped:
      return "stopped";
    case ServerParseStatus::kProtocolError:
      return "protocol_error";
    case ServerParseStatus::kMaxControlLine:
      return "max_control_line";
  }
  return "?";
}

const char* parse_msg_args(std::string_view line, bool with_headers, MsgArgs& args) {
  // MSG: subject sid [reply] size; HMSG: subject sid [reply] hdr_size total_size
  std::string_view f[6];
  const size_t n = split_fields(line, f, 5);
  const size_t sizes = with_headers ? 2 : 1;
  if (n != 2 + sizes && n != 3 + sizes) return "wrong number of MSG arguments";
  args.subject = f[0];
  args.sid = f[1];
  args.reply = n == 3 + sizes ? f[2] : std::string_view();
  const int64_t last = parse_size(f[n - 1]);
  if (last < 0) return "bad message size";
  args.total_len = last;
  args.header_len = -1;
  if (with_headers) {
    const int64_t hdr = parse_size(f[n - 2]);
    if (hdr < 0) return "bad header size";
    if (hdr > last) return "header size larger than message size";
    args.header_len = hdr;
  }
  return nullptr;
}

}  // namespace nats::proto
