#pragma once
// Services on NATS (the "micro" API of ADR-32, services API v1): a service is a set of
// request/reply endpoints that tools and other clients can discover and watch through the
// $SRV.PING, $SRV.INFO and $SRV.STATS subjects, answered by every running instance.
//
//   using namespace nats::client;
//   auto svc = micro::add_service(*nc, {.name = "calc", .version = "1.0.0"});
//   if (!svc) return fail(svc.status().to_string());
//   auto calc = (*svc)->add_group("calc");
//   calc.add_endpoint("add", [](micro::Request& req) {
//     req.respond(std::to_string(sum(req.data())));
//   });
//   ... (*svc)->stop();
//
// Created by add_service(); the Service must not outlive its Connection. Endpoint handlers run
// on the connection's delivery thread, like every subscription callback (src/client/README.md);
// the Service's methods may be called from any thread. Several services may share one
// connection. Closing the connection does not stop a service by itself: call stop() (or destroy
// the Service) first.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nats/connection.h"
#include "nats/headers.h"
#include "nats/message.h"
#include "nats/status.h"

namespace nats::client::micro {

// The root of the discovery subjects: $SRV.<VERB>[.<name>[.<id>]].
inline constexpr std::string_view kApiPrefix = "$SRV";
// Endpoints join this queue group unless told otherwise, so instances share the requests.
inline constexpr std::string_view kDefaultQueueGroup = "q";
// A service error is signalled by these two headers on the reply.
inline constexpr std::string_view kErrorHeader = "Nats-Service-Error";
inline constexpr std::string_view kErrorCodeHeader = "Nats-Service-Error-Code";
// The `type` of each discovery answer.
inline constexpr std::string_view kPingResponseType = "io.nats.micro.v1.ping_response";
inline constexpr std::string_view kInfoResponseType = "io.nats.micro.v1.info_response";
inline constexpr std::string_view kStatsResponseType = "io.nats.micro.v1.stats_response";

enum class Verb { kPing, kInfo, kStats };
// "PING", "INFO", "STATS"
std::string_view verb_name(Verb v);
// "$SRV.PING", "$SRV.PING.calc", "$SRV.PING.calc.<id>" (id needs a name).
std::string control_subject(Verb v, std::string_view name = {}, std::string_view id = {});

using Metadata = std::map<std::string, std::string>;

// One request to an endpoint, handed to its handler by reference. Answer it with one of the
// respond calls (or not at all); respond_error() also counts an error in the endpoint's stats.
class Request {
 public:
  Request(Connection& nc, Message msg) : nc_(&nc), msg_(std::move(msg)) {}

  std::string_view subject() const { return msg_.subject(); }
  std::string_view reply() const { return msg_.reply(); }
  std::string_view data() const { return msg_.data(); }
  const Headers& headers() const { return msg_.headers(); }
  const Message& message() const { return msg_; }

  Status respond(std::string_view data);
  Status respond(std::string_view data, const Headers& headers);
  // The value serialised as JSON.
  Status respond_json(const nlohmann::json& value, const Headers& headers = {});
  // Replies with the Nats-Service-Error(-Code) headers (plus `headers`) and `data` as body.
  // The endpoint counts one error, with "<code>:<description>" as its last error.
  Status respond_error(int code, std::string_view description, std::string_view data = {},
                       const Headers& headers = {});

  // What the framework records after the handler: empty when the request did not fail.
  const std::string& error() const { return error_; }

 private:
  Status send(std::string_view data, const Headers* headers);

  Connection* nc_;
  Message msg_;
  std::string error_;
};

using Handler = std::function<void(Request&)>;

// Statistics of one endpoint, as the STATS answer shows them.
struct EndpointStats {
  std::string name;
  std::string subject;
  std::string queue_group;
  uint64_t num_requests = 0;
  uint64_t num_errors = 0;
  std::string last_error;
  std::chrono::nanoseconds processing_time{0};
  std::chrono::nanoseconds average_processing_time{0};
  nlohmann::json data;  // from the stats handler; null when there is none
};

// Extra per-endpoint data for STATS: called for each endpoint while the answer is built (on the
// delivery thread, or the caller's thread for Service::stats()). Must not call the Service.
using StatsHandler = std::function<nlohmann::json(const EndpointStats&)>;

struct ServiceConfig {
  std::string name;     // the kind of service: A-Z, a-z, 0-9, '-' and '_'
  std::string version;  // semantic version (semver.org), checked
  std::string description;
  Metadata metadata;
  std::string queue_group;      // empty: "q"
  bool no_queue_group = false;  // endpoints use plain subscriptions (every instance answers)
  StatsHandler stats_handler;
};

struct EndpointConfig {
  std::string name;     // A-Z, a-z, 0-9, '-' and '_'
  std::string subject;  // empty: the name (a group's prefix goes in front either way)
  Handler handler;
  Metadata metadata;
  std::string queue_group;  // empty: the group's or the service's
  bool no_queue_group = false;
};

struct EndpointInfo {
  std::string name;
  std::string subject;
  std::string queue_group;
  Metadata metadata;
};

struct ServiceInfo {
  std::string name;
  std::string id;
  std::string version;
  std::string description;
  Metadata metadata;
  std::vector<EndpointInfo> endpoints;
};

struct ServiceStats {
  std::string name;
  std::string id;
  std::string version;
  Metadata metadata;
  int64_t started_wall_ns = 0;  // when the service started (or was last reset)
  std::vector<EndpointStats> endpoints;
};

namespace detail {
class ServiceImpl;
}

// A subject prefix for endpoints, with its own default queue group. A cheap handle: copy it
// freely; it does nothing once its service is gone.
class Group {
 public:
  Status add_endpoint(EndpointConfig config);
  Status add_endpoint(std::string name, Handler handler);
  // A group below this one: "<prefix>.<name>".
  Group add_group(std::string name, std::string queue_group = {}, bool no_queue_group = false);
  const std::string& prefix() const { return prefix_; }

 private:
  friend class Service;
  Group(std::weak_ptr<detail::ServiceImpl> svc, std::string prefix, std::string queue_group,
        bool no_queue_group)
      : svc_(std::move(svc)),
        prefix_(std::move(prefix)),
        queue_group_(std::move(queue_group)),
        no_queue_group_(no_queue_group) {}

  std::weak_ptr<detail::ServiceImpl> svc_;
  std::string prefix_;
  std::string queue_group_;
  bool no_queue_group_;
};

class Service {
 public:
  ~Service();  // stops the service
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  const std::string& name() const;
  const std::string& id() const;
  const std::string& version() const;

  // Endpoints may be added while the service runs; they answer once this returns.
  Status add_endpoint(EndpointConfig config);
  Status add_endpoint(std::string name, Handler handler);
  Group add_group(std::string prefix, std::string queue_group = {}, bool no_queue_group = false);

  ServiceInfo info() const;
  ServiceStats stats() const;
  // The exact JSON documents the discovery subjects answer with.
  nlohmann::ordered_json ping_json() const;
  nlohmann::ordered_json info_json() const;
  nlohmann::ordered_json stats_json() const;

  // Zeroes every endpoint's counters and restarts the `started` clock.
  void reset();
  // Drains every subscription (endpoints and discovery), so requests already delivered are
  // answered, and stops answering. From inside a handler the subscriptions are removed without
  // waiting (a handler cannot wait for the thread it runs on). Idempotent.
  Status stop();
  bool stopped() const;

 private:
  friend Result<std::unique_ptr<Service>> add_service(Connection& nc, ServiceConfig config);
  explicit Service(std::shared_ptr<detail::ServiceImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<detail::ServiceImpl> impl_;
};

// Checks the configuration (kInvalidArgument naming what is wrong), gives the instance a unique
// id (a NUID, as the official clients do) and subscribes to its discovery subjects.
Result<std::unique_ptr<Service>> add_service(Connection& nc, ServiceConfig config);

// semver.org's regular expression: "1.2.3", "1.0.0-rc.1+build.5".
bool is_valid_semver(std::string_view version);

}  // namespace nats::client::micro
