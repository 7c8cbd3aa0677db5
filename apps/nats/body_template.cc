#include "body_template.h"

#include <ctime>

#include "crypto/nuid.h"

namespace nats::cli {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string format_time(int64_t wall_ns, const char* format) {
  const std::time_t secs = std::time_t(wall_ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), format, &tm);
  return buf;
}

}  // namespace

std::optional<BodyTemplate> BodyTemplate::parse(std::string_view text, std::string* error) {
  BodyTemplate t;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      t.parts_.push_back({Kind::kText, std::string(text.substr(pos))});
      break;
    }
    if (open > pos) t.parts_.push_back({Kind::kText, std::string(text.substr(pos, open - pos))});
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      *error = "unclosed {{ in the body template";
      return std::nullopt;
    }
    const std::string_view name = trim(text.substr(open + 2, close - open - 2));
    Kind kind;
    if (name == "Count")
      kind = Kind::kCount;
    else if (name == "TimeStamp")
      kind = Kind::kTimeStamp;
    else if (name == "Unix")
      kind = Kind::kUnix;
    else if (name == "UnixNano")
      kind = Kind::kUnixNano;
    else if (name == "Time")
      kind = Kind::kTime;
    else if (name == "ID")
      kind = Kind::kId;
    else if (name == "Request")
      kind = Kind::kRequest;
    else {
      *error = "unknown template field '" + std::string(name) +
               "' (known: Count, TimeStamp, Unix, UnixNano, Time, ID, Request)";
      return std::nullopt;
    }
    t.parts_.push_back({kind, {}});
    pos = close + 2;
  }
  return t;
}

std::string BodyTemplate::render(const TemplateContext& ctx) const {
  std::string out;
  for (const Part& p : parts_) {
    switch (p.kind) {
      case Kind::kText:
        out += p.text;
        break;
      case Kind::kCount:
        out += std::to_string(ctx.count);
        break;
      case Kind::kTimeStamp:
        out += format_time(ctx.wall_ns, "%Y-%m-%dT%H:%M:%SZ");
        break;
      case Kind::kUnix:
        out += std::to_string(ctx.wall_ns / 1000000000);
        break;
      case Kind::kUnixNano:
        out += std::to_string(ctx.wall_ns);
        break;
      case Kind::kTime:
        out += format_time(ctx.wall_ns, "%H:%M:%S");
        break;
      case Kind::kId:
        out += crypto::next_nuid();
        break;
      case Kind::kRequest:
        out += ctx.request;
        break;
    }
  }
  return out;
}

}  // namespace nats::cli
