// The services framework (ADR-32). One ServiceImpl per service: its endpoints with their
// counters (under mu_), the nine discovery subscriptions, and the connection it borrows.
// Subscription callbacks hold only a weak_ptr to the ServiceImpl, so no cycle keeps a stopped
// service alive and a late message for a destroyed service is simply dropped.

#include "nats/micro.h"

#include <mutex>
#include <regex>

#include "base/clock.h"
#include "crypto/nuid.h"

namespace nats::client::micro {

using ojson = nlohmann::ordered_json;

std::string_view verb_name(Verb v) {
  switch (v) {
    case Verb::kPing:
      return "PING";
    case Verb::kInfo:
      return "INFO";
    case Verb::kStats:
      return "STATS";
  }
  return "";
}

std::string control_subject(Verb v, std::string_view name, std::string_view id) {
  std::string s = std::string(kApiPrefix) + "." + std::string(verb_name(v));
  if (!name.empty()) {
    s += ".";
    s += name;
    if (!id.empty()) {
      s += ".";
      s += id;
    }
  }
  return s;
}

bool is_valid_semver(std::string_view version) {
  // The regular expression semver.org suggests (numbered groups variant).
  static const std::regex re(
      R"(^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*))"
      R"((?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?)"
      R"((?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$)");
  return std::regex_match(version.begin(), version.end(), re);
}

namespace {

// Service and endpoint names: letters, digits, '-' and '_'.
bool is_valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// An endpoint subject or queue group: no whitespace, '>' only as the last character.
bool is_valid_subject(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
    if (c == '>' && i + 1 != s.size()) return false;
  }
  return true;
}

// The queue group an endpoint gets: its own, else its parent's (group or service), else "q";
// none when it or its parent turned queue groups off (its own name wins over a parent's "off").
std::pair<std::string, bool> resolve_queue_group(const std::string& own, bool own_off,
                                                 const std::string& parent, bool parent_off) {
  if (own_off) return {"", true};
  if (!own.empty()) return {own, false};
  if (parent_off) return {"", true};
  if (!parent.empty()) return {parent, false};
  return {std::string(kDefaultQueueGroup), false};
}

ojson metadata_json(const Metadata& m) {
  ojson j = ojson::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

}  // namespace

// ---- Request ---------------------------------------------------------------------------------

Status Request::send(std::string_view data, const Headers* headers) {
  if (msg_.reply().empty()) {
    return Status(Errc::kInvalidArgument, "nats: the request has no reply subject");
  }
  Status st = headers != nullptr && !headers->empty()
                  ? nc_->publish(msg_.reply(), "", *headers, data)
                  : nc_->publish(msg_.reply(), data);
  if (!st && error_.empty()) error_ = "respond: " + st.to_string();
  return st;
}

Status Request::respond(std::string_view data) { return send(data, nullptr); }

Status Request::respond(std::string_view data, const Headers& headers) {
  return send(data, &headers);
}

Status Request::respond_json(const nlohmann::json& value, const Headers& headers) {
  return send(value.dump(), &headers);
}

Status Request::respond_error(int code, std::string_view description, std::string_view data,
                              const Headers& headers) {
  if (description.empty()) {
    return Status(Errc::kInvalidArgument, "nats: a service error needs a description");
  }
  Headers h = headers;
  h.set(kErrorHeader, description);
  h.set(kErrorCodeHeader, std::to_string(code));
  Status st = send(data, &h);
  if (st) error_ = std::to_string(code) + ":" + std::string(description);
  return st;
}

// ---- ServiceImpl -----------------------------------------------------------------------------

namespace detail {

class ServiceImpl : public std::enable_shared_from_this<ServiceImpl> {
 public:
  ServiceImpl(Connection& nc, ServiceConfig config)
      : nc_(nc), config_(std::move(config)), id_(crypto::next_nuid()), started_ns_(wall_nanos()) {}

  // Subscribes to the discovery subjects: every verb for all services, this name, this id.
  Status start() {
    std::weak_ptr<ServiceImpl> weak = weak_from_this();
    for (Verb v : {Verb::kPing, Verb::kInfo, Verb::kStats}) {
      for (int level = 0; level < 3; ++level) {
        const std::string subject =
            control_subject(v, level > 0 ? config_.name : "", level > 1 ? id_ : std::string_view());
        auto sub = nc_.subscribe(subject, [weak, v](Message m) {
          if (auto self = weak.lock()) self->answer_discovery(v, m);
        });
        if (!sub) {
          stop();
          return sub.status();
        }
        std::lock_guard lock(mu_);
        verb_subs_.push_back(std::move(sub.value()));
      }
    }
    return Status::ok();
  }

  Status add_endpoint(EndpointConfig cfg, const std::string& prefix,
                      const std::string& parent_queue, bool parent_no_queue) {
    if (!is_valid_name(cfg.name)) {
      return Status(Errc::kInvalidArgument, "nats: invalid endpoint name '" + cfg.name +
                                                "': use letters, digits, '-' and '_'");
    }
    if (!cfg.handler) {
      return Status(Errc::kInvalidArgument, "nats: endpoint '" + cfg.name + "' has no handler");
    }
    std::string subject = cfg.subject.empty() ? cfg.name : cfg.subject;
    if (!prefix.empty()) subject = prefix + "." + subject;
    if (!is_valid_subject(subject)) {
      return Status(Errc::kInvalidSubject, "nats: invalid endpoint subject '" + subject + "'");
    }
    auto [queue, no_queue] =
        resolve_queue_group(cfg.queue_group, cfg.no_queue_group, parent_queue, parent_no_queue);
    if (!no_queue && !is_valid_subject(queue)) {
      return Status(Errc::kInvalidArgument, "nats: invalid queue group '" + queue + "'");
    }

    auto ep = std::make_unique<Endpoint>();
    ep->info = EndpointInfo{cfg.name, subject, queue, std::move(cfg.metadata)};
    ep->handler = std::move(cfg.handler);
    Endpoint* raw = ep.get();
    {
      std::lock_guard lock(mu_);
      if (stopped_) return Status(Errc::kInvalidArgument, "nats: the service is stopped");
      endpoints_.push_back(std::move(ep));  // listed from now on; never removed
    }
    std::weak_ptr<ServiceImpl> weak = weak_from_this();
    auto on_request = [weak, raw](Message m) {
      if (auto self = weak.lock()) self->handle_request(*raw, std::move(m));
    };
    auto sub =
        no_queue ? nc_.subscribe(subject, on_request) : nc_.subscribe(subject, queue, on_request);
    std::lock_guard lock(mu_);
    if (!sub) {
      std::erase_if(endpoints_, [raw](const auto& e) { return e.get() == raw; });
      return sub.status();
    }
    raw->sub = std::move(sub.value());
    if (stopped_) (void)raw->sub.unsubscribe();  // stop() ran while we subscribed
    return Status::ok();
  }

  ServiceInfo info() const {
    ServiceInfo out{config_.name, id_, config_.version, config_.description, config_.metadata, {}};
    std::lock_guard lock(mu_);
    for (const auto& ep : endpoints_) out.endpoints.push_back(ep->info);
    return out;
  }

  ServiceStats stats() const {
    ServiceStats out{config_.name, id_, config_.version, config_.metadata, 0, {}};
    std::lock_guard lock(mu_);
    out.started_wall_ns = started_ns_;
    for (const auto& ep : endpoints_) {
      EndpointStats s;
      s.name = ep->info.name;
      s.subject = ep->info.subject;
      s.queue_group = ep->info.queue_group;
      s.num_requests = ep->num_requests;
      s.num_errors = ep->num_errors;
      s.last_error = ep->last_error;
      s.processing_time = std::chrono::nanoseconds(ep->processing_ns);
      s.average_processing_time = std::chrono::nanoseconds(
          ep->num_requests == 0 ? 0 : ep->processing_ns / int64_t(ep->num_requests));
      out.endpoints.push_back(std::move(s));
    }
    return out;
  }

  ojson identity(std::string_view type) const {
    ojson j;
    j["name"] = config_.name;
    j["id"] = id_;
    j["version"] = config_.version;
    j["metadata"] = metadata_json(config_.metadata);
    j["type"] = type;
    return j;
  }

  ojson ping_json() const { return identity(kPingResponseType); }

  ojson info_json() const {
    ojson j = identity(kInfoResponseType);
    j["description"] = config_.description;
    ojson eps = ojson::array();
    for (const EndpointInfo& e : info().endpoints) {
      eps.push_back({{"name", e.name},
                     {"subject", e.subject},
                     {"queue_group", e.queue_group},
                     {"metadata", metadata_json(e.metadata)}});
    }
    j["endpoints"] = std::move(eps);
    return j;
  }

  ojson stats_json() const {
    ServiceStats s = stats();
    ojson j = identity(kStatsResponseType);
    j["started"] = rfc3339_utc(s.started_wall_ns);
    ojson eps = ojson::array();
    for (EndpointStats& e : s.endpoints) {
      ojson ej;
      ej["name"] = e.name;
      ej["subject"] = e.subject;
      ej["queue_group"] = e.queue_group;
      ej["num_requests"] = e.num_requests;
      ej["num_errors"] = e.num_errors;
      ej["last_error"] = e.last_error;
      ej["processing_time"] = e.processing_time.count();
      ej["average_processing_time"] = e.average_processing_time.count();
      if (config_.stats_handler) {
        ej["data"] = ojson::parse(config_.stats_handler(e).dump());
      }
      eps.push_back(std::move(ej));
    }
    j["endpoints"] = std::move(eps);
    return j;
  }

  void reset() {
    std::lock_guard lock(mu_);
    for (auto& ep : endpoints_) {
      ep->num_requests = 0;
      ep->num_errors = 0;
      ep->last_error.clear();
      ep->processing_ns = 0;
    }
    started_ns_ = wall_nanos();
  }

  Status stop() {
    std::vector<Subscription*> subs;
    {
      std::lock_guard lock(mu_);
      if (stopped_) return Status::ok();
      stopped_ = true;
      for (auto& ep : endpoints_) subs.push_back(&ep->sub);
      for (auto& s : verb_subs_) subs.push_back(&s);
    }
    // Nothing adds to the lists once stopped_ is set, so the pointers stay valid.
    Status result;
    for (Subscription* s : subs) {
      if (!s->valid()) continue;
      Status st = s->drain();
      // A handler cannot wait for its own thread (kInvalidArgument): just stop the interest.
      if (st.code() == Errc::kInvalidArgument) st = s->unsubscribe();
      const bool gone =
          st.code() == Errc::kConnectionClosed || st.code() == Errc::kInvalidSubscription;
      if (!st && !gone && result) result = st;
    }
    return result;
  }

  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }

  const ServiceConfig& config() const { return config_; }
  const std::string& id() const { return id_; }

 private:
  struct Endpoint {
    EndpointInfo info;
    Handler handler;
    Subscription sub;
    uint64_t num_requests = 0;
    uint64_t num_errors = 0;
    std::string last_error;
    int64_t processing_ns = 0;
  };

  // On the delivery thread.
  void handle_request(Endpoint& ep, Message m) {
    Request req(nc_, std::move(m));
    const int64_t start = mono_nanos();
    ep.handler(req);
    const int64_t took = mono_nanos() - start;
    std::lock_guard lock(mu_);
    ++ep.num_requests;
    ep.processing_ns += took;
    if (!req.error().empty()) {
      ++ep.num_errors;
      ep.last_error = req.error();
    }
  }

  // On the delivery thread.
  void answer_discovery(Verb v, const Message& m) {
    if (m.reply().empty()) return;
    ojson doc = v == Verb::kPing ? ping_json() : v == Verb::kInfo ? info_json() : stats_json();
    (void)nc_.publish(m.reply(), doc.dump());
  }

  Connection& nc_;
  const ServiceConfig config_;
  const std::string id_;

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::vector<Subscription> verb_subs_;
  int64_t started_ns_;
  bool stopped_ = false;
};

}  // namespace detail

// ---- Service and Group -----------------------------------------------------------------------

Result<std::unique_ptr<Service>> add_service(Connection& nc, ServiceConfig config) {
  if (!is_valid_name(config.name)) {
    return Status(Errc::kInvalidArgument, "nats: invalid service name '" + config.name +
                                              "': use letters, digits, '-' and '_'");
  }
  if (!is_valid_semver(config.version)) {
    return Status(Errc::kInvalidArgument,
                  "nats: service version '" + config.version + "' is not a semantic version");
  }
  if (!config.queue_group.empty() && !is_valid_subject(config.queue_group)) {
    return Status(Errc::kInvalidArgument, "nats: invalid queue group '" + config.queue_group + "'");
  }
  auto impl = std::make_shared<detail::ServiceImpl>(nc, std::move(config));
  if (Status st = impl->start(); !st) return st;
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

Service::~Service() { (void)impl_->stop(); }

const std::string& Service::name() const { return impl_->config().name; }
const std::string& Service::id() const { return impl_->id(); }
const std::string& Service::version() const { return impl_->config().version; }

Status Service::add_endpoint(EndpointConfig config) {
  return impl_->add_endpoint(std::move(config), "", impl_->config().queue_group,
                             impl_->config().no_queue_group);
}

Status Service::add_endpoint(std::string name, Handler handler) {
  return add_endpoint(EndpointConfig{std::move(name), {}, std::move(handler), {}, {}, false});
}

Group Service::add_group(std::string prefix, std::string queue_group, bool no_queue_group) {
  auto [queue, off] = resolve_queue_group(queue_group, no_queue_group, impl_->config().queue_group,
                                          impl_->config().no_queue_group);
  return Group(impl_, std::move(prefix), std::move(queue), off);
}

ServiceInfo Service::info() const { return impl_->info(); }
ServiceStats Service::stats() const { return impl_->stats(); }
nlohmann::ordered_json Service::ping_json() const { return impl_->ping_json(); }
nlohmann::ordered_json Service::info_json() const { return impl_->info_json(); }
nlohmann::ordered_json Service::stats_json() const { return impl_->stats_json(); }
void Service::reset() { impl_->reset(); }
Status Service::stop() { return impl_->stop(); }
bool Service::stopped() const { return impl_->stopped(); }

Status Group::add_endpoint(EndpointConfig config) {
  auto svc = svc_.lock();
  if (!svc) return Status(Errc::kInvalidArgument, "nats: the service is gone");
  return svc->add_endpoint(std::move(config), prefix_, queue_group_, no_queue_group_);
}

Status Group::add_endpoint(std::string name, Handler handler) {
  return add_endpoint(EndpointConfig{std::move(name), {}, std::move(handler), {}, {}, false});
}

Group Group::add_group(std::string name, std::string queue_group, bool no_queue_group) {
  auto [queue, off] =
      resolve_queue_group(queue_group, no_queue_group, queue_group_, no_queue_group_);
  std::string prefix = prefix_;
  if (!name.empty()) prefix = prefix.empty() ? name : prefix + "." + name;
  return Group(svc_, std::move(prefix), std::move(queue), off);
}

}  // namespace nats::client::micro
