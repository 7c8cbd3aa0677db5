#pragma once
// natscli's message body templates, the subset this tool knows:
//   {{Count}}       the message number, from 1
//   {{TimeStamp}}   RFC 3339 time (UTC, seconds)
//   {{Unix}}        seconds since the epoch
//   {{UnixNano}}    nanoseconds since the epoch
//   {{Time}}        the time of day, 15:04:05
//   {{ID}}          a fresh unique id (NUID)
//   {{Request}}     the request's body (`nats reply` only)
// Spaces inside the braces are allowed ("{{ Count }}"), as Go templates allow them. Anything
// else between {{ and }} is an error, so a typo is not sent as text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nats::cli {

struct TemplateContext {
  uint64_t count = 0;
  int64_t wall_ns = 0;       // the time to print
  std::string_view request;  // for {{Request}}
};

// Parses once, renders many times: the body of `nats pub --count 1000000` costs one pass.
class BodyTemplate {
 public:
  // nullopt and a message on an unknown or unclosed placeholder.
  static std::optional<BodyTemplate> parse(std::string_view text, std::string* error);

  bool is_constant() const {
    return parts_.size() <= 1 && (parts_.empty() || parts_[0].kind == Kind::kText);
  }
  std::string render(const TemplateContext& ctx) const;

 private:
  enum class Kind { kText, kCount, kTimeStamp, kUnix, kUnixNano, kTime, kId, kRequest };
  struct Part {
    Kind kind;
    std::string text;
  };
  std::vector<Part> parts_;
};

}  // namespace nats::cli
