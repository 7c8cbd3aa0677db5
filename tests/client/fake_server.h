#pragma once
// A scripted NATS server for the client tests that a real server cannot stage on demand: a
// server that stops answering PINGs, announces lame duck mode or new cluster URLs, asks for
// TLS, or refuses credentials. It speaks raw protocol over a loopback socket, one client at a
// time, driven step by step from the test's thread (blocking calls with timeouts).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>

namespace nats::client::testing {

class FakeServer {
 public:
  static constexpr std::string_view kInfo =
      R"(INFO {"server_id":"FAKE","server_name":"fake","version":"2.9.10","proto":1,)"
      R"("headers":true,"max_payload":1048576})"
      "\r\n";

  FakeServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listen_fd_, 8);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~FakeServer() {
    close_client();
    ::close(listen_fd_);
  }

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

  // Accepts the next connection and sends `info`.
  bool accept(std::string_view info = kInfo, std::chrono::milliseconds timeout = kWait) {
    close_client();
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, int(timeout.count())) != 1) return false;
    client_fd_ = ::accept(listen_fd_, nullptr, nullptr);
    received_.clear();
    return client_fd_ >= 0 && send(info);
  }
  // accept(), then waits for CONNECT and PING and answers PONG.
  bool accept_and_handshake(std::string_view info = kInfo) {
    if (!accept(info) || !wait_for("PING\r\n")) return false;
    consume_through("PING\r\n");
    return send("PONG\r\n");
  }

  bool send(std::string_view bytes) {
    return client_fd_ >= 0 &&
           ::send(client_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size());
  }

  // Reads until what the client sent (since the last consume) contains `text`.
  bool wait_for(std::string_view text, std::chrono::milliseconds timeout = kWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(text) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || client_fd_ < 0) return false;
      pollfd p{client_fd_, POLLIN, 0};
      if (::poll(&p, 1, int(left.count())) != 1) return false;
      char buf[4096];
      const ssize_t n = ::recv(client_fd_, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      received_.append(buf, size_t(n));
    }
    return true;
  }
  // Everything the client sent since the last consume.
  const std::string& received() const { return received_; }
  void consume_through(std::string_view text) {
    const size_t at = received_.find(text);
    received_.erase(0, at == std::string::npos ? received_.size() : at + text.size());
  }

  void close_client() {
    if (client_fd_ >= 0) ::close(client_fd_);
    client_fd_ = -1;
  }

 private:
  static constexpr std::chrono::milliseconds kWait{5000};
  int listen_fd_ = -1;
  int client_fd_ = -1;
  int port_ = 0;
  std::string received_;
};

}  // namespace nats::client::testing
