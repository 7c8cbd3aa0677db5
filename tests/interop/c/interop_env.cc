#include "interop_env.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace interop {

std::string last_error() {
  const char* text = nats_GetLastError(nullptr);
  return text != nullptr ? text : "";
}

std::string server_url() {
  const char* url = std::getenv("NATS_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "NATS_URL is not set: run under tests/interop/run_with_server.sh";
    return "nats://127.0.0.1:4222";
  }
  return url;
}

namespace {
// "nats://host:port" -> host, port.
void split_url(std::string* host, int* port) {
  std::string url = server_url();
  auto scheme = url.find("://");
  std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  auto colon = rest.rfind(':');
  *host = rest.substr(0, colon);
  *port = colon == std::string::npos ? 4222 : std::atoi(rest.c_str() + colon + 1);
}
}  // namespace

std::string server_host() {
  std::string host;
  int port = 0;
  split_url(&host, &port);
  return host;
}

int server_port() {
  std::string host;
  int port = 0;
  split_url(&host, &port);
  return port;
}

OptsPtr make_options(const std::string& name) {
  natsOptions* raw = nullptr;
  natsStatus s = natsOptions_Create(&raw);
  OptsPtr opts(raw);
  if (s == NATS_OK) s = natsOptions_SetURL(raw, server_url().c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(raw, kConnectTimeoutMs);
  if (s == NATS_OK) s = natsOptions_SetName(raw, name.c_str());
  if (s != NATS_OK) {
    ADD_FAILURE() << "options for " << name << ": " << natsStatus_GetText(s) << " (" << last_error()
                  << ")";
    return nullptr;
  }
  return opts;
}

ConnPtr connect(const std::string& name, natsOptions* opts) {
  OptsPtr own;
  if (opts == nullptr) {
    own = make_options(name);
    if (!own) return nullptr;
    opts = own.get();
  }
  natsConnection* nc = nullptr;
  natsStatus s = natsConnection_Connect(&nc, opts);
  if (s != NATS_OK) {
    ADD_FAILURE() << "connect " << name << " to " << server_url() << ": " << natsStatus_GetText(s)
                  << " (" << last_error() << ")";
    natsConnection_Destroy(nc);
    return nullptr;
  }
  return ConnPtr(nc);
}

SubPtr subscribe_sync(natsConnection* nc, const char* subject, const char* queue) {
  natsSubscription* sub = nullptr;
  natsStatus s = queue == nullptr ? natsConnection_SubscribeSync(&sub, nc, subject)
                                  : natsConnection_QueueSubscribeSync(&sub, nc, subject, queue);
  if (s == NATS_OK) s = natsConnection_FlushTimeout(nc, kFlushTimeoutMs);
  if (s != NATS_OK) {
    ADD_FAILURE() << "subscribe " << subject << ": " << natsStatus_GetText(s) << " ("
                  << last_error() << ")";
    natsSubscription_Destroy(sub);
    return nullptr;
  }
  return SubPtr(sub);
}

std::string data_of(natsMsg* msg) {
  return std::string(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
}

uint64_t in_msgs(natsConnection* nc) {
  natsStatistics* raw = nullptr;
  if (natsStatistics_Create(&raw) != NATS_OK) return 0;
  std::unique_ptr<natsStatistics, NatsDeleter> stats(raw);
  uint64_t n = 0;
  if (natsConnection_GetStats(nc, raw) != NATS_OK) return 0;
  natsStatistics_GetCounts(raw, &n, nullptr, nullptr, nullptr, nullptr);
  return n;
}

int server_ctl(const std::string& action) {
  const char* ctl = std::getenv("NATS_SERVER_CTL");
  if (ctl == nullptr || *ctl == '\0') {
    ADD_FAILURE() << "NATS_SERVER_CTL is not set: run under tests/interop/run_with_server.sh";
    return -1;
  }
  std::string cmd = std::string(ctl) + " " + action;
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

void Signal::notify() {
  // Notify under the lock: a waiter that returns may destroy this Signal at once.
  std::lock_guard lock(mu_);
  ++count_;
  cv_.notify_all();
}

uint64_t Signal::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

bool Signal::wait_for(uint64_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
}

namespace {
void on_disconnected(natsConnection*, void* closure) {
  static_cast<ConnEvents*>(closure)->disconnected.notify();
}
void on_reconnected(natsConnection*, void* closure) {
  static_cast<ConnEvents*>(closure)->reconnected.notify();
}
void on_closed(natsConnection*, void* closure) {
  static_cast<ConnEvents*>(closure)->closed.notify();
}
}  // namespace

ReconnectingConn::ReconnectingConn(const std::string& name, OptsPtr opts) {
  if (!opts) opts = make_options(name);
  if (!opts) return;
  natsStatus s = natsOptions_SetAllowReconnect(opts.get(), true);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.get(), kReconnectWaitMs);
  if (s == NATS_OK) s = natsOptions_SetReconnectJitter(opts.get(), 0, 0);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts.get(), on_disconnected, &events_);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts.get(), on_reconnected, &events_);
  if (s == NATS_OK) s = natsOptions_SetClosedCB(opts.get(), on_closed, &events_);
  if (s != NATS_OK) {
    ADD_FAILURE() << "reconnect options: " << natsStatus_GetText(s);
    return;
  }
  nc_ = connect(name, opts.get());
}

ReconnectingConn::~ReconnectingConn() {
  if (!nc_) return;
  natsConnection_Close(nc_.get());
  events_.closed.wait_for(1, 10s);
}

RawConn::RawConn(int rcvbuf) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    ADD_FAILURE() << "socket: " << std::strerror(errno);
    return;
  }
  if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server_port()));
  if (::inet_pton(AF_INET, server_host().c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ADD_FAILURE() << "raw connect to " << server_url() << ": " << std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

RawConn::~RawConn() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConn::send_all(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawConn::read_line(std::string* line, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto eol = buf_.find("\r\n");
    if (eol != std::string::npos) {
      *line = buf_.substr(0, eol);
      buf_.erase(0, eol + 2);
      return true;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
  }
}

bool RawConn::read_until_line(std::string_view want, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::string line;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !read_line(&line, left)) return false;
    if (line == want) return true;
  }
}

RawConn::CloseKind RawConn::drain_until_closed(std::chrono::milliseconds timeout, uint64_t* bytes) {
  *bytes = buf_.size();
  buf_.clear();
  auto deadline = Clock::now() + timeout;
  std::string chunk(256 * 1024, '\0');
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return CloseKind::kTimeout;
    pollfd pfd{fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return CloseKind::kError;
    if (ready == 0) return CloseKind::kTimeout;
    ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n > 0) {
      *bytes += static_cast<uint64_t>(n);
      continue;
    }
    if (n == 0) return CloseKind::kEof;
    if (errno == EINTR || errno == EAGAIN) continue;
    return errno == ECONNRESET ? CloseKind::kReset : CloseKind::kError;
  }
}

const char* close_kind_name(RawConn::CloseKind kind) {
  switch (kind) {
    case RawConn::CloseKind::kEof:
      return "EOF";
    case RawConn::CloseKind::kReset:
      return "ECONNRESET";
    case RawConn::CloseKind::kTimeout:
      return "timeout (still open)";
    case RawConn::CloseKind::kError:
      return "socket error";
  }
  return "?";
}

}  // namespace interop
