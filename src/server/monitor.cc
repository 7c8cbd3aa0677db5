#include "server/monitor.h"
#include "server/config_tls.h"

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

json seconds_float(int64_t nanos) { return go_float(double(nanos) / 1e9); }

// Resident set size in bytes, from /proc/self/statm.
int64_t resident_bytes() {
  std::ifstream f("/proc/self/statm");
  int64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return 0;
  return resident * int64_t(sysconf(_SC_PAGESIZE));
}

int64_t process_cpu_nanos() {
  timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// CPUs this process may run on (Go's runtime.NumCPU).
int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}

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

namespace {

// Runtime figures shared by /varz and /metrics.
struct Figures {
  int64_t now_ns = 0;
  int64_t uptime_ns = 0;
  int64_t mem = 0;
  double cpu = 0;
  size_t connections = 0;
  uint64_t total_connections = 0;
  uint64_t in_msgs = 0, out_msgs = 0, in_bytes = 0, out_bytes = 0;
  uint64_t slow_consumers = 0, stale_connections = 0;
  size_t subscriptions = 0;
};

Figures gather_figures(Server& server, double cpu) {
  ServerStats& st = server.stats();
  Figures f;
  f.now_ns = wall_nanos();
  f.uptime_ns = f.now_ns - server.start_time_ns();
  f.mem = resident_bytes();
  f.cpu = cpu;
  f.connections = server.num_clients();
  f.total_connections = st.total_connections.load(std::memory_order_relaxed);
  f.in_msgs = st.in_msgs.load(std::memory_order_relaxed);
  f.out_msgs = st.out_msgs.load(std::memory_order_relaxed);
  f.in_bytes = st.in_bytes.load(std::memory_order_relaxed);
  f.out_bytes = st.out_bytes.load(std::memory_order_relaxed);
  f.slow_consumers = st.slow_consumers.load(std::memory_order_relaxed);
  f.stale_connections = st.stale_connections.load(std::memory_order_relaxed);
  f.subscriptions = 0;
  for (const Account* a : server.accounts().all()) f.subscriptions += a->sublist().count();
  return f;
}

}  // namespace

http::Response Monitor::handle_varz(const http::Request& req) {
  const Options& o = server_.opts();
  const Figures f = gather_figures(server_, cpu_percent_.load(std::memory_order_relaxed));

  json j;
  j["server_id"] = server_.server_id();
  j["server_name"] = server_.server_name();
  j["version"] = kCompatServerVersion;
  j["proto"] = kProtoVersion;
  j["go"] = "natsd";
  j["host"] = o.host;
  j["port"] = server_.client_port();
  if (server_.auth_required()) j["auth_required"] = true;
  if (o.tls || o.tls_verify) j["tls_required"] = true;
  if (o.tls_verify) j["tls_verify"] = true;
  j["max_connections"] = o.max_connections;
  if (o.max_subscriptions > 0) j["max_subscriptions"] = o.max_subscriptions;
  j["ping_interval"] = o.ping_interval_ns();  // a Go time.Duration: integer nanoseconds
  j["ping_max"] = o.max_pings_out;
  j["http_host"] = o.http_host;
  j["http_port"] = o.http_port;
  j["http_base_path"] = o.http_base_path;
  j["https_port"] = o.https_port;
  j["auth_timeout"] = seconds_float(o.auth_timeout_ns());
  j["max_control_line"] = o.max_control_line;
  j["max_payload"] = o.max_payload;
  j["max_pending"] = o.max_pending;
  j["cluster"] = json::object();
  j["gateway"] = json::object();
  j["leaf"] = json::object();
  j["mqtt"] = json::object();
  j["websocket"] = json::object();
  j["jetstream"] = json::object();
  j["tls_timeout"] = seconds_float(o.tls_timeout_ns());
  j["write_deadline"] = o.write_deadline_ns();
  j["start"] = rfc3339_utc(server_.start_time_ns());
  j["now"] = rfc3339_utc(f.now_ns);
  j["uptime"] = format_uptime(f.uptime_ns);
  j["mem"] = f.mem;
  j["cores"] = available_cores();
  j["gomaxprocs"] = server_.loops().size();
  j["cpu"] = go_float(f.cpu);
  j["connections"] = f.connections;
  j["total_connections"] = f.total_connections;
  j["routes"] = 0;
  j["remotes"] = 0;
  j["leafnodes"] = 0;
  j["in_msgs"] = f.in_msgs;
  j["out_msgs"] = f.out_msgs;
  j["in_bytes"] = f.in_bytes;
  j["out_bytes"] = f.out_bytes;
  j["slow_consumers"] = f.slow_consumers;
  j["subscriptions"] = f.subscriptions;
  {
    json stats = json::object();
    std::lock_guard lock(stats_mu_);
    for (const auto& [path, n] : req_stats_) stats[path] = n;
    j["http_req_stats"] = std::move(stats);
  }
  // No configuration reload yet: the configuration is the one loaded at start.
  j["config_load_time"] = rfc3339_utc(server_.config_load_time_ns());
  j["config_digest"] = "";
  j["slow_consumer_stats"] = {
      {"clients", f.slow_consumers}, {"routes", 0}, {"gateways", 0}, {"leafs", 0}};
  j["natsd_version"] = kNatsdVersion;
  return json_response(req, j);
}

http::Response Monitor::handle_connz(const http::Request& req) {
  enum class State { kOpen, kClosed, kAll };

  // Decode in nats-server's order, so the first bad parameter is the one reported.
  const std::string_view sort_str = req.param("sort");
  std::string err;
  bool auth = false, subs = false, details = false;
  int64_t offset = 0, limit = 0;
  uint64_t cid = 0;
  if (!decode_bool(req, "auth", auth, err)) return http::text_response(400, err);
  details = ascii_lower(req.param("subs")) == "detail";
  if (!details && !decode_bool(req, "subs", subs, err)) return http::text_response(400, err);
  if (!decode_int(req, "offset", offset, err)) return http::text_response(400, err);
  if (!decode_int(req, "limit", limit, err)) return http::text_response(400, err);
  if (!decode_uint64(req, "cid", cid, err)) return http::text_response(400, err);
  State state = State::kOpen;
  if (const std::string s = ascii_lower(req.param("state")); !s.empty()) {
    if (s == "open") {
      state = State::kOpen;
    } else if (s == "closed") {
      state = State::kClosed;
    } else if (s == "any" || s == "all") {
      state = State::kAll;
    } else {
      return http::text_response(400, fmt::format("Error decoding state for {}", s));
    }
  }
  const std::string user(req.param("user"));
  const std::string acc(req.param("acc"));
  const std::string mqtt_client(req.param("mqtt_client"));

  const std::optional<ConnzSort> sort = parse_connz_sort(sort_str);
  if (!sort) return http::text_response(400, fmt::format("invalid sorting option: {}", sort_str));
  if (*sort == ConnzSort::kStop && state != State::kClosed) {
    return http::text_response(400, "sort by stop only valid on closed connections");
  }
  if (*sort == ConnzSort::kReason && state != State::kClosed) {
    return http::text_response(400, "sort by reason only valid on closed connections");
  }
  ConnzPage page;
  page.sort = *sort;
  page.offset = std::max(clamp_int(offset), 0);
  page.limit = limit <= 0 ? kDefaultConnListSize : clamp_int(limit);
  if (cid > 0) page.limit = 1;
  const ConnzRender render{subs, details, auth};

  const bool acc_matches = acc.empty() || server_.accounts().find(acc) != nullptr;
  auto wanted = [&](const ConnInfo& c) {
    if (!acc.empty() && c.account != acc) return false;
    if (!user.empty() && c.user != user) return false;
    if (!mqtt_client.empty()) return false;  // no MQTT clients yet
    return true;
  };

  std::vector<ConnInfo> conns;
  size_t total = 0;
  bool found_open = false;
  if (state != State::kClosed && acc_matches) {
    std::mutex mu;
    size_t open = 0;
    server_.for_each_client([&](ClientConnection& c) {
      const bool pick = cid == 0 || c.cid() == cid;
      std::optional<ConnInfo> ci;
      if (pick) ci = make_conn_info(c, subs, details);
      std::lock_guard lock(mu);
      ++open;
      if (ci && wanted(*ci)) conns.push_back(std::move(*ci));
    });
    total += open;
    found_open = cid > 0 && !conns.empty();
  }
  if (state != State::kOpen) {
    std::vector<ConnInfo> closed = server_.closed_clients().snapshot();
    for (ConnInfo& c : closed) {
      if (!acc.empty() && c.account != acc) continue;
      ++total;
      if (found_open) continue;
      if (cid > 0) {
        // Only the first record of that cid (cids are never reused).
        if (c.cid == cid && !std::any_of(conns.begin(), conns.end(),
                                         [&](const ConnInfo& x) { return x.cid == cid; })) {
          if (wanted(c)) conns.push_back(std::move(c));
        }
        continue;
      }
      if (wanted(c)) conns.push_back(std::move(c));
    }
  }

  const int64_t now = wall_nanos();
  std::vector<ConnInfo> selected = connz_select(std::move(conns), page, now);
  json j;
  j["server_id"] = server_.server_id();
  j["now"] = rfc3339_utc(now);
  j["num_connections"] = selected.size();
  j["total"] = total;
  j["offset"] = page.offset;
  j["limit"] = page.limit;
  json list = json::array();
  for (const ConnInfo& c : selected) list.push_back(conn_info_json(c, render, now));
  j["connections"] = std::move(list);
  return json_response(req, j);
}

http::Response Monitor::handle_subsz(const http::Request& req) {
  std::string err;
  bool subs = false;
  int64_t offset = 0, limit = 0;
  if (!decode_bool(req, "subs", subs, err)) return http::text_response(400, err);
  if (!decode_int(req, "offset", offset, err)) return http::text_response(400, err);
  if (!decode_int(req, "limit", limit, err)) return http::text_response(400, err);
  const std::string test(req.param("test"));
  const std::string acc(req.param("acc"));
  if (!test.empty() && !is_valid_literal_subject(test)) {
    return http::text_response(
        400, fmt::format("invalid test subject, must be valid publish subject: {}", test));
  }
  const int off = std::max(clamp_int(offset), 0);
  const int lim = limit <= 0 ? kDefaultSubListSize : clamp_int(limit);
  SublistStats stats;
  bool acc_matches = acc.empty();
  if (acc.empty()) {
    for (const Account* a : server_.accounts().all()) stats.add(a->sublist().stats());
  } else if (const Account* a = server_.accounts().find(acc)) {
    stats = a->sublist().stats();
    acc_matches = true;
  }

  std::vector<SubDetail> details;
  if (subs && acc_matches) {
    std::mutex mu;
    server_.for_each_client([&](ClientConnection& c) {
      std::vector<SubDetail> mine = c.subscription_details();
      std::lock_guard lock(mu);
      for (SubDetail& d : mine) {
        if (!test.empty() && !subject_matches(d.subject, test)) continue;
        if (!acc.empty() && d.account != acc) continue;
        details.push_back(std::move(d));
      }
    });
    // Loops answer in any order: list by connection, then subscription id, for stable pages.
    std::sort(details.begin(), details.end(), [](const SubDetail& a, const SubDetail& b) {
      return a.cid != b.cid ? a.cid < b.cid : a.sid < b.sid;
    });
  }
  const size_t first = std::min(size_t(off), details.size());
  const size_t last = first + std::min(size_t(lim), details.size() - first);

  // Like nats-server, an empty list leaves only the sublist figures.
  if (first == last) return json_response(req, sublist_stats_json(stats));
  json j;
  j["server_id"] = server_.server_id();
  j["now"] = rfc3339_utc(wall_nanos());
  j.update(sublist_stats_json(stats));
  j["total"] = details.size();
  j["offset"] = off;
  j["limit"] = lim;
  json list = json::array();
  for (size_t i = first; i < last; ++i) list.push_back(sub_detail_json(details[i]));
  j["subscriptions_list"] = std::move(list);
  return json_response(req, j);
}

http::Response Monitor::handle_routez(const http::Request& req) {
  std::string err;
  bool subs = false;
  if (ascii_lower(req.param("subs")) != "detail" && !decode_bool(req, "subs", subs, err)) {
    return http::text_response(400, err);
  }
  json j;
  j["server_id"] = server_.server_id();
  j["server_name"] = server_.server_name();
  j["now"] = rfc3339_utc(wall_nanos());
  j["num_routes"] = 0;
  j["routes"] = json::array();
  return json_response(req, j);
}

http::Response Monitor::handle_gatewayz(const http::Request& req) {
  std::string err;
  bool accs = false;
  if (!decode_bool(req, "accs", accs, err)) return http::text_response(400, err);
  json j;
  j["server_id"] = server_.server_id();
  j["now"] = rfc3339_utc(wall_nanos());
  j["outbound_gateways"] = json::object();
  j["inbound_gateways"] = json::object();
  return json_response(req, j);
}

http::Response Monitor::handle_leafz(const http::Request& req) {
  std::string err;
  bool subs = false;
  if (!decode_bool(req, "subs", subs, err)) return http::text_response(400, err);
  json j;
  j["server_id"] = server_.server_id();
  j["now"] = rfc3339_utc(wall_nanos());
  j["leafnodes"] = 0;
  j["leafs"] = json::array();
  return json_response(req, j);
}

http::Response Monitor::handle_accountz(const http::Request& req) {
  const std::string acc(req.param("acc"));
  json j;
  j["server_id"] = server_.server_id();
  j["now"] = rfc3339_utc(wall_nanos());
  if (acc.empty()) {
    json names = json::array();
    for (const Account* a : server_.accounts().all()) names.push_back(a->name());
    j["accounts"] = std::move(names);
    return json_response(req, j);
  }
  const Account* a = server_.accounts().find(acc);
  if (a == nullptr) return http::text_response(400, fmt::format("Account {} does not exist", acc));
  j["account_detail"] = account_detail_json(*a, server_.start_time_ns());
  return json_response(req, j);
}

http::Response Monitor::handle_jsz(const http::Request& req) {
  // JetStream is not available yet: nats-server's answer when it is disabled.
  json j;
  j["server_id"] = server_.server_id();
  j["now"] = rfc3339_utc(wall_nanos());
  j["disabled"] = true;
  j["config"] = {{"max_memory", 0}, {"max_storage", 0}};
  j["memory"] = 0;
  j["storage"] = 0;
  j["reserved_memory"] = 0;
  j["reserved_storage"] = 0;
  j["accounts"] = 0;
  j["ha_assets"] = 0;
  j["api"] = {{"total", 0}, {"errors", 0}};
  j["streams"] = 0;
  j["consumers"] = 0;
  j["messages"] = 0;
  j["bytes"] = 0;
  return json_response(req, j);
}

http::Response Monitor::handle_healthz(const http::Request& req) {
  std::string err;
  bool ignored = false, details = false;
  for (std::string_view name :
       {"js-enabled", "js-enabled-only", "js-server-only", "js-meta-only"}) {
    if (!decode_bool(req, name, ignored, err)) return http::text_response(400, err);
  }
  if (!decode_bool(req, "details", details, err)) return http::text_response(400, err);
  const std::string_view account = req.param("account");
  const std::string_view stream = req.param("stream");
  const std::string_view consumer = req.param("consumer");

  std::string problem;
  if (account.empty() && !stream.empty()) {
    problem = "\"account\" must not be empty when checking stream health";
  } else if (stream.empty() && !consumer.empty()) {
    problem = "\"stream\" must not be empty when checking consumer health";
  }
  // Without JetStream there is nothing else to check: the server is up if it answers.
  json j;
  if (problem.empty()) {
    j["status"] = "ok";
    return json_response(req, j, 200, false);
  }
  j["status"] = "error";
  if (details) {
    j["errors"] = json::array({{{"type", "BAD_REQUEST"}, {"error", problem}}});
  } else {
    j["error"] = problem;
  }
  return json_response(req, j, 400, false);
}

http::Response Monitor::handle_metrics(const http::Request& req) {
  const Figures f = gather_figures(server_, cpu_percent_.load(std::memory_order_relaxed));
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
