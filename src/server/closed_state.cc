#include "server/closed_state.h"

namespace nats {

std::string_view closed_state_name(ClosedState s) {
  switch (s) {
    case ClosedState::kNone:
      return "";
    case ClosedState::kClientClosed:
      return "Client Closed";
    case ClosedState::kAuthenticationTimeout:
      return "Authentication Timeout";
    case ClosedState::kAuthenticationViolation:
      return "Authentication Failure";
    case ClosedState::kTLSHandshakeError:
      return "TLS Handshake Failure";
    case ClosedState::kSlowConsumerPendingBytes:
      return "Slow Consumer (Pending Bytes)";
    case ClosedState::kSlowConsumerWriteDeadline:
      return "Slow Consumer (Write Deadline)";
    case ClosedState::kWriteError:
      return "Write Error";
    case ClosedState::kReadError:
      return "Read Error";
    case ClosedState::kParseError:
      return "Parse Error";
    case ClosedState::kStaleConnection:
      return "Stale Connection";
    case ClosedState::kProtocolViolation:
      return "Protocol Violation";
    case ClosedState::kBadClientProtocolVersion:
      return "Bad Client Protocol Version";
    case ClosedState::kWrongPort:
      return "Incorrect Port";
    case ClosedState::kMaxConnectionsExceeded:
      return "Maximum Connections Exceeded";
    case ClosedState::kMaxAccountConnectionsExceeded:
      return "Maximum Account Connections Exceeded";
    case ClosedState::kMaxPayloadExceeded:
      return "Maximum Message Payload Exceeded";
    case ClosedState::kMaxControlLineExceeded:
      return "Maximum Control Line Exceeded";
    case ClosedState::kMaxSubscriptionsExceeded:
      return "Maximum Subscriptions Exceeded";
    case ClosedState::kDuplicateRoute:
      return "Duplicate Route";
    case ClosedState::kRouteRemoved:
      return "Route Removed";
    case ClosedState::kServerShutdown:
      return "Server Shutdown";
    case ClosedState::kAuthenticationExpired:
      return "Authentication Expired";
    case ClosedState::kWrongGateway:
      return "Wrong Gateway";
    case ClosedState::kMissingAccount:
      return "Missing Account";
    case ClosedState::kRevocation:
      return "Credentials Revoked";
    case ClosedState::kInternalClient:
      return "Internal Client";
    case ClosedState::kMsgHeaderViolation:
      return "Message Header Violation";
    case ClosedState::kNoRespondersRequiresHeaders:
      return "No Responders Requires Headers";
    case ClosedState::kClusterNameConflict:
      return "Cluster Name Conflict";
    case ClosedState::kDuplicateRemoteLeafnodeConnection:
      return "Duplicate Remote LeafNode Connection";
    case ClosedState::kDuplicateClientID:
      return "Duplicate Client ID";
    case ClosedState::kDuplicateServerName:
      return "Duplicate Server Name";
    case ClosedState::kMinimumVersionRequired:
      return "Minimum Version Required";
    case ClosedState::kClusterNamesIdentical:
      return "Cluster Names Identical";
    case ClosedState::kKicked:
      return "Kicked";
  }
  return "Unknown State";
}

}  // namespace nats
