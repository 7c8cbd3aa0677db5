#pragma once
// Writes the control line of a delivered message, the hottest formatting on the message path:
//   MSG <subject> <sid> [reply] <size>\r\n
//   HMSG <subject> <sid> [reply] <hdr_size> <total_size>\r\n
// Formats into caller-provided memory with no allocation.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace nats::proto {

// Upper bound of the line length for the given parts, for reserving space.
inline size_t msg_line_max_len(std::string_view subject, std::string_view sid,
                               std::string_view reply) {
  return 5 + subject.size() + 1 + sid.size() + 1 + reply.size() + 1 + 20 + 1 + 20 +
         2;  // sizes <= 20 digits
}

// Appends the decimal form of v at out; returns the new end.
inline char* write_uint(char* out, uint64_t v) {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = char('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *out++ = tmp[--n];
  return out;
}

inline char* write_sv(char* out, std::string_view s) {
  std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

// Writes MSG when header_size is empty, HMSG otherwise. The sizes are passed as text because
// nats-server repeats them exactly as the publisher wrote them. Returns the bytes written.
inline size_t write_msg_line(char* out, std::string_view subject, std::string_view sid,
                             std::string_view reply, std::string_view header_size,
                             std::string_view total_size) {
  char* p = out;
  p = write_sv(p, header_size.empty() ? std::string_view("MSG ") : std::string_view("HMSG "));
  p = write_sv(p, subject);
  *p++ = ' ';
  p = write_sv(p, sid);
  *p++ = ' ';
  if (!reply.empty()) {
    p = write_sv(p, reply);
    *p++ = ' ';
  }
  if (!header_size.empty()) {
    p = write_sv(p, header_size);
    *p++ = ' ';
  }
  p = write_sv(p, total_size);
  *p++ = '\r';
  *p++ = '\n';
  return size_t(p - out);
}

}  // namespace nats::proto
