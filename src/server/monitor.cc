#include "server/monitor.h"
#include "server/config_tls.h"
#include "server/monitor_builders.h"

#include "base/ascii.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/logger.h"
#include "server/account.h"
#include "server/client_connection.h"
#include "server/server.h"
#include "server/subject.h"

namespace nats {

using json = MonitorJson;

namespace {

constexpr auto kReadHeaderTimeout = std::chrono::seconds(5);  // as nats-server's http.Server
constexpr auto kWriteTimeout = std::chrono::seconds(30);      // a client that never reads
constexpr auto kDrainTimeout = std::chrono::seconds(1);       // lingering after the response
constexpr auto kCpuSampleInterval = std::chrono::seconds(1);
constexpr size_t kReadChunk = 4096;    // bytes per read of a request head
constexpr size_t kMaxSessions = 1024;  // concurrent HTTP connections; more are refused

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string join_host_port(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// One HTTP connection: read a request head, answer it, close. Monitor thread only.

class Monitor::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Monitor& monitor, asio::ip::tcp::socket socket)
      : monitor_(monitor), socket_(std::move(socket)), timer_(monitor.io_) {
    if (monitor_.tls_ != nullptr) {
      tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *monitor_.tls_);
    }
  }

  void start() {
    ++monitor_.num_sessions_;
    timer_.expires_after(kReadHeaderTimeout);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec) self->close();
    });
    if (tls_ == nullptr) {
      read_more();
      return;
    }
    tls_->async_handshake(asio::ssl::stream_base::server,
                          [self = shared_from_this()](std::error_code ec) {
                            if (ec || self->closed_) {
                              self->close();
                              return;
                            }
                            self->read_more();
                          });
  }

 private:
  void read_more() {
    auto done = [self = shared_from_this()](std::error_code ec, size_t n) { self->on_read(ec, n); };
    if (tls_ != nullptr) {
      tls_->async_read_some(asio::buffer(chunk_), std::move(done));
    } else {
      socket_.async_read_some(asio::buffer(chunk_), std::move(done));
    }
  }

  void on_read(std::error_code ec, size_t n) {
    if (closed_) return;
    if (ec) {
      close();
      return;
    }
    // Parse only once the head may be complete, so a long head costs one pass, not one per read.
    const size_t scan_from = buf_.size() < 3 ? 0 : buf_.size() - 3;
    buf_.append(chunk_.data(), n);
    const std::string_view fresh = std::string_view(buf_).substr(scan_from);
    if (fresh.find("\n\n") == std::string_view::npos &&
        fresh.find("\n\r\n") == std::string_view::npos && buf_.size() <= http::kMaxHeaderBytes) {
      read_more();
      return;
    }
    http::Request req;
    const http::ParseResult r = http::parse_request(buf_, req);
    switch (r.status) {
      case http::ParseStatus::kIncomplete:
        read_more();
        return;
      case http::ParseStatus::kComplete:
        respond(monitor_.handle(req), req.method == "HEAD");
        return;
      case http::ParseStatus::kHeadersTooLarge:
        respond(http::text_response(431, "431 Request Header Fields Too Large"), false);
        return;
      case http::ParseStatus::kVersionUnsupported:
        respond(http::text_response(505, "505 HTTP Version Not Supported"), false);
        return;
      case http::ParseStatus::kBadRequest:
        respond(http::text_response(400, "400 Bad Request: " + r.error), false);
        return;
    }
  }

  void respond(const http::Response& resp, bool head_only) {
    out_ = http::serialize_response(resp, head_only, wall_nanos());
    timer_.expires_after(kWriteTimeout);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec) self->close();
    });
    auto done = [self = shared_from_this()](std::error_code ec, size_t) {
      if (ec) {
        self->close();
        return;
      }
      self->linger();
    };
    if (tls_ != nullptr) {
      asio::async_write(*tls_, asio::buffer(out_), std::move(done));
    } else {
      asio::async_write(socket_, asio::buffer(out_), std::move(done));
    }
  }

  // Half-close and read whatever the client still sends (an unread request body, say) until
  // it closes too: closing with unread input would reset the connection and could destroy the
  // response before the client has read it.
  void linger() {
    std::error_code ec;
    if (tls_ != nullptr) {
      // close_notify, best effort: the socket is non-blocking and nearly idle.
      SSL_shutdown(tls_->native_handle());
    }
    socket_.shutdown(asio::socket_base::shutdown_send, ec);
    timer_.expires_after(kDrainTimeout);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec) self->close();
    });
    drain();
  }

  void drain() {
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this()](std::error_code ec, size_t) {
                              if (ec || self->closed_) {
                                self->close();
                                return;
                              }
                              self->drain();
                            });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    --monitor_.num_sessions_;
    std::error_code ec;
    timer_.cancel();
    socket_.close(ec);
  }

  Monitor& monitor_;
  asio::ip::tcp::socket socket_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;  // HTTPS only
  asio::steady_timer timer_;
  std::array<char, kReadChunk> chunk_;
  std::string buf_;  // the request head so far
  std::string out_;  // the response being written
  bool closed_ = false;
};

// ---------------------------------------------------------------------------------------------
// Lifecycle

Monitor::Monitor(Server& server) : server_(server) {}

Monitor::~Monitor() { stop(); }

bool Monitor::start() {
  const Options& o = server_.opts();
  base_path_ = normalize_base_path(o.http_base_path);
  std::string host = o.http_host.empty() ? o.host : o.http_host;
  if (host.empty()) host = "0.0.0.0";
  const bool https = o.https_port != 0;
  const int configured_port = https ? o.https_port : o.http_port;
  const int want_port = configured_port < 0 ? 0 : configured_port;
  if (https) {
    // The client TLS settings, without asking for client certificates (as nats-server does).
    net::TlsSettings settings = client_tls_settings(o);
    settings.verify = false;
    std::string why;
    auto ctx = net::TlsContext::create(settings, net::TlsContext::Role::kServer, &why);
    if (ctx == nullptr) {
      log_fatal("Can't start monitoring: {}", why);
      return false;
    }
    SSL_CTX_up_ref(ctx->native());  // asio's context takes a reference of its own
    tls_ = std::make_unique<asio::ssl::context>(ctx->native());
  }

  std::error_code ec;
  asio::ip::tcp::endpoint ep;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) {
    ep = asio::ip::tcp::endpoint(addr, uint16_t(want_port));
  } else {
    asio::ip::tcp::resolver resolver(io_);
    auto results = resolver.resolve(host, std::to_string(want_port), ec);
    if (!ec && results.empty()) ec = asio::error::host_not_found;
    if (!ec) ep = results.begin()->endpoint();
  }
  if (!ec) acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    log_fatal("Can't start monitoring: can't listen to the monitor port: listen tcp {}: {}",
              join_host_port(host, want_port), ec.message());
    std::error_code ignored;
    acceptor_.close(ignored);
    return false;
  }
  port_ = acceptor_.local_endpoint().port();
  log_notice("Starting {} monitor on {}", https ? "https" : "http", join_host_port(host, port_));

  last_cpu_ns_ = process_cpu_nanos();
  last_mono_ns_ = mono_nanos();
  accept_next();
  arm_cpu_sampler();
  thread_ = std::thread([this] {
    auto guard = asio::make_work_guard(io_);
    io_.run();
  });
  return true;
}

void Monitor::stop() {
  std::lock_guard lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  io_.stop();
  if (thread_.joinable()) thread_.join();
  std::error_code ec;
  acceptor_.close(ec);
}

void Monitor::accept_next() {
  acceptor_.async_accept([this](std::error_code ec, asio::ip::tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      log_error("monitoring: accept error: {}", ec.message());
      // Usually out of file descriptors: back off instead of spinning.
      auto retry = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
      retry->async_wait([this, retry](std::error_code) { accept_next(); });
      return;
    }
    if (num_sessions_ >= kMaxSessions) {
      std::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<Session>(*this, std::move(socket))->start();
    }
    accept_next();
  });
}

void Monitor::arm_cpu_sampler() {
  cpu_timer_.expires_after(kCpuSampleInterval);
  cpu_timer_.async_wait([this](std::error_code ec) {
    if (ec) return;
    sample_cpu();
    arm_cpu_sampler();
  });
}

void Monitor::sample_cpu() {
  const int64_t cpu = process_cpu_nanos();
  const int64_t now = mono_nanos();
  const int64_t dt = now - last_mono_ns_;
  if (dt > 0) {
    // Percent of one core, truncated to a tenth as nats-server reports it.
    const double pct = double(cpu - last_cpu_ns_) * 100.0 / double(dt);
    cpu_percent_.store(std::floor(pct * 10.0) / 10.0, std::memory_order_relaxed);
  }
  last_cpu_ns_ = cpu;
  last_mono_ns_ = now;
}

void Monitor::count_request(const std::string& endpoint) {
  std::lock_guard lock(stats_mu_);
  ++req_stats_[endpoint];
}

// ---------------------------------------------------------------------------------------------
// Routing

http::Response Monitor::handle(const http::Request& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    http::Response r = http::text_response(405, "405 Method Not Allowed");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  using namespace monitor_paths;
  using Handler = http::Response (Monitor::*)(const http::Request&);
  struct Route {
    std::string_view endpoint;
    Handler handler;
  };
  static constexpr Route kRoutes[] = {
      {kVarz, &Monitor::handle_varz},         {kConnz, &Monitor::handle_connz},
      {kRoutez, &Monitor::handle_routez},     {kGatewayz, &Monitor::handle_gatewayz},
      {kLeafz, &Monitor::handle_leafz},       {kSubsz, &Monitor::handle_subsz},
      {kAccountz, &Monitor::handle_accountz}, {kJsz, &Monitor::handle_jsz},
      {kHealthz, &Monitor::handle_healthz},   {kMetrics, &Monitor::handle_metrics},
  };
  const std::string_view endpoint = monitor_endpoint(req.path, base_path_);
  if (endpoint.empty()) return http::text_response(404, "404 page not found\n");
  count_request(std::string(endpoint));
  try {
    if (endpoint == kRoot) return handle_root();
    for (const Route& route : kRoutes) {
      if (endpoint == route.endpoint) return (this->*route.handler)(req);
    }
  } catch (const std::exception& e) {
    log_error("monitoring: error serving {}: {}", req.path, e.what());
    return http::text_response(500, "500 Internal Server Error");
  }
  return http::text_response(404, "404 page not found\n");
}

// ---------------------------------------------------------------------------------------------
// Endpoints

http::Response Monitor::handle_root() {
  struct Link {
    std::string_view title;
    std::string_view path;
  };
  static constexpr Link kLinks[] = {
      {"General", monitor_paths::kVarz},         {"JetStream", monitor_paths::kJsz},
      {"Connections", monitor_paths::kConnz},    {"Accounts", monitor_paths::kAccountz},
      {"Subscriptions", monitor_paths::kSubsz},  {"Routes", monitor_paths::kRoutez},
      {"LeafNodes", monitor_paths::kLeafz},      {"Gateways", monitor_paths::kGatewayz},
      {"Health Probe", monitor_paths::kHealthz}, {"Prometheus Metrics", monitor_paths::kMetrics},
  };
  std::string body = fmt::format(
      "<html lang=\"en\">\n<head>\n<title>natsd monitoring</title>\n<style type=\"text/css\">\n"
      "  body {{ font-family: ui-sans-serif, system-ui, sans-serif; margin-left: 32px }}\n"
      "  a {{ display: block; margin-left: 7px; padding-bottom: 6px; color: rgb(72 72 92); "
      "text-decoration: none }}\n"
      "  a:hover {{ font-weight: 600; color: rgb(59 50 202) }}\n"
      "  .endpoint {{ font-size: 12px; color: #999; font-family: monospace }}\n"
      "</style>\n</head>\n<body>\n<h2>natsd</h2>\n"
      "<p>v{} (nats-server {} compatible)</p>\n",
      kNatsdVersion, kCompatServerVersion);
  for (const Link& l : kLinks) {
    const std::string path = html_escape(join_url_path(base_path_, l.path));
    body += fmt::format("<a href=\"{}\">{} <span class=\"endpoint\">{}</span></a>\n", path, l.title,
                        l.path);
  }
  body +=
      "<a href=\"https://docs.nats.io/running-a-nats-service/nats_admin/monitoring\">Help</a>\n"
      "</body>\n</html>\n";
  http::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  return r;
}

http::Response Monitor::handle_varz(const http::Request& req) {
  json stats = json::object();
  {
    std::lock_guard lock(stats_mu_);
    for (const auto& [path, n] : req_stats_) stats[path] = n;
  }
  return json_response(req, build_varz(server_, cpu_percent(), std::move(stats)));
}

http::Response Monitor::handle_connz(const http::Request& req) {
  // Decode in nats-server's order, so the first bad parameter is the one reported.
  const std::string_view sort_str = req.param("sort");
  std::string err;
  ConnzOptions o;
  if (!decode_bool(req, "auth", o.auth, err)) return http::text_response(400, err);
  o.details = ascii_lower(req.param("subs")) == "detail";
  if (!o.details && !decode_bool(req, "subs", o.subs, err)) return http::text_response(400, err);
  if (!decode_int(req, "offset", o.offset, err)) return http::text_response(400, err);
  if (!decode_int(req, "limit", o.limit, err)) return http::text_response(400, err);
  if (!decode_uint64(req, "cid", o.cid, err)) return http::text_response(400, err);
  if (const std::string s = ascii_lower(req.param("state")); !s.empty()) {
    if (s == "open") {
      o.state = ConnzOptions::State::kOpen;
    } else if (s == "closed") {
      o.state = ConnzOptions::State::kClosed;
    } else if (s == "any" || s == "all") {
      o.state = ConnzOptions::State::kAll;
    } else {
      return http::text_response(400, fmt::format("Error decoding state for {}", s));
    }
  }
  o.user = std::string(req.param("user"));
  o.account = std::string(req.param("acc"));
  o.mqtt_client = std::string(req.param("mqtt_client"));
  const std::optional<ConnzSort> sort = parse_connz_sort(sort_str);
  if (!sort) return http::text_response(400, fmt::format("invalid sorting option: {}", sort_str));
  o.sort = *sort;
  json j;
  if (auto e = build_connz(server_, o, j)) return http::text_response(400, *e);
  return json_response(req, j);
}

http::Response Monitor::handle_subsz(const http::Request& req) {
  std::string err;
  SubszOptions o;
  if (!decode_bool(req, "subs", o.subs, err)) return http::text_response(400, err);
  if (!decode_int(req, "offset", o.offset, err)) return http::text_response(400, err);
  if (!decode_int(req, "limit", o.limit, err)) return http::text_response(400, err);
  o.test = std::string(req.param("test"));
  o.account = std::string(req.param("acc"));
  json j;
  if (auto e = build_subsz(server_, o, j)) return http::text_response(400, *e);
  return json_response(req, j);
}

http::Response Monitor::handle_routez(const http::Request& req) {
  std::string err;
  bool subs = false;
  if (ascii_lower(req.param("subs")) != "detail" && !decode_bool(req, "subs", subs, err)) {
    return http::text_response(400, err);
  }
  return json_response(req, build_routez(server_));
}

http::Response Monitor::handle_gatewayz(const http::Request& req) {
  std::string err;
  bool accs = false;
  if (!decode_bool(req, "accs", accs, err)) return http::text_response(400, err);
  return json_response(req, build_gatewayz(server_));
}

http::Response Monitor::handle_leafz(const http::Request& req) {
  std::string err;
  bool subs = false;
  if (!decode_bool(req, "subs", subs, err)) return http::text_response(400, err);
  return json_response(req, build_leafz(server_));
}

http::Response Monitor::handle_accountz(const http::Request& req) {
  json j;
  if (auto e = build_accountz(server_, std::string(req.param("acc")), j))
    return http::text_response(400, *e);
  return json_response(req, j);
}

http::Response Monitor::handle_jsz(const http::Request& req) {
  return json_response(req, build_jsz(server_));
}

http::Response Monitor::handle_healthz(const http::Request& req) {
  std::string err;
  bool ignored = false;
  HealthzOptions o;
  for (std::string_view name :
       {"js-enabled", "js-enabled-only", "js-server-only", "js-meta-only"}) {
    if (!decode_bool(req, name, ignored, err)) return http::text_response(400, err);
  }
  if (!decode_bool(req, "details", o.details, err)) return http::text_response(400, err);
  o.account = std::string(req.param("account"));
  o.stream = std::string(req.param("stream"));
  o.consumer = std::string(req.param("consumer"));
  int status = 200;
  json j = build_healthz(o, status);
  return json_response(req, j, status, false);
}

http::Response Monitor::handle_metrics(const http::Request& req) {
  const Figures f = gather_figures(server_, cpu_percent());
  const std::string id = prom_label(server_.server_id());
  std::string out;
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help,
                    auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{}{{server_id=\"{}\"}} {}\n", name, help, name,
                       type, name, id, value);
  };
  out += fmt::format(
      "# HELP natsd_info Server identity; the value is always 1.\n# TYPE natsd_info gauge\n"
      "natsd_info{{server_id=\"{}\",server_name=\"{}\",version=\"{}\",natsd_version=\"{}\"}} 1\n",
      id, prom_label(server_.server_name()), kCompatServerVersion, kNatsdVersion);
  metric("natsd_connections", "gauge", "Current number of client connections.", f.connections);
  metric("natsd_total_connections", "counter", "Client connections accepted since start.",
         f.total_connections);
  metric("natsd_in_msgs_total", "counter", "Messages received from clients.", f.in_msgs);
  metric("natsd_out_msgs_total", "counter", "Messages sent to clients.", f.out_msgs);
  metric("natsd_in_bytes_total", "counter", "Payload bytes received from clients.", f.in_bytes);
  metric("natsd_out_bytes_total", "counter", "Payload bytes sent to clients.", f.out_bytes);
  metric("natsd_slow_consumers_total", "counter", "Clients closed as slow consumers.",
         f.slow_consumers);
  metric("natsd_fast_producer_stalls_total", "counter",
         "Times a producer paused reading for a consumer behind on its output.", f.stalls);
  metric("natsd_stale_connections_total", "counter", "Clients closed as stale connections.",
         f.stale_connections);
  metric("natsd_subscriptions", "gauge", "Current number of subscriptions.", f.subscriptions);
  metric("natsd_mem_bytes", "gauge", "Resident memory of the process.", f.mem);
  metric("natsd_cpu_percent", "gauge", "Process CPU use, percent of one core.", f.cpu);
  metric("natsd_uptime_seconds", "gauge", "Seconds since the server started.",
         double(f.uptime_ns) / 1e9);
  out +=
      "# HELP natsd_http_requests_total Monitoring requests served, by endpoint.\n"
      "# TYPE natsd_http_requests_total counter\n";
  {
    std::lock_guard lock(stats_mu_);
    for (const auto& [path, n] : req_stats_) {
      out += fmt::format("natsd_http_requests_total{{server_id=\"{}\",path=\"{}\"}} {}\n", id,
                         prom_label(path), n);
    }
  }
  http::Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = std::move(out);
  return r;
}

}  // namespace nats
