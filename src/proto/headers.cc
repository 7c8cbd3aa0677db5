#include "proto/headers.h"

#include <algorithm>

namespace nats::proto {

namespace {

constexpr std::string_view kCrLf = "\r\n";

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool has_line_break(std::string_view s) { return s.find_first_of(kCrLf) != std::string_view::npos; }

}  // namespace

void Headers::set(std::string_view key, std::string_view value) {
  erase(key);
  add(key, value);
}

std::optional<std::string_view> Headers::get(std::string_view key) const {
  for (const Field& f : fields_) {
    if (f.first == key) return std::string_view(f.second);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::values(std::string_view key) const {
  std::vector<std::string_view> out;
  for (const Field& f : fields_) {
    if (f.first == key) out.emplace_back(f.second);
  }
  return out;
}

size_t Headers::erase(std::string_view key) {
  const size_t before = fields_.size();
  std::erase_if(fields_, [key](const Field& f) { return f.first == key; });
  return before - fields_.size();
}

const char* validate_headers(const Headers& h) {
  if (h.status() < 0 || h.status() > 999) return "status code must have at most 3 digits";
  if (has_line_break(h.description())) return "status description holds a line break";
  for (const auto& [key, value] : h) {
    if (key.empty()) return "empty header key";
    for (char c : key) {
      if (c == ':' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
        return "header key holds ':', white space or a control character";
      }
    }
    if (has_line_break(value)) return "header value holds a line break";
  }
  return nullptr;
}

size_t encoded_headers_size(const Headers& h) {
  size_t n = kHeaderVersion.size() + 2;
  if (h.status() != 0) n += 4 + (h.description().empty() ? 0 : 1 + h.description().size());
  for (const auto& [key, value] : h) n += key.size() + 2 + value.size() + 2;
  return n + 2;
}

void encode_headers(const Headers& h, std::string& out) {
  out.reserve(out.size() + encoded_headers_size(h));
  out.append(kHeaderVersion);
  if (h.status() != 0) {
    const int s = h.status();
    const char code[4] = {' ', char('0' + s / 100), char('0' + s / 10 % 10), char('0' + s % 10)};
    out.append(code, 4);
    if (!h.description().empty()) out.append(" ").append(h.description());
  }
  out.append(kCrLf);
  for (const auto& [key, value] : h) out.append(key).append(": ").append(value).append(kCrLf);
  out.append(kCrLf);
}

std::string encode_headers(const Headers& h) {
  std::string out;
  encode_headers(h, out);
  return out;
}

DecodedHeaders decode_headers(std::string_view block) {
  DecodedHeaders d;
  auto fail = [&d](std::string what) {
    d.headers.reset();
    d.error = std::move(what);
    return std::move(d);
  };
  if (block.substr(0, kHeaderVersion.size()) != kHeaderVersion) {
    return fail("header block does not start with NATS/1.0");
  }
  size_t eol = block.find(kCrLf);
  if (eol == std::string_view::npos) return fail("header block without a line end");
  Headers h;
  std::string_view status_line = block.substr(kHeaderVersion.size(), eol - kHeaderVersion.size());
  if (!status_line.empty()) {
    if (!is_space(status_line.front())) return fail("bad version line");
    status_line = trim(status_line);
    if (!status_line.empty()) {
      if (status_line.size() < 3 || !std::all_of(status_line.begin(), status_line.begin() + 3,
                                                 [](char c) { return c >= '0' && c <= '9'; })) {
        return fail("bad status code");
      }
      if (status_line.size() > 3 && !is_space(status_line[3])) return fail("bad status code");
      const int code =
          (status_line[0] - '0') * 100 + (status_line[1] - '0') * 10 + (status_line[2] - '0');
      h.set_status(code, trim(status_line.substr(3)));
    }
  }
  size_t pos = eol + 2;
  while (true) {
    eol = block.find(kCrLf, pos);
    if (eol == std::string_view::npos) return fail("header block not ended by an empty line");
    const std::string_view line = block.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail("header line without ':'");
    const std::string_view key = trim(line.substr(0, colon));
    if (key.empty()) return fail("empty header key");
    h.add(key, trim(line.substr(colon + 1)));
  }
  if (pos != block.size()) return fail("bytes after the end of the header block");
  d.headers = std::move(h);
  return d;
}

}  // namespace nats::proto
