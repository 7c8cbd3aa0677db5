#include "nats/message.h"

namespace nats::client {

Message::Message(std::string_view subject, std::string_view reply, std::string_view data,
                 std::optional<Headers> headers, size_t header_bytes)
    : subject_len_(subject.size()),
      reply_len_(reply.size()),
      header_bytes_(header_bytes),
      headers_(headers ? std::make_unique<Headers>(std::move(*headers)) : nullptr) {
  bytes_.reserve(subject.size() + reply.size() + data.size());
  bytes_.append(subject).append(reply).append(data);
}

Message::Message(const Message& other)
    : bytes_(other.bytes_),
      subject_len_(other.subject_len_),
      reply_len_(other.reply_len_),
      header_bytes_(other.header_bytes_),
      headers_(other.headers_ ? std::make_unique<Headers>(*other.headers_) : nullptr) {}

Message& Message::operator=(const Message& other) {
  if (this != &other) *this = Message(other);
  return *this;
}

const Headers& Message::headers() const {
  static const Headers kEmpty;
  return headers_ ? *headers_ : kEmpty;
}

}  // namespace nats::client
