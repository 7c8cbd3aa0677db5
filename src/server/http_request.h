#pragma once
// A minimal HTTP/1.x request parser and response writer for the monitoring endpoint.
//
// Only what a monitoring client needs: GET/HEAD requests in origin-form ("/connz?subs=1") or
// absolute-form ("http://host/connz"), a query string with percent-decoding, and one response
// per connection (Connection: close). Request bodies are never read.
//
// Everything here is pure and allocation-light; safe to call from any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nats::http {

// Request line plus headers, as nats-server's Go http.Server allows (MaxHeaderBytes 1 MiB).
inline constexpr size_t kMaxHeaderBytes = 1 << 20;  // bytes

enum class ParseStatus {
  kComplete,            // a whole request head was parsed; `consumed` bytes used
  kIncomplete,          // need more bytes
  kBadRequest,          // 400: malformed request line, header or URL
  kHeadersTooLarge,     // 431: the head is longer than max_header_bytes
  kVersionUnsupported,  // 505: not HTTP/1.x
};

using Params = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;     // as sent, case-sensitive ("GET")
  std::string target;     // the raw request-target
  std::string path;       // percent-decoded path, always starting with '/'
  Params query;           // decoded name/value pairs, in order of appearance
  int version_minor = 1;  // HTTP/1.<version_minor>
  Params headers;         // names as sent; look them up with header()

  // The first value of query parameter `name` (empty if absent), like Go's URL.Query().Get().
  std::string_view param(std::string_view name) const;
  bool has_param(std::string_view name) const;
  // The first value of header `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

struct ParseResult {
  ParseStatus status = ParseStatus::kIncomplete;
  size_t consumed = 0;  // bytes of the request head, when complete
  std::string error;    // why, when not complete or incomplete
};

// Parses the request head at the start of `data`. `out` is overwritten when complete.
ParseResult parse_request(std::string_view data, Request& out,
                          size_t max_header_bytes = kMaxHeaderBytes);

// Percent-decodes `in` into `out`; with `plus_is_space` a '+' becomes ' ' (query strings).
// False on a malformed escape ("%", "%4", "%zz").
bool url_decode(std::string_view in, bool plus_is_space, std::string& out);

// Splits and decodes "a=1&b=&c" into {a,1},{b,""},{c,""}. Empty pieces ("a=1&&b=2") are
// skipped. False on a malformed escape.
bool parse_query(std::string_view raw, Params& out);

// The reason phrase of a status code ("Not Found").
std::string_view status_text(int status);

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  Params headers;  // extra headers
  std::string body;
};

// Serializes a complete response: status line, Content-Type, the extra headers, Date,
// Content-Length and Connection: close. With `head_only` the body is left out (HEAD), but
// Content-Length still says how long it would be. `now_wall_ns` is for the Date header.
std::string serialize_response(const Response& r, bool head_only, int64_t now_wall_ns);

// An RFC 7231 IMF-fixdate ("Mon, 23 Nov 2026 13:13:55 GMT").
std::string http_date(int64_t wall_ns);

// A plain-text error response, as Go's http.Error writes it.
Response text_response(int status, std::string body);

}  // namespace nats::http
