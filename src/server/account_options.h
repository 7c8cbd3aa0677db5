#pragma once
// Accounts as configured: plain data in Options, filled by the configuration mapper (or by
// tests) and turned into running Accounts by AccountRegistry (server/account.h). The names and
// meanings are nats-server's `accounts {}` block (docs.nats.io, "Accounts"):
//
//   accounts {
//     A: { users: [...], limits: {max_connections: 10, max_subscriptions: 100, max_payload: 1KB}
//          exports: [ {stream: "pub.>"}, {service: "svc.*", accounts: [B], response_type: stream} ]
//          mappings: { "in.*": "out.$1" } }
//     B: { imports: [ {stream: {account: A, subject: "pub.>"}, prefix: "a"},
//                     {service: {account: A, subject: "svc.x"}, to: "a.svc"} ] }
//   }
//
// Users of an account are in Options::users / Options::nkeys with their `account` set.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/auth.h"

namespace nats {

// One destination of a subject mapping; weights of one mapping add up to at most 100 (the rest
// keeps the original subject).
struct MappingDestination {
  std::string subject;
  int weight = 100;     // percent
  std::string cluster;  // cluster-scoped destination (parsed; natsd has no cluster yet)

  bool operator==(const MappingDestination&) const = default;
};

struct SubjectMapping {
  std::string source;
  std::vector<MappingDestination> destinations;

  bool operator==(const SubjectMapping&) const = default;
};

enum class ServiceResponseType : uint8_t { kSingleton, kStream, kChunked };

// nats-server's DEFAULT_SERVICE_EXPORT_RESPONSE_THRESHOLD: how long a requester's reply
// subject stays mapped for the responder.
inline constexpr std::chrono::nanoseconds kDefaultResponseThreshold = std::chrono::minutes(2);
inline constexpr int kDefaultLatencySampling = 100;  // percent

struct ServiceLatencyOptions {
  int sampling = kDefaultLatencySampling;  // percent; 0 with `headers`
  bool headers = false;                    // sample when the request carries tracing headers
  std::string subject;                     // where results are published, in the exporter

  bool operator==(const ServiceLatencyOptions&) const = default;
};

struct ExportOptions {
  bool service = false;  // else a stream
  std::string subject;
  // Absent: public. Present: only these accounts may import.
  std::optional<std::vector<std::string>> accounts;
  ServiceResponseType response_type = ServiceResponseType::kSingleton;
  std::chrono::nanoseconds response_threshold{0};  // 0: the default
  std::optional<ServiceLatencyOptions> latency;
  // 1-based token of the subject that must be the importing account's name (0: none).
  unsigned account_token_position = 0;

  bool operator==(const ExportOptions&) const = default;
};

struct ImportOptions {
  bool service = false;  // else a stream
  std::string account;   // the exporting account
  std::string subject;   // in the exporting account's subject space
  std::string prefix;    // streams: prepended to delivered subjects
  std::string to;        // streams: delivered as; services: the local subject requests use
  bool share = false;    // services: share requester details (latency)

  bool operator==(const ImportOptions&) const = default;
};

// Negative: no limit of its own (the server's limit applies).
struct AccountLimits {
  int64_t max_connections = -1;
  int64_t max_subscriptions = -1;  // per connection, as in nats-server
  int64_t max_payload = -1;
  int64_t max_leafnodes = -1;

  bool operator==(const AccountLimits&) const = default;
};

struct AccountOptions {
  std::string name;
  std::string nkey;  // the account's public key, if given
  AccountLimits limits;
  std::vector<ExportOptions> exports;
  std::vector<ImportOptions> imports;
  std::vector<SubjectMapping> mappings;
  std::optional<Permissions> default_permissions;  // for its users without their own

  bool operator==(const AccountOptions&) const = default;
};

}  // namespace nats
