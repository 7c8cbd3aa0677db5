#include "nats/status.h"

namespace nats::client {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kOk:
      return "ok";
    case Errc::kTimeout:
      return "timeout";
    case Errc::kNoResponders:
      return "no_responders";
    case Errc::kConnectionClosed:
      return "connection_closed";
    case Errc::kDisconnected:
      return "disconnected";
    case Errc::kNoServers:
      return "no_servers";
    case Errc::kAuthorization:
      return "authorization";
    case Errc::kPermissionViolation:
      return "permission_violation";
    case Errc::kSlowConsumer:
      return "slow_consumer";
    case Errc::kInvalidSubject:
      return "invalid_subject";
    case Errc::kInvalidArgument:
      return "invalid_argument";
    case Errc::kMaxPayload:
      return "max_payload";
    case Errc::kHeadersNotSupported:
      return "headers_not_supported";
    case Errc::kBufferFull:
      return "buffer_full";
    case Errc::kDraining:
      return "draining";
    case Errc::kInvalidSubscription:
      return "invalid_subscription";
    case Errc::kProtocol:
      return "protocol";
    case Errc::kIo:
      return "io";
    case Errc::kTls:
      return "tls";
    case Errc::kServerError:
      return "server_error";
    case Errc::kJetStreamNotEnabled:
      return "jetstream_not_enabled";
    case Errc::kStreamNotFound:
      return "stream_not_found";
    case Errc::kConsumerNotFound:
      return "consumer_not_found";
    case Errc::kMessageNotFound:
      return "message_not_found";
    case Errc::kApiError:
      return "api_error";
    case Errc::kNoMessages:
      return "no_messages";
    case Errc::kConsumerDeleted:
      return "consumer_deleted";
    case Errc::kTooManyPending:
      return "too_many_pending";
    case Errc::kBucketNotFound:
      return "bucket_not_found";
    case Errc::kKeyNotFound:
      return "key_not_found";
    case Errc::kKeyExists:
      return "key_exists";
    case Errc::kRevisionMismatch:
      return "revision_mismatch";
    case Errc::kObjectNotFound:
      return "object_not_found";
    case Errc::kDigestMismatch:
      return "digest_mismatch";
  }
  return "?";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string s = message_.empty() ? std::string(errc_name(code_)) : message_;
  if (is_api_error()) {
    s += " (code " + std::to_string(api_code_) + ", err_code " + std::to_string(err_code_) + ")";
  }
  return s;
}

}  // namespace nats::client
