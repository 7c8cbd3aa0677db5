#include "server/http_request.h"

#include "base/ascii.h"

#include <ctime>

#include <fmt/format.h>

namespace nats::http {

namespace {

// RFC 9110 tchar: the characters of a method or header name.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

bool is_ctl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

ParseResult bad(std::string why) {
  return ParseResult{ParseStatus::kBadRequest, 0, std::move(why)};
}

// Splits the request-target into the raw path and the raw query. False if it is neither
// origin-form nor absolute-form.
bool split_target(std::string_view target, std::string_view& path, std::string_view& query) {
  if (target.empty()) return false;
  if (target.front() != '/') {
    // absolute-form: scheme "://" authority [path]
    const size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return false;
    const std::string_view scheme = target.substr(0, scheme_end);
    if (!ascii_iequals(scheme, "http") && !ascii_iequals(scheme, "https")) return false;
    target.remove_prefix(scheme_end + 3);
    const size_t slash = target.find_first_of("/?");
    if (slash == std::string_view::npos) {
      path = "/";
      query = {};
      return true;
    }
    target.remove_prefix(slash);
    if (target.front() == '?') {
      path = "/";
      query = target.substr(1);
      return true;
    }
  }
  const size_t q = target.find('?');
  if (q == std::string_view::npos) {
    path = target;
    query = {};
  } else {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  return true;
}

ParseResult parse_request_line(std::string_view line, Request& out) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return bad("malformed HTTP request");
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return bad("malformed HTTP request");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) return bad("invalid method");
  if (target.empty()) return bad("missing request target");
  for (char c : target)
    if (c == ' ' || is_ctl(c)) return bad("invalid request target");
  // HTTP/<digit>.<digit>
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return bad("malformed HTTP version");
  }
  if (version[5] != '1') {
    return ParseResult{ParseStatus::kVersionUnsupported, 0, "unsupported protocol version"};
  }
  out.method = std::string(method);
  out.target = std::string(target);
  out.version_minor = version[7] - '0';

  std::string_view raw_path, raw_query;
  if (!split_target(target, raw_path, raw_query)) return bad("invalid request target");
  out.path.clear();
  if (!url_decode(raw_path, false, out.path)) return bad("invalid URL escape in path");
  if (out.path.empty() || out.path.front() != '/') return bad("invalid request target");
  out.query.clear();
  if (!parse_query(raw_query, out.query)) return bad("invalid URL escape in query");
  return ParseResult{ParseStatus::kComplete, 0, {}};
}

ParseResult parse_header_line(std::string_view line, Request& out) {
  if (line.front() == ' ' || line.front() == '\t') return bad("obsolete header line folding");
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bad("malformed header line");
  const std::string_view name = line.substr(0, colon);
  if (!is_token(name)) return bad("invalid header name");
  const std::string_view value = trim_ows(line.substr(colon + 1));
  for (char c : value)
    if (is_ctl(c) && c != '\t') return bad("invalid header value");
  out.headers.emplace_back(std::string(name), std::string(value));
  return ParseResult{ParseStatus::kComplete, 0, {}};
}

}  // namespace

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return {};
}

bool Request::has_param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return true;
  return false;
}

const std::string* Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (ascii_iequals(k, name)) return &v;
  return nullptr;
}

bool url_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.reserve(out.size() + in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;  // needs two hex digits after '%'
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(char(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

bool parse_query(std::string_view raw, Params& out) {
  while (!raw.empty()) {
    const size_t amp = raw.find('&');
    const std::string_view piece = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    std::string name, value;
    if (!url_decode(piece.substr(0, eq), true, name)) return false;
    if (eq != std::string_view::npos && !url_decode(piece.substr(eq + 1), true, value)) {
      return false;
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

ParseResult parse_request(std::string_view data, Request& out, size_t max_header_bytes) {
  size_t pos = 0;
  // RFC 9112 2.2: ignore empty lines received before the request line.
  while (pos < data.size() && (data[pos] == '\r' || data[pos] == '\n')) ++pos;

  Request req;
  bool have_request_line = false;
  while (true) {
    const size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (data.size() > max_header_bytes) {
        return ParseResult{ParseStatus::kHeadersTooLarge, 0, "request header fields too large"};
      }
      return ParseResult{ParseStatus::kIncomplete, 0, {}};
    }
    if (nl + 1 > max_header_bytes) {
      return ParseResult{ParseStatus::kHeadersTooLarge, 0, "request header fields too large"};
    }
    std::string_view line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (!have_request_line) {
      ParseResult r = parse_request_line(line, req);
      if (r.status != ParseStatus::kComplete) return r;
      have_request_line = true;
      continue;
    }
    if (line.empty()) break;  // end of the head
    ParseResult r = parse_header_line(line, req);
    if (r.status != ParseStatus::kComplete) return r;
  }

  // HTTP/1.1 requires exactly one Host header (RFC 9112 3.2); HTTP/1.0 may omit it.
  int hosts = 0;
  for (const auto& [k, v] : req.headers)
    if (ascii_iequals(k, "Host")) ++hosts;
  if (hosts > 1) return bad("too many Host headers");
  if (hosts == 0 && req.version_minor >= 1) return bad("missing required Host header");

  out = std::move(req);
  return ParseResult{ParseStatus::kComplete, pos, {}};
}

std::string_view status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string http_date(int64_t wall_ns) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const time_t secs = time_t(wall_ns / 1'000'000'000);
  tm t;
  gmtime_r(&secs, &t);
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} GMT", kDays[t.tm_wday], t.tm_mday,
                     kMonths[t.tm_mon], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
}

std::string serialize_response(const Response& r, bool head_only, int64_t now_wall_ns) {
  std::string out;
  out.reserve(256 + (head_only ? 0 : r.body.size()));
  out += fmt::format("HTTP/1.1 {} {}\r\n", r.status, status_text(r.status));
  if (!r.content_type.empty()) out += fmt::format("Content-Type: {}\r\n", r.content_type);
  for (const auto& [k, v] : r.headers) out += fmt::format("{}: {}\r\n", k, v);
  out += fmt::format("Date: {}\r\n", http_date(now_wall_ns));
  out += fmt::format("Content-Length: {}\r\n", r.body.size());
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += r.body;
  return out;
}

Response text_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.body = std::move(body);
  return r;
}

}  // namespace nats::http
