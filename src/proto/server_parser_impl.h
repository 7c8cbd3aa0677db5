#pragma once
// Template body of ServerParser::parse; included from server_parser.h only.

#include <algorithm>
#include <cstring>

#include "base/ascii.h"
#include "base/check.h"

namespace nats::proto {

namespace server_parser_detail {

// True when `line` starts with the operation `op` (any case) followed by the end of the line
// or a space or tab. Sets *args to what follows the separators.
inline bool match_op(std::string_view line, std::string_view op, std::string_view* args) {
  if (line.size() < op.size()) return false;
  for (size_t i = 0; i < op.size(); ++i) {
    if (ascii_lower(line[i]) != ascii_lower(op[i])) return false;
  }
  std::string_view rest = line.substr(op.size());
  if (!rest.empty() && rest[0] != ' ' && rest[0] != '\t') return false;
  while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t')) rest.remove_prefix(1);
  *args = rest;
  return true;
}

// -ERR 'Authorization Violation' -> Authorization Violation
inline std::string_view unquote_err(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') s = s.substr(1, s.size() - 2);
  return s;
}

inline constexpr std::string_view kCrLf = "\r\n";

}  // namespace server_parser_detail

template <typename Handler>
bool ServerParser::deliver(std::string_view body, Handler& h, ServerParseResult& r) {
  // body = headers + payload + CRLF
  if (body.substr(body.size() - 2) != server_parser_detail::kCrLf) {
    r.status = ServerParseStatus::kProtocolError;
    r.error = "message body not followed by CRLF";
    return false;
  }
  const size_t hdr = msg_.has_headers() ? size_t(msg_.header_len) : 0;
  const std::string_view headers = body.substr(0, hdr);
  const std::string_view payload = body.substr(hdr, size_t(msg_.total_len) - hdr);
  if (!h.on_msg(msg_, headers, payload)) {
    r.status = ServerParseStatus::kStopped;
    return false;
  }
  return true;
}

template <typename Handler>
typename ServerParser::LineResult ServerParser::on_line(std::string_view line,
                                                        std::string_view rest, size_t* body_used,
                                                        Handler& h, ServerParseResult& r) {
  using server_parser_detail::match_op;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto go_on = [&r](bool ok) {
    if (ok) return LineResult::kContinue;
    r.status = ServerParseStatus::kStopped;
    return LineResult::kStop;
  };
  auto error = [&r, line](const char* what) {
    r.status = ServerParseStatus::kProtocolError;
    r.error = std::string(what) + ": '" + std::string(line.substr(0, 256)) + "'";
    return LineResult::kError;
  };
  std::string_view args;
  const bool hmsg = match_op(line, "HMSG", &args);
  if (hmsg || match_op(line, "MSG", &args)) {
    if (const char* err = parse_msg_args(args, hmsg, msg_)) return error(err);
    const size_t need = size_t(msg_.total_len) + 2;  // + CRLF
    if (rest.size() >= need) {
      *body_used = need;
      return deliver(rest.substr(0, need), h, r)       ? LineResult::kContinue
             : r.status == ServerParseStatus::kStopped ? LineResult::kStop
                                                       : LineResult::kError;
    }
    // The body continues in a later read: keep the arguments in our own memory.
    msg_line_.assign(args);
    NATS_CHECK(parse_msg_args(msg_line_, hmsg, msg_) == nullptr);
    msg_buf_.clear();
    msg_buf_.reserve(need);
    in_payload_ = true;
    return LineResult::kContinue;
  }
  if (match_op(line, "PING", &args) && args.empty()) return go_on(h.on_ping());
  if (match_op(line, "PONG", &args) && args.empty()) return go_on(h.on_pong());
  if (match_op(line, "+OK", &args) && args.empty()) return go_on(h.on_ok());
  if (match_op(line, "-ERR", &args))
    return go_on(h.on_err(server_parser_detail::unquote_err(args)));
  if (match_op(line, "INFO", &args)) {
    if (args.empty()) return error("INFO without arguments");
    return go_on(h.on_info(args));
  }
  return error("unknown protocol operation");
}

template <typename Handler>
ServerParseResult ServerParser::parse(const char* data, size_t len, Handler& h) {
  ServerParseResult r;
  size_t i = 0;
  while (i < len) {
    if (in_payload_) {
      const size_t need = size_t(msg_.total_len) + 2 - msg_buf_.size();
      const size_t take = std::min(need, len - i);
      msg_buf_.append(data + i, take);
      i += take;
      if (take < need) break;
      in_payload_ = false;
      if (!deliver(msg_buf_, h, r)) {
        r.consumed = i;
        return r;
      }
      continue;
    }
    const char* start = data + i;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', len - i));
    if (nl == nullptr) {
      if (line_buf_.size() + (len - i) > max_control_line_) {
        r.status = ServerParseStatus::kMaxControlLine;
        r.consumed = i;
        return r;
      }
      line_buf_.append(start, len - i);
      i = len;
      break;
    }
    std::string_view line(start, size_t(nl - start));
    if (!line_buf_.empty()) {
      line_buf_.append(line);
      line = line_buf_;
    }
    if (line.size() > max_control_line_) {
      r.status = ServerParseStatus::kMaxControlLine;
      r.consumed = i;
      return r;
    }
    i = size_t(nl - data) + 1;
    size_t body_used = 0;
    const LineResult lr = on_line(line, std::string_view(data + i, len - i), &body_used, h, r);
    line_buf_.clear();
    i += body_used;
    if (lr != LineResult::kContinue) {
      r.consumed = i;
      return r;
    }
  }
  r.consumed = i;
  return r;
}

}  // namespace nats::proto
