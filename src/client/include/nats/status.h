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
  // JetStream. API errors keep the server's code and err_code (Status::api_error()).
  kJetStreamNotEnabled,  // nobody answers $JS.API (no JetStream on the server or account)
  kStreamNotFound,       // err_code 10059
  kConsumerNotFound,     // err_code 10014
  kMessageNotFound,      // err_code 10037, or status 404 from a direct get
  kApiError,             // any other JetStream API error: see api_error().err_code
  kNoMessages,           // a pull request found nothing to deliver (fetch_no_wait)
  kConsumerDeleted,      // the consumer went away while messages were being pulled
  kTooManyPending,       // async publishes in flight reached their limit
  // Key-value and object stores (nats/kv.h, nats/object_store.h).
  kBucketNotFound,    // no KV_<bucket> / OBJ_<bucket> stream
  kKeyNotFound,       // no such key, or its last entry is a delete or purge marker
  kKeyExists,         // create() of a key that has a value (err_code 10071 kept)
  kRevisionMismatch,  // update() with a revision that is not the key's last (err_code kept)
  kObjectNotFound,    // no such object, or it was deleted
  kDigestMismatch,    // an object's chunks do not add up to its size and SHA-256 digest
};

// "timeout", "no_responders", ...
std::string_view errc_name(Errc code);

// An error as the JetStream API returns it: {"code":404,"err_code":10059,"description":...}.
struct ApiError {
  int code = 0;      // HTTP-like status (400, 404, 503, ...)
  int err_code = 0;  // the server's unique error number (10059: stream not found, ...)
  std::string description;
};

class Status {
 public:
  Status() = default;
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}
  // A JetStream API error: the message is the server's description.
  Status(Errc code, const ApiError& e)
      : code_(code), message_(e.description), api_code_(e.code), err_code_(e.err_code) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == Errc::kOk; }
  explicit operator bool() const { return is_ok(); }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  // "timeout: nats: request timed out" style, for logs and the command-line tool.
  std::string to_string() const;

  // Set for errors that came from the JetStream API (err_code != 0 then); zeros otherwise.
  bool is_api_error() const { return err_code_ != 0 || api_code_ != 0; }
  int err_code() const { return err_code_; }
  ApiError api_error() const { return {api_code_, err_code_, is_api_error() ? message_ : ""}; }

 private:
  Errc code_ = Errc::kOk;
  std::string message_;
  // Plain ints rather than an ApiError member keep a Status as small as before plus 8 bytes.
  int api_code_ = 0;
  int err_code_ = 0;
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
