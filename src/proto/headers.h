#pragma once
// NATS/1.0 header blocks, the part of an HPUB/HMSG before the payload:
//
//   NATS/1.0[ <status>[ <description>]]\r\n
//   <key>: <value>\r\n          (zero or more; a key may repeat)
//   \r\n
//
// A status line appears on messages the server makes itself: "NATS/1.0 503" is the
// no-responders answer to a request, "NATS/1.0 408 Request Timeout" and "100 Idle Heartbeat"
// come from JetStream. Keys keep the case they were written in and are compared exactly, as in
// the official clients since headers became case-sensitive.
//
// Pure value type and functions: no I/O, any thread.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nats::proto {

inline constexpr std::string_view kHeaderVersion = "NATS/1.0";
inline constexpr int kStatusNoResponders = 503;

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // Appends a value; earlier values of the key stay.
  void add(std::string_view key, std::string_view value) { fields_.emplace_back(key, value); }
  // Replaces every value of the key by this one.
  void set(std::string_view key, std::string_view value);
  // The first value of the key, if any.
  std::optional<std::string_view> get(std::string_view key) const;
  std::vector<std::string_view> values(std::string_view key) const;
  // Removes every value of the key; returns how many there were.
  size_t erase(std::string_view key);

  // The status code of the status line (0: none) and its description.
  int status() const { return status_; }
  std::string_view description() const { return description_; }
  void set_status(int code, std::string_view description = {}) {
    status_ = code;
    description_ = description;
  }

  bool empty() const { return fields_.empty() && status_ == 0; }
  size_t size() const { return fields_.size(); }
  const std::vector<Field>& fields() const { return fields_; }
  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }

  bool operator==(const Headers&) const = default;

 private:
  std::vector<Field> fields_;  // in the order added or read
  int status_ = 0;
  std::string description_;
};

// A key may not be empty or hold ':', white space or control characters; a value may not hold
// CR or LF, and the description neither. Returns nullptr when fine, else what is wrong.
const char* validate_headers(const Headers& h);

// Bytes encode_headers will append.
size_t encoded_headers_size(const Headers& h);
// Appends the block to `out`. The headers must be valid (validate_headers).
void encode_headers(const Headers& h, std::string& out);
std::string encode_headers(const Headers& h);

struct DecodedHeaders {
  std::optional<Headers> headers;  // empty on error
  std::string error;               // what was wrong
};

// Decodes a whole header block (as HMSG delivers it: up to and including the empty line). Keys
// and values are trimmed of surrounding spaces and tabs, as the official clients do.
DecodedHeaders decode_headers(std::string_view block);

}  // namespace nats::proto
