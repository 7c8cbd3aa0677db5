#include "nats/message.h"

namespace nats::client {

Message::Message(std::string_view subject, std::string_view reply, std::string_view data,
                 std::optional<Headers> headers, size_t header_bytes)
    : subject_len_(subject.size()),
      reply_len_(reply.size()),
      header_bytes_(header_bytes),
      headers_(std::move(headers)) {
  bytes_.reserve(subject.size() + reply.size() + data.size());
  bytes_.append(subject).append(reply).append(data);
}

const Headers& Message::headers() const {
  static const Headers kEmpty;
  return headers_ ? *headers_ : kEmpty;
}

}  // namespace nats::client
