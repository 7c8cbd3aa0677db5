#pragma once
// Accounts: isolated subject spaces. Every client belongs to exactly one (the global account
// "$G" unless its user is configured in an account). An account owns the sublist its clients
// publish into, its limits, its subject mappings, and the exports and imports that let messages
// cross into other accounts, with nats-server's semantics:
//
// - A stream import makes the exporter's messages visible in the importer: when a client of the
//   importer subscribes to a subject the import covers, a *shadow* subscription is put in the
//   exporter's sublist; deliveries through it are renamed into the importer's subject space
//   (`prefix` or `to`). See ClientConnection's shadow handling.
// - A service import is an internal subscription in the importer's sublist on the import's
//   local subject. A request matching it is republished into the exporter on the export's
//   subject with its reply rewritten to a fresh `_R_.<prefix>.<id>` subject of the exporter;
//   the exporter's internal `_R_.<prefix>.>` subscription maps responses back to the
//   requester's reply subject (once for Singleton, until the response threshold for Stream and
//   Chunked; an empty message ends a Chunked response).
// - Mappings rewrite published subjects before anything else looks at them.
//
// Created by AccountRegistry from Options in the Server's constructor; everything but the
// connection count and the service reply table is immutable afterwards, so any loop reads it
// without locks. The reply table has its own mutex (touched only by service traffic).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_map.h"

#include "server/account_options.h"
#include "server/subject_mapping.h"
#include "server/subject_transform.h"
#include "server/sublist.h"
#include "server/subscription.h"

namespace nats {

struct Options;

inline constexpr const char* kGlobalAccountName = "$G";
inline constexpr const char* kSystemAccountName = "$SYS";  // the default system account
// Reply subjects handed to responders in an exporting account: "_R_.<6 chars>.<6 chars>".
inline constexpr std::string_view kServiceReplyPrefix = "_R_.";
inline constexpr size_t kMinServiceReplyLen = 15;

// nats-server's isServiceReply: clients may not use such a reply subject themselves.
inline bool is_service_reply(std::string_view reply) {
  return reply.size() > kMinServiceReplyLen && reply.substr(0, 4) == kServiceReplyPrefix;
}

class Account;

// Who may import an export.
struct ExportAuth {
  bool is_public = true;
  bool token_required = false;  // `accounts: []`: activation tokens only (none in config)
  std::vector<std::string> approved;
  unsigned token_position = 0;  // 1-based token that must be the importer's name

  bool allows(std::string_view importer, std::string_view subject) const;
};

struct StreamExport {
  std::string subject;
  ExportAuth auth;
};

struct ServiceExport {
  std::string subject;
  ExportAuth auth;
  ServiceResponseType response_type = ServiceResponseType::kSingleton;
  int64_t response_threshold_ns = kDefaultResponseThreshold.count();
  std::optional<ServiceLatencyOptions> latency;
};

// A stream import, kept by the importing account.
struct StreamImport {
  Account* exporter = nullptr;
  std::string from;  // in the exporter's subject space
  std::string to;    // in the importer's (with '*' for the transform's placeholders)
  std::optional<SubjectTransform> transform;  // from -> to, when `from` has wildcards
  std::optional<SubjectTransform> reverse;    // to -> from
  bool use_pub = false;                       // deliver under the published subject

  // The subject a message published on `subject` in the exporter is delivered as.
  std::string deliver_subject(std::string_view subject) const;
  // The subject of the shadow subscription in the exporter for a subscription on `subject`
  // in the importer; nullopt when the import does not reach it. (nats-server's
  // addShadowSubscriptions: equal, narrower, broader and overlapping subjects.)
  std::optional<std::string> shadow_subject(std::string_view subject) const;
};

// A service import, kept by the importing account.
struct ServiceImport {
  Account* importer = nullptr;
  Account* exporter = nullptr;
  std::string from;  // local subject in the importer
  std::string to;    // the exporter's subject
  std::optional<SubjectTransform> transform;
  bool use_pub = false;
  const ServiceExport* exported = nullptr;  // response type, threshold, latency
  bool share = false;
  std::unique_ptr<Subscription> sub;  // internal, in the importer's sublist on `from`

  // The exporter's subject for a request published on `subject`.
  std::string request_subject(std::string_view subject) const;
};

// A responder's reply subject mapped back to a requester (exporting side).
struct ServiceReply {
  Account* requester = nullptr;
  std::string reply;  // the requester's own reply subject
  ServiceResponseType type = ServiceResponseType::kSingleton;
  int64_t threshold_ns = 0;
  int64_t last_ns = 0;  // mono clock: created, or last response of a stream
  // Latency tracking (a sampled Singleton request to an export with `latency`): the results
  // subject in the exporter, when the request arrived (wall clock), and the requester as
  // nats-server's ClientInfo JSON.
  std::string latency_subject;
  int64_t request_wall_ns = 0;
  int64_t requester_rtt_ns = 0;
  std::string requester_json;
};

class Account {
 public:
  explicit Account(std::string name);
  ~Account();
  Account(const Account&) = delete;
  Account& operator=(const Account&) = delete;

  const std::string& name() const { return name_; }
  Sublist& sublist() { return sublist_; }
  const Sublist& sublist() const { return sublist_; }
  const AccountLimits& limits() const { return limits_; }
  const std::string& nkey() const { return nkey_; }

  // Connections. Any thread.
  // Counts a client in; false (and nothing counted) when max_connections is reached.
  bool add_connection();
  void remove_connection() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t num_connections() const { return connections_.load(std::memory_order_relaxed); }

  // Mappings. Immutable after set-up: any thread.
  bool has_mappings() const { return !mappings_.empty(); }
  // If a mapping covers `subject`, stores the chosen destination in `out` (empty when the
  // weights chose to drop the message) and returns true.
  bool map_subject(std::string_view subject, std::string& out) const;
  const std::vector<Mapping>& mappings() const { return mappings_; }

  const std::vector<StreamExport>& stream_exports() const { return stream_exports_; }
  const std::vector<ServiceExport>& service_exports() const { return service_exports_; }
  const std::vector<std::unique_ptr<StreamImport>>& stream_imports() const {
    return stream_imports_;
  }
  const std::vector<std::unique_ptr<ServiceImport>>& service_imports() const {
    return service_imports_;
  }
  bool has_stream_imports() const { return !stream_imports_.empty(); }

  // Service replies (exporting side). Any thread; one mutex.
  // Maps a fresh reply subject of this account to `r` and returns it.
  std::string add_service_reply(ServiceReply r);
  // Looks up a response's subject. A Singleton entry is taken out at once (a second response
  // finds nothing); others stay until finish_service_reply removes them.
  bool lookup_service_reply(std::string_view subject, ServiceReply& out);
  // After a Stream/Chunked response: remove the entry (no delivery, or the end of a chunked
  // response) or keep it alive for another threshold.
  void finish_service_reply(std::string_view subject, bool remove, int64_t now_ns);
  void remove_service_reply(std::string_view subject);
  // Drops replies older than their threshold; housekeeping, any thread.
  void expire_service_replies(int64_t now_ns);
  size_t num_service_replies() const;
  // A copy of the reply table, for monitoring.
  std::vector<std::pair<std::string, ServiceReply>> service_replies() const;

 private:
  friend class AccountRegistry;

  const std::string name_;
  Sublist sublist_;
  std::string nkey_;
  AccountLimits limits_;
  std::atomic<int64_t> connections_{0};
  std::vector<Mapping> mappings_;
  std::vector<StreamExport> stream_exports_;
  std::vector<ServiceExport> service_exports_;
  std::vector<std::unique_ptr<StreamImport>> stream_imports_;
  std::vector<std::unique_ptr<ServiceImport>> service_imports_;

  std::string reply_prefix_;                 // "_R_.xxxxxx."
  std::unique_ptr<Subscription> reply_sub_;  // internal, on reply_prefix_ + ">"
  mutable std::mutex replies_mu_;
  StringMap<ServiceReply> replies_;  // guarded by replies_mu_
};

// All accounts of a server, by name; always has "$G". Built once from Options and immutable
// afterwards (the accounts themselves have the mutable parts described above).
class AccountRegistry {
 public:
  AccountRegistry();
  ~AccountRegistry();

  // Creates the configured accounts, their mappings, exports and imports, in nats-server's
  // order (exports before imports), checking references, authorization and cycles. Returns
  // the problems in nats-server's words; the accounts are usable even then (bad entries are
  // left out).
  std::vector<std::string> configure(const Options& opts);

  Account& global() { return *global_; }
  // The system account; null with `no_system_account`.
  Account* system() const { return system_; }
  Account* find(std::string_view name);
  // In configuration order, "$G" first.
  const std::vector<Account*>& all() const { return order_; }

 private:
  std::string add_stream_import(Account& importer, const ImportOptions& im);
  std::string add_service_import(Account& importer, const ImportOptions& im);

  StringMap<std::unique_ptr<Account>> accounts_;
  std::vector<Account*> order_;
  Account* global_ = nullptr;
  Account* system_ = nullptr;
};

// The problems AccountRegistry::configure would report, for configuration checks.
std::vector<std::string> validate_accounts(const Options& opts);

}  // namespace nats
