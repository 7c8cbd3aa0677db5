#pragma once
// The JSON of the system account's events and service replies, with nats-server's schemas
// (server/events.go): ServerInfo, ClientInfo, the connect and disconnect advisories, account
// connection counts, STATSZ, and the ServerAPIResponse envelope. Field names, order and
// omissions follow the newest nats-server; the differential test checks them against 2.9.10.
//
// Pure functions over plain values: any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/auth.h"
#include "server/conn_info.h"
#include "server/monitor_util.h"

namespace nats {

// Event type strings.
inline constexpr std::string_view kConnectEventType = "io.nats.server.advisory.v1.client_connect";
inline constexpr std::string_view kDisconnectEventType =
    "io.nats.server.advisory.v1.client_disconnect";
inline constexpr std::string_view kAccountConnsEventType =
    "io.nats.server.advisory.v1.account_connections";

// Who sends: the static part of nats-server's ServerInfo.
struct ServerIdentity {
  std::string name, host, id, version;
};

// ServerInfo with its sequence number and send time.
MonitorJson server_info_json(const ServerIdentity& s, uint64_t seq, int64_t now_ns);
// ClientInfo of a connection. A disconnect (or auth error) adds the round trip and the stop time.
MonitorJson client_info_json(const ConnInfo& c, std::optional<int64_t> stop_ns);
// DataStats {msgs, bytes}; with `legs`, the (empty) gateways, routes and leafs of newer servers.
MonitorJson data_stats_json(uint64_t msgs, uint64_t bytes, bool legs = false);

// TypedEvent's fields (type, id, timestamp) followed by `server`.
MonitorJson typed_event_json(std::string_view type, std::string_view id, int64_t now_ns,
                             MonitorJson server);

// A client's counters for its disconnect event: what it sent is what the server received.
MonitorJson disconnect_event_json(std::string_view id, int64_t now_ns, MonitorJson server,
                                  const ConnInfo& c, std::string_view reason);

// nats-server's AccountStat.
struct AccountStat {
  std::string account;
  int64_t conns = 0;
  uint32_t num_subs = 0;
};
MonitorJson account_stat_fields(const AccountStat& a, MonitorJson& into);

// Permissions as nats-server's Permissions struct serializes (USER.INFO).
MonitorJson permissions_json(const Permissions& p);

// ServerAPIResponse: {"server": ..., "data": ..., "error": {"code", "description"}}.
MonitorJson api_response(MonitorJson server, std::optional<MonitorJson> data, int error_code = 0,
                         std::string_view error = {});

}  // namespace nats
