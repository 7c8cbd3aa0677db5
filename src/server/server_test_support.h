#pragma once
// Test support for in-process server tests: a raw protocol client with time-bounded line reads,
// and a Server started on a free loopback port with given Options. Test code only.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "server/options.h"
#include "server/server.h"

namespace nats::testing {

using namespace std::chrono_literals;

// A raw protocol client with line reads bounded in time.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void send(std::string_view s) { ASSERT_EQ(::write(fd_, s.data(), s.size()), ssize_t(s.size())); }

  // The next line without CRLF; "<closed>" at EOF, "<timeout>" if nothing came in time.
  std::string line(std::chrono::milliseconds timeout = 3000ms) {
    const int64_t deadline = mono_nanos() + timeout.count() * 1'000'000;
    while (true) {
      if (auto nl = buf_.find("\r\n"); nl != std::string::npos) {
        std::string l = buf_.substr(0, nl);
        buf_.erase(0, nl + 2);
        return l;
      }
      const int64_t left_ms = (deadline - mono_nanos()) / 1'000'000;
      if (left_ms <= 0) return "<timeout>";
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, int(left_ms)) <= 0) continue;
      char tmp[4096];
      ssize_t n = ::read(fd_, tmp, sizeof tmp);
      if (n <= 0) return "<closed>";
      buf_.append(tmp, size_t(n));
    }
  }

  // Lines until a PONG (which is not included) or the connection ends.
  std::vector<std::string> lines_until_pong() {
    std::vector<std::string> out;
    while (true) {
      std::string l = line();
      if (l == "PONG") return out;
      out.push_back(l);
      if (l == "<closed>" || l == "<timeout>") return out;
    }
  }

  // The INFO line as JSON.
  nlohmann::json info() {
    std::string l = line();
    EXPECT_EQ(l.rfind("INFO ", 0), 0u) << l;
    return nlohmann::json::parse(l.substr(5), nullptr, false);
  }

  // Reads INFO, sends a plain CONNECT and a PING, expects the PONG.
  void handshake() {
    ASSERT_EQ(line().rfind("INFO ", 0), 0u);
    send("CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1}\r\nPING\r\n");
    ASSERT_EQ(line(), "PONG");
  }

  // Reads INFO, sends CONNECT with `fields` (verbose off) and a PING; true if PONG comes.
  bool login(nlohmann::json fields) {
    info();
    fields["verbose"] = false;
    send("CONNECT " + fields.dump() + "\r\nPING\r\n");
    return line() == "PONG";
  }

 private:
  int fd_;
  bool connected_;
  std::string buf_;
};

class RunningServer {
 public:
  explicit RunningServer(Options o) {
    o.host = "127.0.0.1";
    o.port = kRandomPort;
    set_baseline_options(o);
    server_ = std::make_unique<Server>(o);
    ok_ = server_->start();
  }
  ~RunningServer() { server_->shutdown(); }
  bool ok() const { return ok_; }
  int port() const { return server_->client_port(); }
  Server& server() { return *server_; }

 private:
  std::unique_ptr<Server> server_;
  bool ok_;
};

}  // namespace nats::testing
