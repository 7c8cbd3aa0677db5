#pragma once
// A received message. It owns its bytes (subject, reply and data share one allocation), so it
// may be moved to any thread and kept as long as needed.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nats/headers.h"

namespace nats::client {

class Message {
 public:
  Message() = default;
  Message(Message&&) noexcept = default;
  Message& operator=(Message&&) noexcept = default;
  Message(const Message& other);
  Message& operator=(const Message& other);
  // Copies the parts; `headers` is the decoded header block, if the message had one, and
  // `header_bytes` its size on the wire.
  Message(std::string_view subject, std::string_view reply, std::string_view data,
          std::optional<Headers> headers = std::nullopt, size_t header_bytes = 0);

  std::string_view subject() const { return std::string_view(bytes_).substr(0, subject_len_); }
  std::string_view reply() const {
    return std::string_view(bytes_).substr(subject_len_, reply_len_);
  }
  std::string_view data() const {
    return std::string_view(bytes_).substr(subject_len_ + reply_len_);
  }
  bool has_headers() const { return headers_ != nullptr; }
  // Empty headers when the message had none.
  const Headers& headers() const;
  // The status code of the header block (503 no responders, ...); 0 when there is none.
  int status() const { return headers_ ? headers_->status() : 0; }
  // Bytes the server counts for this message (subject excluded): data plus header block.
  size_t size() const { return data().size() + header_bytes_; }

 private:
  std::string bytes_;  // subject | reply | data
  size_t subject_len_ = 0;
  size_t reply_len_ = 0;
  size_t header_bytes_ = 0;
  // Most messages have none; a pointer keeps a Message small to move between threads.
  std::unique_ptr<Headers> headers_;
};

}  // namespace nats::client
