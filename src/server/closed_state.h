#pragma once
// Why a connection closed, with nats-server's names (shown as `reason` in /connz?state=closed).

#include <string_view>

namespace nats {

enum class ClosedState {
  kNone,
  kClientClosed,
  kAuthenticationTimeout,
  kAuthenticationViolation,
  kTLSHandshakeError,
  kSlowConsumerPendingBytes,
  kSlowConsumerWriteDeadline,
  kWriteError,
  kReadError,
  kParseError,
  kStaleConnection,
  kProtocolViolation,
  kBadClientProtocolVersion,
  kWrongPort,
  kMaxAccountConnectionsExceeded,
  kMaxConnectionsExceeded,
  kMaxPayloadExceeded,
  kMaxControlLineExceeded,
  kMaxSubscriptionsExceeded,
  kDuplicateRoute,
  kRouteRemoved,
  kServerShutdown,
  kAuthenticationExpired,
  kWrongGateway,
  kMissingAccount,
  kRevocation,
  kInternalClient,
  kMsgHeaderViolation,
  kNoRespondersRequiresHeaders,
  kClusterNameConflict,
  kDuplicateRemoteLeafnodeConnection,
  kDuplicateClientID,
  kDuplicateServerName,
  kMinimumVersionRequired,
  kClusterNamesIdentical,
  kKicked,
};

std::string_view closed_state_name(ClosedState s);

}  // namespace nats
