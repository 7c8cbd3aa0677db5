#include "proto/client_parser.h"

namespace nats::proto {

std::string_view parse_status_name(ParseStatus s) {
  switch (s) {
    case ParseStatus::kOk:
      return "ok";
    case ParseStatus::kStopped:
      return "stopped";
    case ParseStatus::kUnknownOp:
      return "unknown_op";
    case ParseStatus::kMaxControlLine:
      return "max_control_line";
    case ParseStatus::kProtocolError:
      return "protocol_error";
    case ParseStatus::kAuthRequired:
      return "auth_required";
  }
  return "?";
}

size_t split_fields(std::string_view line, std::string_view* fields, size_t max_fields) {
  // Separators are space and tab; '\r' and '\n' too, for the SUB/UNSUB arguments nats-server
  // splits with them.
  auto is_sep = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t n = 0;
  const char* p = line.data();
  const char* const end = p + line.size();
  while (true) {
    while (p != end && is_sep(*p)) ++p;
    if (p == end) return n;
    const char* start = p;
    while (p != end && !is_sep(*p)) ++p;
    if (n == max_fields) return max_fields + 1;
    fields[n++] = std::string_view(start, size_t(p - start));
  }
}

int64_t parse_size(std::string_view s) {
  // nats-server accepts at most 9 digits (999,999,999); anything longer is "bad size".
  constexpr size_t kMaxSizeDigits = 9;
  if (s.empty() || s.size() > kMaxSizeDigits) return -1;
  int64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

const char* parse_pub_args(std::string_view line, bool with_headers, PubArgs& args) {
  std::string_view f[5];
  size_t n = split_fields(line, f, 4);
  args.reply = {};
  if (!with_headers) {
    args.header_len = -1;
    args.header_len_text = {};
    if (n == 2) {
      args.subject = f[0];
      args.total_len_text = f[1];
    } else if (n == 3) {
      args.subject = f[0];
      args.reply = f[1];
      args.total_len_text = f[2];
    } else {
      return "processPub Parse Error";
    }
    args.total_len = parse_size(args.total_len_text);
    return args.total_len < 0 ? "processPub Bad or Missing Size" : nullptr;
  }
  if (n == 3) {
    args.subject = f[0];
    args.header_len_text = f[1];
    args.total_len_text = f[2];
  } else if (n == 4) {
    args.subject = f[0];
    args.reply = f[1];
    args.header_len_text = f[2];
    args.total_len_text = f[3];
  } else {
    return "processHeaderPub Parse Error";
  }
  args.header_len = parse_size(args.header_len_text);
  args.total_len = parse_size(args.total_len_text);
  if (args.header_len < 0) return "processHeaderPub Bad or Missing Header Size";
  if (args.total_len < 0) return "processHeaderPub Bad or Missing Total Size";
  if (args.header_len > args.total_len) {
    return "processHeaderPub Header Size larger then TotalSize";
  }
  return nullptr;
}

}  // namespace nats::proto
