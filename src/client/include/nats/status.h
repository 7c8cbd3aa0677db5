#pragma once
// Errors of the client library: an error code (what a program branches on) and a message (what
// a person reads). Nothing in the library throws on the message path; calls return Status or
// Result<T>.

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace nats::client {

enum class Errc {
  kOk = 0,
  kTimeout,              // a request, flush or drain did not finish in time
  kNoResponders,         // a request reached no subscriber (the server answered status 503)
  kConnectionClosed,     // the connection is closed (or was closed while waiting)
  kDisconnected,         // the operation needs a live connection and there is none right now
  kNoServers,            // no server in the list could be reached
  kAuthorization,        // the server refused our credentials
  kPermissionViolation,  // the server refused a publish or subscribe (async error)
  kSlowConsumer,         // messages were dropped: a subscription's pending limits were reached
  kInvalidSubject,
  kInvalidArgument,
  kMaxPayload,           // the message is larger than the server's max_payload
  kHeadersNotSupported,  // the server did not announce header support
  kBufferFull,           // the reconnect buffer is full
  kDraining,             // the connection or subscription is draining: no new work
  kInvalidSubscription,  // unsubscribed, closed, or its auto-unsubscribe limit was reached
  kProtocol,             // the server sent something we cannot parse
  kIo,                   // a socket error
  kTls,                  // TLS failed: handshake, certificate check, or TLS wanted but not offered
  kServerError,          // an -ERR from the server not covered above
};

// "timeout", "no_responders", ...
std::string_view errc_name(Errc code);

class Status {
 public:
  Status() = default;
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == Errc::kOk; }
  explicit operator bool() const { return is_ok(); }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  // "timeout: nats: request timed out" style, for logs and the command-line tool.
  std::string to_string() const;

 private:
  Errc code_ = Errc::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}       // NOLINT: implicit by design
  Result(Status error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  Result(Errc code, std::string message) : v_(Status(code, std::move(message))) {}

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  // The error; an ok Status when there is a value.
  Status status() const { return is_ok() ? Status() : std::get<1>(v_); }
  Errc code() const { return is_ok() ? Errc::kOk : std::get<1>(v_).code(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace nats::client
