// ClientConnection's account paths: subject mappings, service imports and their replies,
// stream import shadows, and moving a client into its account. Only accounts with mappings,
// imports or exports get here; the plain publish path is in client_connection.cc. Everything
// runs on the publisher's (or, for subscriptions, the owner's) loop, like the rest of the
// message path; the account state it reads is immutable but for the reply table, which has
// its own lock (see server/account.h).

#include <fmt/format.h>

#include "base/clock.h"
#include "base/go_quote.h"
#include "base/logger.h"
#include "crypto/nuid.h"
#include "server/account.h"
#include "server/client_connection.h"
#include "server/server.h"

namespace nats {

namespace {
// Service imports a message may go through (chains A -> B -> C); cycles are refused at start-up,
// this only bounds what a mistake could cost.
constexpr int kMaxImportDepth = 8;
constexpr std::string_view kRequestInfoHeader = "Nats-Request-Info";
constexpr std::string_view kServiceLatencyType = "io.nats.server.metric.v1.service_latency";

// Whether to measure this request: `sampling` percent of them ("headers" sampling, which
// depends on tracing headers, is not supported and measures nothing).
bool sample_latency(const ServiceLatencyOptions& l) {
  if (l.headers) return false;
  if (l.sampling >= 100) return true;
  thread_local uint32_t state = 2463534242u;
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return int(state % 100) < l.sampling;
}

// A message whose subject, reply or body the account path rewrote; args views point into it.
struct RewrittenMessage {
  std::string subject, reply, header_len_text, total_len_text, body;
  proto::PubArgs args;
};

// Adds `name: value` to the message's header block (creating one if it has none), as
// nats-server's setHeader does for Nats-Request-Info; an existing value is replaced.
void set_header(const proto::PubArgs& a, std::string_view msg, std::string_view name,
                std::string_view value, RewrittenMessage& out) {
  std::string header;
  std::string_view payload = msg;
  if (a.has_headers() && a.header_len > 0) {
    std::string_view block = msg.substr(0, size_t(a.header_len));
    payload = msg.substr(size_t(a.header_len));
    // Drop an existing line for the header, then put the new one before the blank line.
    std::string kept;
    size_t pos = 0;
    while (pos < block.size()) {
      size_t end = block.find("\r\n", pos);
      if (end == std::string_view::npos) end = block.size();
      std::string_view line = block.substr(pos, end - pos);
      const bool same = pos > 0 && line.size() > name.size() &&
                        line.substr(0, name.size()) == name && line[name.size()] == ':';
      if (!line.empty() && !same) kept.append(line).append("\r\n");
      pos = end + 2;
    }
    header = std::move(kept);
  } else {
    header = "NATS/1.0\r\n";
  }
  header.append(name).append(": ").append(value).append("\r\n\r\n");
  out.body = header;
  out.body.append(payload);
  out.header_len_text = std::to_string(header.size());
  out.total_len_text = std::to_string(out.body.size());
  out.args.header_len = int64_t(header.size());
  out.args.total_len = int64_t(out.body.size());
  out.args.header_len_text = out.header_len_text;
  out.args.total_len_text = out.total_len_text;
}
}  // namespace

void ClientConnection::publish_mapped(const proto::PubArgs& a, std::string_view msg) {
  std::string mapped;
  if (!account_->map_subject(a.subject, mapped)) {
    publish(a, msg);
    return;
  }
  if (Logger::instance().trace_enabled())
    trace_in("MAPPING", fmt::format("{} -> {}", a.subject, mapped));
  if (mapped.empty()) {
    // The weights chose to drop it.
    if (connect_.verbose) send_ok();
    return;
  }
  proto::PubArgs m = a;
  m.subject = mapped;
  publish(m, msg);
}

bool ClientConnection::route_internal(Subscription& s, const proto::PubArgs& a,
                                      std::string_view msg, int import_depth) {
  if (s.service_import != nullptr)
    return route_service_import(*s.service_import, a, msg, import_depth);
  if (s.reply_account != nullptr)
    return route_service_reply(*s.reply_account, a, msg, import_depth);
  if (s.internal_handler != nullptr) {
    s.internal_handler->on_internal_msg(s, *this, a, msg);
    return true;
  }
  return false;
}

bool ClientConnection::route_service_import(ServiceImport& si, const proto::PubArgs& a,
                                            std::string_view msg, int import_depth) {
  if (import_depth >= kMaxImportDepth) return false;
  for (const ServiceImport* seen : import_path_) {
    if (seen == &si) return false;
  }
  Account& exporter = *si.exporter;
  RewrittenMessage m;
  m.args = a;
  m.subject = si.request_subject(a.subject);
  std::string mapped;
  if (exporter.has_mappings() && exporter.map_subject(m.subject, mapped)) {
    if (mapped.empty()) return false;
    m.subject = std::move(mapped);
  }
  m.args.subject = m.subject;
  // The responder answers to a reply subject of the exporter that maps back to ours.
  if (!a.reply.empty()) {
    ServiceReply r;
    r.requester = si.importer;
    r.reply = std::string(a.reply);
    if (si.exported != nullptr) {
      r.type = si.exported->response_type;
      r.threshold_ns = si.exported->response_threshold_ns;
    } else {
      r.threshold_ns = kDefaultResponseThreshold.count();
    }
    r.last_ns = mono_nanos();
    const ServiceExport* se = si.exported;
    if (import_depth == 0 && se != nullptr && se->latency &&
        r.type == ServiceResponseType::kSingleton && sample_latency(*se->latency)) {
      r.latency_subject = se->latency->subject;
      r.request_wall_ns = wall_nanos();
      r.requester_rtt_ns = rtt_ns_.load(std::memory_order_relaxed);
      r.requester_json = si.share ? client_info_json(true)
                                  : fmt::format("{{\"acc\":{},\"rtt\":{}}}",
                                                go_quote(account_->name()), r.requester_rtt_ns);
    }
    m.reply = exporter.add_service_reply(std::move(r));
  }
  m.args.reply = m.reply;
  std::string_view body = msg;
  // Who asked, as nats-server tells responders (not shared: account and RTT only). Further
  // along a chain of imports the requester stays and "svc" names the account passing it on.
  const int64_t rtt = rtt_ns_.load(std::memory_order_relaxed);
  std::string info;
  if (import_depth == 0) {
    info = fmt::format("{{\"acc\":{},\"rtt\":{}}}", go_quote(si.importer->name()), rtt);
  } else if (!import_path_.empty()) {
    info = fmt::format("{{\"acc\":{},\"svc\":{},\"rtt\":{}}}",
                       go_quote(import_path_.front()->importer->name()),
                       go_quote(si.importer->name()), rtt);
  }
  if (!info.empty()) {
    set_header(a, msg, kRequestInfoHeader, info, m);
    body = m.body;
  }
  SublistResult r;
  exporter.sublist().match(m.subject, r);
  import_path_.push_back(&si);
  const bool delivered = deliver_result(r, m.args, body, import_depth + 1);
  import_path_.pop_back();
  if (!delivered && !m.reply.empty()) exporter.remove_service_reply(m.reply);
  return delivered;
}

bool ClientConnection::route_service_reply(Account& exporter, const proto::PubArgs& a,
                                           std::string_view msg, int import_depth) {
  if (import_depth >= kMaxImportDepth) return false;
  ServiceReply r;
  if (!exporter.lookup_service_reply(a.subject, r)) return false;
  Account& requester = *r.requester;
  RewrittenMessage m;
  m.args = a;
  m.subject = r.reply;
  std::string mapped;
  if (requester.has_mappings() && requester.map_subject(m.subject, mapped) && !mapped.empty())
    m.subject = std::move(mapped);
  m.args.subject = m.subject;
  m.args.reply = {};  // a reply subject of the responder's account means nothing to the requester
  SublistResult result;
  requester.sublist().match(m.subject, result);
  const bool delivered = deliver_result(result, m.args, msg, import_depth + 1);
  if (delivered && !r.latency_subject.empty()) publish_latency(exporter, r);
  if (r.type != ServiceResponseType::kSingleton) {
    // An empty message ends a chunked response; an undeliverable one ends any.
    const bool end = !delivered || (r.type == ServiceResponseType::kChunked && msg.empty());
    exporter.finish_service_reply(a.subject, end, mono_nanos());
  }
  return delivered;
}

std::string ClientConnection::client_info_json(bool detailed) const {
  // nats-server's ClientInfo, fields in its order, empty ones left out.
  std::string j = "{";
  auto field = [&j](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    if (j.size() > 1) j += ',';
    j += fmt::format("\"{}\":{}", name, value);
  };
  auto text = [](std::string_view v) { return v.empty() ? std::string() : go_quote(v); };
  if (detailed) {
    field("start", go_quote(rfc3339_utc(start_ns_)));
    field("host", text(ip_));
    field("id", std::to_string(cid_));
  }
  field("acc", text(account_->name()));
  if (detailed) {
    field("user", text(connect_.user.empty() ? connect_.nkey : connect_.user));
    field("name", text(connect_.name));
    field("lang", text(connect_.lang));
    field("ver", text(connect_.version));
  }
  const int64_t rtt = rtt_ns_.load(std::memory_order_relaxed);
  if (rtt != 0) field("rtt", std::to_string(rtt));
  if (detailed) {
    field("server", text(server_.server_name()));
    field("kind", go_quote("Client"));
    field("client_type", go_quote("nats"));
  }
  return j + "}";
}

void ClientConnection::publish_latency(Account& exporter, const ServiceReply& r) {
  // nats-server's sendTrackingLatency: this connection is the responder.
  const int64_t now = wall_nanos();
  const int64_t service_rtt = now - r.request_wall_ns;
  const int64_t responder_rtt = rtt_ns_.load(std::memory_order_relaxed);
  const int64_t service = std::max<int64_t>(service_rtt - responder_rtt, 0);
  int64_t total = r.requester_rtt_ns + service_rtt;
  int64_t system = 0;
  if (responder_rtt > 0) {
    system = std::max<int64_t>(wall_nanos() - now, 0);
    total += system;
  }
  const std::string body = fmt::format(
      "{{\"type\":\"{}\",\"id\":\"{}\",\"timestamp\":\"{}\",\"status\":200,"
      "\"requestor\":{},\"responder\":{},\"start\":\"{}\",\"service\":{},\"system\":{},"
      "\"total\":{}}}",
      kServiceLatencyType, crypto::next_nuid(), rfc3339_utc(wall_nanos()), r.requester_json,
      client_info_json(true), rfc3339_utc(r.request_wall_ns - r.requester_rtt_ns), service, system,
      total);
  const std::string size = std::to_string(body.size());
  proto::PubArgs args;
  args.subject = r.latency_subject;
  args.total_len = int64_t(body.size());
  args.total_len_text = size;
  SublistResult result;
  exporter.sublist().match(args.subject, result);
  deliver_result(result, args, body, 0);
}

bool ClientConnection::deliver_to_shadow(Subscription& shadow, const proto::PubArgs& a,
                                         std::string_view msg) {
  Subscription* parent = shadow.shadow_of;
  const std::string subject = shadow.stream_import->deliver_subject(a.subject);
  if (parent->delivery_denied(subject)) return false;
  proto::PubArgs renamed = a;
  renamed.subject = subject;
  shadow.client->deliver(parent, renamed, msg, out_batch_);
  return true;
}

void ClientConnection::add_shadow_subscriptions(Subscription& sub) {
  for (const auto& im : account_->stream_imports()) {
    std::optional<std::string> subject = im->shadow_subject(sub.subject);
    if (!subject) continue;
    auto shadow = std::make_unique<Subscription>();
    shadow->client = this;
    shadow->subject = std::move(*subject);
    shadow->queue = sub.queue;
    shadow->sid = sub.sid;
    shadow->shadow_of = &sub;
    shadow->stream_import = im.get();
    if (im->exporter->sublist().insert(shadow.get()) != SublistStatus::kOk) continue;
    log_debug("{} - Creating import subscription on {} from account {}", log_prefix_,
              go_quote(shadow->subject), go_quote(im->exporter->name()));
    sub.shadows.push_back(std::move(shadow));
  }
}

void ClientConnection::remove_shadow_subscriptions(Subscription& sub) {
  for (auto& shadow : sub.shadows) {
    shadow->closed.store(true, std::memory_order_relaxed);
    shadow->stream_import->exporter->sublist().remove(shadow.get());
    loop_.retire(shadow.release());
  }
  sub.shadows.clear();
}

bool ClientConnection::join_account(std::string_view name) {
  Account* to = name.empty() ? &server_.global_account() : server_.accounts().find(name);
  if (to == nullptr) to = &server_.global_account();
  if (to != account_) {
    if (!to->add_connection()) {
      log_error("{} - maximum account active connections exceeded", log_prefix_);
      send_err("maximum account active connections exceeded");
      close(ClosedState::kMaxAccountConnectionsExceeded);
      return false;
    }
    // Subscriptions made before (a second CONNECT as someone else) move along.
    for (auto& [sid, s] : subs_) {
      account_->sublist().remove(s.get());
      if (!s->shadows.empty()) remove_shadow_subscriptions(*s);
    }
    account_->remove_connection();
    account_ = to;
    // Generations of different sublists are unrelated: start the cache afresh.
    match_cache_.clear();
    match_cache_gen_ = account_->sublist().generation();
    for (auto& [sid, s] : subs_) {
      if (account_->sublist().insert(s.get()) != SublistStatus::kOk) continue;
      if (account_->has_stream_imports()) add_shadow_subscriptions(*s);
    }
  }
  // The smaller of the server's and the account's limits, as nats-server's applyAccountLimits.
  const AccountLimits& l = account_->limits();
  const Options& o = server_.opts();
  max_payload_ = o.max_payload;
  if (l.max_payload >= 0) max_payload_ = std::min<int64_t>(max_payload_, l.max_payload);
  max_subs_ = o.max_subscriptions > 0 ? o.max_subscriptions : -1;
  if (l.max_subscriptions >= 0)
    max_subs_ = max_subs_ < 0 ? l.max_subscriptions : std::min(max_subs_, l.max_subscriptions);
  return true;
}

}  // namespace nats
