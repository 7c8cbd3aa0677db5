#include "nats/connection.h"

#include "base/check.h"
#include "connection_impl.h"
#include "tls_config.h"

namespace nats::client {

std::string_view conn_state_name(ConnState s) {
  switch (s) {
    case ConnState::kConnecting:
      return "connecting";
    case ConnState::kConnected:
      return "connected";
    case ConnState::kReconnecting:
      return "reconnecting";
    case ConnState::kDraining:
      return "draining";
    case ConnState::kClosed:
      return "closed";
  }
  return "?";
}

Result<std::unique_ptr<Connection>> Connection::connect(Options options) {
  if (Status s = options.validate(); !s) return s;
  auto pool = detail::ServerPool::make(options.servers, !options.no_randomize);
  if (!pool) return pool.status();
  std::optional<detail::Creds> creds;
  if (!options.creds_file.empty()) {
    auto c = detail::read_creds_file(options.creds_file);
    if (!c) return c.status();
    creds = std::move(c.value());
  }
  // Bad certificate or key files fail here, before any server is tried.
  std::unique_ptr<asio::ssl::context> tls_ctx;
  if (options.tls.wanted()) {
    auto ctx = detail::make_tls_context(options.tls);
    if (!ctx) return ctx.status();
    tls_ctx = std::move(ctx.value());
  }
  auto impl = std::make_shared<detail::ConnectionImpl>(std::move(options), std::move(pool.value()),
                                                       std::move(creds), std::move(tls_ctx));
  std::unique_ptr<Connection> conn(new Connection(impl));
  if (Status s = impl->start(conn.get()); !s) return s;
  return conn;
}

Result<std::unique_ptr<Connection>> Connection::connect(std::string_view urls) {
  Options o;
  o.servers = split_server_list(urls);
  return connect(std::move(o));
}

Connection::Connection(std::shared_ptr<detail::ConnectionImpl> impl) : impl_(std::move(impl)) {}

Connection::~Connection() {
  // Its own callback cannot destroy it: the callback would return into freed memory.
  NATS_CHECK(!impl_->on_delivery_thread());
  impl_->close_and_wait();
}

Status Connection::publish(std::string_view subject, std::string_view data) {
  return impl_->publish(subject, {}, nullptr, data);
}
Status Connection::publish(std::string_view subject, std::string_view reply,
                           std::string_view data) {
  return impl_->publish(subject, reply, nullptr, data);
}
Status Connection::publish(std::string_view subject, std::string_view reply, const Headers& headers,
                           std::string_view data) {
  return impl_->publish(subject, reply, &headers, data);
}

Result<Subscription> Connection::subscribe(std::string_view subject, MsgHandler handler) {
  return subscribe(subject, {}, std::move(handler));
}
Result<Subscription> Connection::subscribe(std::string_view subject, std::string_view queue,
                                           MsgHandler handler) {
  if (!handler) return Status(Errc::kInvalidArgument, "nats: no message handler");
  return impl_->subscribe(subject, queue, std::move(handler));
}
Result<Subscription> Connection::subscribe_sync(std::string_view subject, std::string_view queue) {
  return impl_->subscribe(subject, queue, MsgHandler());
}

Result<Message> Connection::request(std::string_view subject, std::string_view data,
                                    std::chrono::milliseconds timeout) {
  return impl_->request(subject, nullptr, data, timeout);
}
Result<Message> Connection::request(std::string_view subject, const Headers& headers,
                                    std::string_view data, std::chrono::milliseconds timeout) {
  return impl_->request(subject, &headers, data, timeout);
}

std::string Connection::new_inbox() const { return impl_->new_inbox(); }
Status Connection::flush(std::chrono::milliseconds timeout) { return impl_->flush(timeout); }
Status Connection::drain(std::chrono::milliseconds timeout) { return impl_->drain(timeout); }
void Connection::close() { impl_->close_and_wait(); }
ConnState Connection::state() const { return impl_->state(); }
ServerInfo Connection::server_info() const { return impl_->server_info(); }
std::string Connection::connected_url() const { return impl_->connected_url(); }
std::vector<std::string> Connection::servers() const { return impl_->servers(); }
std::vector<std::string> Connection::discovered_servers() const {
  return impl_->discovered_servers();
}
int64_t Connection::max_payload() const { return impl_->server_info().max_payload; }
ConnectionStats Connection::stats() const { return impl_->stats(); }
Status Connection::last_error() const { return impl_->last_error(); }
bool Connection::in_callback() const { return impl_->on_delivery_thread(); }

Result<std::chrono::microseconds> Connection::rtt(std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  if (Status s = flush(timeout); !s) return s;
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace nats::client
