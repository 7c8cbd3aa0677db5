#include "server/system_account.h"

#include <pthread.h>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/go_quote.h"
#include "base/logger.h"
#include "crypto/nuid.h"
#include "proto/client_parser.h"
#include "server/account.h"
#include "server/client_connection.h"
#include "server/monitor_builders.h"
#include "server/server.h"

namespace nats {

using json = MonitorJson;

namespace {

constexpr int kBadRequest = 400;
constexpr int kInternalError = 500;

// The monitoring services, by the last token of `$SYS.REQ.SERVER.PING.<name>` and
// `$SYS.REQ.SERVER.<id>.<name>`.
struct ServiceName {
  const char* name;
  int service;
};

// "$SYS.REQ.ACCOUNT.<account>.<service>": the account token.
std::string account_token(std::string_view subject) {
  constexpr std::string_view prefix = "$SYS.REQ.ACCOUNT.";
  if (subject.substr(0, prefix.size()) != prefix) return {};
  subject.remove_prefix(prefix.size());
  const size_t dot = subject.find('.');
  return std::string(subject.substr(0, dot));
}

// A request's JSON options, decoded field by field with Go's encoding/json rules: unknown
// fields are ignored, a field of the wrong type is an error in Go's words.
class JsonOptions {
 public:
  JsonOptions(const json& j, std::string_view type) : j_(j), type_(type) {}

  void get(const char* key, bool& out) {
    if (auto* v = find(key)) {
      if (v->is_boolean()) out = v->get<bool>();
      else fail(key, "bool", *v);
    }
  }
  void get(const char* key, int64_t& out) {
    if (auto* v = find(key)) {
      if (v->is_number_integer()) out = v->get<int64_t>();
      else fail(key, "int", *v);
    }
  }
  void get(const char* key, uint64_t& out) {
    if (auto* v = find(key)) {
      if (v->is_number_unsigned()) out = v->get<uint64_t>();
      else fail(key, "uint64", *v);
    }
  }
  void get(const char* key, std::string& out) {
    if (auto* v = find(key)) {
      if (v->is_string()) out = v->get<std::string>();
      else fail(key, "string", *v);
    }
  }
  void get(const char* key, std::vector<std::string>& out) {
    if (auto* v = find(key)) {
      if (!v->is_array()) return fail(key, "[]string", *v);
      for (const auto& e : *v) {
        if (!e.is_string()) return fail(key, "string", e);
        out.push_back(e.get<std::string>());
      }
    }
  }
  const std::string& error() const { return error_; }

 private:
  const json* find(const char* key) const {
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  void fail(const char* key, const char* go_type, const json& v) {
    if (!error_.empty()) return;
    const char* kind = v.is_string() ? "string" : v.is_boolean() ? "bool" : v.is_number() ? "number"
                       : v.is_array()  ? "array"
                                       : "object";
    error_ = fmt::format("json: cannot unmarshal {} into Go struct field {}.{} of type {}", kind,
                         type_, key, go_type);
  }

  const json& j_;
  std::string_view type_;
  std::string error_;
};

}  // namespace

// One subscription's handler: which service it stands for.
struct SystemAccount::Handler final : InternalHandler {
  SystemAccount* owner;
  Service service;
  Handler(SystemAccount* o, Service s) : owner(o), service(s) {}
  void on_internal_msg(Subscription& sub, ClientConnection& from, const proto::PubArgs& args,
                       std::string_view msg) override {
    owner->on_request(service, sub, from, args, msg);
  }
};

SystemAccount::SystemAccount(Server& server, Account& account)
    : server_(server), account_(account) {
  identity_.name = server.server_name();
  identity_.host = server.opts().host;
  identity_.id = server.server_id();
  identity_.version = kCompatServerVersion;
}

SystemAccount::~SystemAccount() {
  stop_thread();
  for (auto& s : subs_) s->account->sublist().remove(s.get());
}

void SystemAccount::subscribe(Account& acc, std::string subject, Service service) {
  handlers_.push_back(std::make_unique<Handler>(this, service));
  auto sub = std::make_unique<Subscription>();
  sub->subject = std::move(subject);
  sub->sid = std::to_string(subs_.size() + 1);
  sub->internal_handler = handlers_.back().get();
  sub->account = &acc;
  if (acc.sublist().insert(sub.get()) != SublistStatus::kOk) {
    log_error("Error setting up internal tracking: invalid subject {}", go_quote(sub->subject));
    return;
  }
  subs_.push_back(std::move(sub));
}

void SystemAccount::start() {
  const std::string& id = identity_.id;
  static constexpr std::pair<const char*, Service> kServer[] = {
      {"STATSZ", Service::kStatsz},     {"IDZ", Service::kIdz},
      {"VARZ", Service::kVarz},         {"CONNZ", Service::kConnz},
      {"SUBSZ", Service::kSubsz},       {"ROUTEZ", Service::kRoutez},
      {"GATEWAYZ", Service::kGatewayz}, {"LEAFZ", Service::kLeafz},
      {"ACCOUNTZ", Service::kAccountz}, {"JSZ", Service::kJsz},
      {"HEALTHZ", Service::kHealthz},   {"PROFILEZ", Service::kProfilez},
  };
  subscribe(account_, "$SYS.REQ.SERVER.PING", Service::kStatsz);
  for (const auto& [name, service] : kServer) {
    subscribe(account_, fmt::format("$SYS.REQ.SERVER.{}.{}", id, name), service);
    subscribe(account_, fmt::format("$SYS.REQ.SERVER.PING.{}", name), service);
  }
  subscribe(account_, fmt::format("$SYS.REQ.SERVER.{}.RELOAD", id), Service::kReload);
  static constexpr std::pair<const char*, Service> kAccount[] = {
      {"SUBSZ", Service::kAccSubsz}, {"CONNZ", Service::kAccConnz}, {"LEAFZ", Service::kAccLeafz},
      {"INFO", Service::kAccInfo},   {"STATZ", Service::kAccStatz}, {"CONNS", Service::kAccConns},
  };
  for (const auto& [name, service] : kAccount)
    subscribe(account_, fmt::format("$SYS.REQ.ACCOUNT.*.{}", name), service);
  subscribe(account_, "$SYS.REQ.ACCOUNT.PING.STATZ", Service::kAccPingStatz);
  subscribe(account_, "$SYS.REQ.ACCOUNT.PING.CONNZ", Service::kConnz);
  // What nats-server imports into every other account from the system account
  // (registerSystemImports): a user may ask about itself and its own account.
  for (Account* a : server_.accounts().all()) {
    subscribe(*a, "$SYS.REQ.USER.INFO", Service::kUserInfo);
    if (a == &account_) continue;
    subscribe(*a, "$SYS.REQ.SERVER.PING.CONNZ", Service::kAccountConnz);
    subscribe(*a, "$SYS.REQ.ACCOUNT.PING.CONNZ", Service::kAccountConnz);
    subscribe(*a, "$SYS.REQ.ACCOUNT.PING.STATZ", Service::kAccountStatz);
  }

  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      io_.get_executor());
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "natsd-sys");
    io_.run();
  });
  asio::post(io_, [this] {
    arm_statsz(kStatszFirstNs);
    arm_heartbeat();
  });
}

void SystemAccount::stop() {
  if (stopped_.exchange(true)) return;
  // The last word, as nats-server's sendShutdownEvent: our ServerInfo.
  const std::string subject = fmt::format("$SYS.SERVER.{}.SHUTDOWN", identity_.id);
  const std::string payload = server_info().dump();
  net::EventLoop& loop = server_.loops().loop(0);
  server_.loops().run_and_wait(0, [&] { publish(loop, account_, subject, {}, payload); });
  stop_thread();
}

void SystemAccount::stop_thread() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    statsz_timer_.cancel();
    hb_timer_.cancel();
    work_.reset();
    io_.stop();
  });
  thread_.join();
}

// ---------------------------------------------------------------------------------------------
// Sending

void SystemAccount::publish(net::EventLoop& loop, Account& acc, std::string_view subject,
                            std::string_view reply, std::string_view payload) {
  if (subject.empty()) return;
  SublistResult r;
  acc.sublist().match(subject, r);
  if (r.psubs.empty() && r.qsubs.empty()) return;
  const std::string size = std::to_string(payload.size());
  proto::PubArgs a;
  a.subject = subject;
  a.reply = reply;
  a.total_len = int64_t(payload.size());
  a.total_len_text = size;
  DeliveryBatch batch;
  // Like a client's delivery (ClientConnection::deliver_result), without echo rules or imports:
  // internal subscribers do not hear the server.
  auto deliver = [&](Subscription* s) {
    if (s->client == nullptr || s->closed.load(std::memory_order_relaxed)) return false;
    if (s->delivery_denied(subject)) return false;
    if (s->stream_import != nullptr) {
      const std::string renamed_subject = s->stream_import->deliver_subject(subject);
      if (s->shadow_of->delivery_denied(renamed_subject)) return false;
      proto::PubArgs renamed = a;
      renamed.subject = renamed_subject;
      s->client->deliver(s->shadow_of, renamed, payload, batch);
      return true;
    }
    s->client->deliver(s, a, payload, batch);
    return true;
  };
  for (Subscription* s : r.psubs) deliver(s);
  for (const auto& group : r.qsubs) {
    if (group.empty()) continue;
    const size_t start = size_t(seq_.load(std::memory_order_relaxed)) % group.size();
    for (size_t k = 0; k < group.size(); ++k) {
      Subscription* s = group[(start + k) % group.size()];
      const uint64_t max = s->max_msgs.load(std::memory_order_relaxed);
      if (max != 0 && s->delivered.load(std::memory_order_relaxed) >= max) continue;
      if (deliver(s)) break;
    }
  }
  if (batch.out_msgs > 0) {
    server_.stats().out_msgs.fetch_add(batch.out_msgs, std::memory_order_relaxed);
    server_.stats().out_bytes.fetch_add(batch.out_bytes, std::memory_order_relaxed);
  }
  ClientConnection::hand_off(batch, loop);
}

void SystemAccount::post_publish(int loop_index, Account* acc, std::string subject,
                                 std::string payload) {
  net::EventLoop& loop = server_.loops().loop(loop_index);
  loop.post([this, &loop, acc, subject = std::move(subject), payload = std::move(payload)] {
    publish(loop, *acc, subject, {}, payload);
  });
}

json SystemAccount::server_info() {
  return server_info_json(identity_, seq_.fetch_add(1, std::memory_order_relaxed) + 1,
                          wall_nanos());
}

std::string SystemAccount::next_event_id() { return crypto::next_nuid(); }

bool SystemAccount::has_interest(std::string_view subject) const {
  SublistResult r;
  account_.sublist().match(subject, r);
  return !r.psubs.empty() || !r.qsubs.empty();
}

// ---------------------------------------------------------------------------------------------
// Events

void SystemAccount::client_connected(ClientConnection& c) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  Account& acc = c.account();
  // nats-server's order: the account's count, then the advisory.
  publish_account_conns(c.loop(), acc);
  const std::string subject = fmt::format("$SYS.ACCOUNT.{}.CONNECT", acc.name());
  if (has_interest(subject)) {
    const ConnInfo ci = make_conn_info(c, false, false);
    json j = typed_event_json(kConnectEventType, next_event_id(), wall_nanos(), server_info());
    j["client"] = client_info_json(ci, std::nullopt);
    publish(c.loop(), account_, subject, {}, j.dump());
  }
}

void SystemAccount::client_disconnected(ClientConnection& c, ClosedState reason, bool announced) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  Account& acc = c.account();
  if (announced) {
    const std::string subject = fmt::format("$SYS.ACCOUNT.{}.DISCONNECT", acc.name());
    if (has_interest(subject)) {
      const ConnInfo ci = make_conn_info(c, false, false);
      const json j = disconnect_event_json(next_event_id(), wall_nanos(), server_info(), ci,
                                           closed_state_name(reason));
      publish(c.loop(), account_, subject, {}, j.dump());
    }
    publish_account_conns(c.loop(), acc);
  }
}

void SystemAccount::auth_error(ClientConnection& c) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  const std::string subject = fmt::format("$SYS.SERVER.{}.CLIENT.AUTH.ERR", identity_.id);
  if (!has_interest(subject)) return;
  const ConnInfo ci = make_conn_info(c, false, false);
  const json j = disconnect_event_json(next_event_id(), wall_nanos(), server_info(), ci,
                                       closed_state_name(ClosedState::kAuthenticationViolation));
  publish(c.loop(), account_, subject, {}, j.dump());
}

AccountStat SystemAccount::account_stat(const Account& a) const {
  AccountStat s;
  s.account = a.name();
  s.conns = a.num_connections();
  s.num_subs = uint32_t(a.sublist().count());
  return s;
}

json SystemAccount::account_conns_event(const Account& a) {
  json j = typed_event_json(kAccountConnsEventType, next_event_id(), wall_nanos(), server_info());
  account_stat_fields(account_stat(a), j);
  return j;
}

void SystemAccount::publish_account_conns(net::EventLoop& loop, Account& a) {
  // nats-server's accConnsUpdate: never for the global account.
  if (&a == &server_.global_account()) return;
  const int64_t conns = a.num_connections();
  {
    std::lock_guard lock(conns_mu_);
    if (conns > 0) {
      last_conns_[a.name()] = conns;
    } else {
      last_conns_.erase(a.name());
    }
  }
  const std::string old_subject = fmt::format("$SYS.SERVER.ACCOUNT.{}.CONNS", a.name());
  const std::string new_subject = fmt::format("$SYS.ACCOUNT.{}.SERVER.CONNS", a.name());
  if (!has_interest(old_subject) && !has_interest(new_subject)) return;
  const std::string payload = account_conns_event(a).dump();
  publish(loop, account_, old_subject, {}, payload);
  publish(loop, account_, new_subject, {}, payload);
}

json SystemAccount::statsz_json() {
  const Figures f = gather_figures(server_, server_.cpu_percent());
  size_t active = 0;
  for (const Account* a : server_.accounts().all()) active += a->num_connections() > 0 ? 1 : 0;
  json s;
  s["start"] = rfc3339_utc(server_.start_time_ns());
  s["mem"] = f.mem;
  s["cores"] = available_cores();
  s["cpu"] = go_float(f.cpu);
  s["connections"] = f.connections;
  s["total_connections"] = f.total_connections;
  s["active_accounts"] = active;
  s["subscriptions"] = f.subscriptions;
  s["sent"] = data_stats_json(f.out_msgs, f.out_bytes);
  s["sent_to_clients"] = data_stats_json(f.out_msgs, f.out_bytes);
  s["received"] = data_stats_json(f.in_msgs, f.in_bytes);
  s["received_from_clients"] = data_stats_json(f.in_msgs, f.in_bytes);
  s["slow_consumers"] = f.slow_consumers;
  if (f.slow_consumers != 0) {
    s["slow_consumer_stats"] = {
        {"clients", f.slow_consumers}, {"routes", 0}, {"gateways", 0}, {"leafs", 0}};
  }
  if (f.stale_connections != 0) {
    s["stale_connections"] = f.stale_connections;
    s["stale_connection_stats"] = {
        {"clients", f.stale_connections}, {"routes", 0}, {"gateways", 0}, {"leafs", 0}};
  }
  s["active_servers"] = 1;
  s["gomaxprocs"] = server_.loops().size();
  json j;
  j["server"] = server_info();
  j["statsz"] = std::move(s);
  return j;
}

// System thread: the STATSZ cadence (startStatszTimer / heartbeatStatsz).
void SystemAccount::arm_statsz(int64_t delay_ns) {
  statsz_timer_.expires_after(std::chrono::nanoseconds(delay_ns));
  statsz_timer_.async_wait([this](std::error_code ec) {
    if (ec || stopped_.load()) return;
    send_statsz(true);
    statsz_interval_ns_ = std::min(statsz_interval_ns_ * 2, kStatszMaxNs);
    arm_statsz(statsz_interval_ns_);
  });
}

void SystemAccount::send_statsz(bool rate_limited) {
  const std::string subject = fmt::format("$SYS.SERVER.{}.STATSZ", identity_.id);
  // Standalone, nats-server sends only when someone listens.
  if (!has_interest(subject)) return;
  const int64_t now = mono_nanos();
  if (rate_limited && now - last_statsz_ns_.load() < kStatszRateLimitNs) return;
  last_statsz_ns_.store(now);
  post_publish(0, &account_, subject, statsz_json().dump());
}

// System thread: account connection counts every 30 s while an account has clients.
void SystemAccount::arm_heartbeat() {
  hb_timer_.expires_after(std::chrono::nanoseconds(kAccountConnsHbNs));
  hb_timer_.async_wait([this](std::error_code ec) {
    if (ec || stopped_.load()) return;
    std::vector<std::string> names;
    {
      std::lock_guard lock(conns_mu_);
      for (const auto& [name, n] : last_conns_) names.push_back(name);
    }
    net::EventLoop& loop = server_.loops().loop(0);
    for (const std::string& name : names) {
      Account* a = server_.accounts().find(name);
      if (a == nullptr) continue;
      loop.post([this, a, &loop] { publish_account_conns(loop, *a); });
    }
    arm_heartbeat();
  });
}

// ---------------------------------------------------------------------------------------------
// Services

void SystemAccount::on_request(Service service, Subscription& sub, ClientConnection& from,
                               const proto::PubArgs& args, std::string_view msg) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  std::string_view body = msg;
  if (args.has_headers()) body.remove_prefix(size_t(std::min<int64_t>(args.header_len, msg.size())));
  if (service == Service::kUserInfo) {
    // Answered here: the requester is this very client, on its owner loop.
    if (args.reply.empty()) return;
    json data;
    const ConnectOptions& co = from.connect_options();
    data["user"] = !co.nkey.empty() && co.user.empty() ? co.nkey : co.user;
    data["account"] = from.account().name();
    data["account_name"] = from.account().name();
    if (const Permissions* p = from.permissions()) data["permissions"] = permissions_json(*p);
    const json reply = api_response(server_info(), std::move(data));
    publish(from.loop(), *sub.account, args.reply, {}, reply.dump());
    return;
  }
  Request r;
  r.service = service;
  r.account = sub.account;
  r.subject = std::string(args.subject);
  r.reply = std::string(args.reply);
  r.body = std::string(body);
  r.loop_index = from.loop().index();
  if (r.reply.empty()) {
    // nats-server's statszReq: no reply asks for a broadcast on the usual subject.
    if (service != Service::kStatsz) return;
    asio::post(io_, [this] { send_statsz(false); });
    return;
  }
  asio::post(io_, [this, r = std::move(r)]() mutable { serve(r); });
}

void SystemAccount::serve(Request& r) {
  json opts = json::object();
  if (!r.body.empty()) {
    opts = json::parse(r.body, nullptr, false);
    if (opts.is_discarded()) {
      reply_api(r, std::nullopt, kBadRequest, "invalid JSON in request");
      return;
    }
  }
  // EventFilterOptions: a request for other servers is not ours to answer.
  {
    JsonOptions f(opts, "EventFilterOptions");
    std::string name, cluster, host, domain;
    bool exact = false;
    std::vector<std::string> tags;
    f.get("server_name", name);
    f.get("cluster", cluster);
    f.get("host", host);
    f.get("exact_match", exact);
    f.get("tags", tags);
    f.get("domain", domain);
    if (!f.error().empty()) {
      reply_api(r, std::nullopt, kBadRequest, f.error());
      return;
    }
    auto differs = [exact](const std::string& want, const std::string& have) {
      if (want.empty()) return false;
      return exact ? want != have : have.find(want) == std::string::npos;
    };
    // No clusters, tags or JetStream domains here: asking for any filters us out.
    if (differs(name, identity_.name) || differs(host, identity_.host) || !cluster.empty() ||
        !tags.empty() || !domain.empty()) {
      return;
    }
  }

  switch (r.service) {
    case Service::kStatsz:
      post_publish(r.loop_index, r.account, r.reply, statsz_json().dump());
      return;
    case Service::kIdz: {
      json id;
      id["name"] = identity_.name;
      id["host"] = identity_.host;
      id["id"] = identity_.id;
      post_publish(r.loop_index, r.account, r.reply, id.dump());
      return;
    }
    case Service::kAccConns: {
      // nats-server's connsRequest: the account's count, only if it has local clients.
      const std::string name = account_token(r.subject);
      JsonOptions o(opts, "accNumConnsReq");
      std::string acc_name = name;
      o.get("acc", acc_name);
      if (!o.error().empty() || acc_name != name) return;
      Account* a = server_.accounts().find(name);
      if (a == nullptr || a->num_connections() == 0) return;
      post_publish(r.loop_index, r.account, r.reply, account_conns_event(*a).dump());
      return;
    }
    default:
      break;
  }
  std::optional<json> data;
  int code = 0;
  std::string error;
  if (!answer(r, opts, data, code, error)) return;
  reply_api(r, std::move(data), code, error);
}

bool SystemAccount::answer(Request& r, const json& opts, std::optional<json>& data, int& code,
                           std::string& error) {
  auto bad_request = [&](const std::string& e) {
    code = kBadRequest;
    error = e;
    return true;
  };
  auto failed = [&](const std::string& e) {
    code = kInternalError;
    error = e;
    return true;
  };
  json out;
  switch (r.service) {
    case Service::kVarz:
      data = build_varz(server_, server_.cpu_percent(), json::object());
      return true;
    case Service::kConnz:
    case Service::kAccConnz:
    case Service::kAccountConnz: {
      JsonOptions j(opts, "ConnzEventOptions");
      ConnzOptions o;
      std::string sort;
      int64_t state = 0;
      j.get("sort", sort);
      j.get("auth", o.auth);
      j.get("subscriptions", o.subs);
      j.get("subscriptions_detail", o.details);
      j.get("offset", o.offset);
      j.get("limit", o.limit);
      j.get("cid", o.cid);
      j.get("mqtt_client", o.mqtt_client);
      j.get("state", state);
      j.get("user", o.user);
      j.get("acc", o.account);
      if (!j.error().empty()) return bad_request(j.error());
      const std::optional<ConnzSort> s = parse_connz_sort(sort);
      if (!s) return failed(fmt::format("invalid sorting option: {}", sort));
      o.sort = *s;
      o.state = state == 1 ? ConnzOptions::State::kClosed
                : state == 2 ? ConnzOptions::State::kAll
                             : ConnzOptions::State::kOpen;
      if (r.service == Service::kAccConnz) o.account = account_token(r.subject);
      if (r.service == Service::kAccountConnz) o.account = r.account->name();
      if (auto e = build_connz(server_, o, out)) return failed(*e);
      data = std::move(out);
      return true;
    }
    case Service::kSubsz:
    case Service::kAccSubsz: {
      JsonOptions j(opts, "SubszEventOptions");
      SubszOptions o;
      o.always_paging = true;
      j.get("offset", o.offset);
      j.get("limit", o.limit);
      j.get("subscriptions", o.subs);
      j.get("account", o.account);
      j.get("test", o.test);
      if (!j.error().empty()) return bad_request(j.error());
      if (r.service == Service::kAccSubsz) {
        o.subs = true;
        o.account = account_token(r.subject);
      }
      if (auto e = build_subsz(server_, o, out)) return failed(*e);
      data = std::move(out);
      return true;
    }
    case Service::kRoutez:
      data = build_routez(server_);
      return true;
    case Service::kGatewayz:
      data = build_gatewayz(server_);
      return true;
    case Service::kLeafz:
    case Service::kAccLeafz:
      data = build_leafz(server_);
      return true;
    case Service::kJsz:
      data = build_jsz(server_);
      return true;
    case Service::kAccountz: {
      JsonOptions j(opts, "AccountzEventOptions");
      std::string account;
      j.get("account", account);
      if (!j.error().empty()) return bad_request(j.error());
      if (auto e = build_accountz(server_, account, out)) return failed(*e);
      data = std::move(out);
      return true;
    }
    case Service::kHealthz: {
      JsonOptions j(opts, "HealthzEventOptions");
      HealthzOptions o;
      bool ignored = false;
      for (const char* key : {"js-enabled", "js-enabled-only", "js-server-only", "js-meta-only"})
        j.get(key, ignored);
      j.get("details", o.details);
      j.get("account", o.account);
      j.get("stream", o.stream);
      j.get("consumer", o.consumer);
      if (!j.error().empty()) return bad_request(j.error());
      int status = 200;
      data = build_healthz(o, status);
      if (status != 200) (*data)["status_code"] = status;
      return true;
    }
    case Service::kProfilez: {
      // Go runtime profiles (pprof) do not exist in a C++ server: say so, in ProfilezStatus.
      JsonOptions j(opts, "ProfilezEventOptions");
      std::string name;
      j.get("name", name);
      if (!j.error().empty()) return bad_request(j.error());
      json p;
      p["profile"] = nullptr;
      p["error"] = name.empty() ? std::string("Profile name not specified")
                                : fmt::format("Profile {} not available: natsd has no Go "
                                              "runtime profiles (use perf or heaptrack)",
                                              go_quote(name));
      data = std::move(p);
      return true;
    }
    case Service::kReload: {
      std::string why;
      if (!server_.reload(&why)) return failed(why);
      return true;  // no data, as nats-server
    }
    case Service::kAccInfo: {
      const Account* a = server_.accounts().find(account_token(r.subject));
      if (a == nullptr) return failed("account missing");
      data = account_detail_json(*a, server_.start_time_ns(), a == &account_);
      return true;
    }
    case Service::kAccStatz:
    case Service::kAccPingStatz:
    case Service::kAccountStatz: {
      JsonOptions j(opts, "AccountStatzEventOptions");
      std::vector<std::string> accounts;
      bool include_unused = false;
      j.get("accounts", accounts);
      j.get("include_unused", include_unused);
      if (!j.error().empty()) return bad_request(j.error());
      if (r.service == Service::kAccStatz) {
        const std::string name = account_token(r.subject);
        if (name == "PING") return false;  // its own subscription answers
        accounts = {name};
      } else if (r.service == Service::kAccountStatz) {
        accounts = {r.account->name()};
      }
      json list = json::array();
      auto add = [&](const Account& a) {
        if (a.num_connections() == 0 && !include_unused) return;
        json s;
        account_stat_fields(account_stat(a), s);
        list.push_back(std::move(s));
      };
      if (accounts.empty()) {
        for (const Account* a : server_.accounts().all()) add(*a);
      } else {
        for (const std::string& name : accounts) {
          if (const Account* a = server_.accounts().find(name)) add(*a);
        }
      }
      if (list.empty() && !include_unused) return false;
      json z;
      z["server_id"] = identity_.id;
      z["now"] = rfc3339_utc(wall_nanos());
      z["account_statz"] = std::move(list);
      data = std::move(z);
      return true;
    }
    default:
      return false;
  }
}

void SystemAccount::reply_api(Request& r, std::optional<json> data, int code,
                              std::string_view error) {
  post_publish(r.loop_index, r.account, r.reply,
               api_response(server_info(), std::move(data), code, error).dump());
}

}  // namespace nats
