#pragma once
// The byte stream under a client connection: a TCP socket, upgraded in place to TLS when the
// server or the options ask for it (after INFO, or before it with handshake_first). Everything
// above reads and writes through these calls and never knows which of the two it has.
//
// Owned by ConnectionImpl and used only on its I/O thread. One read and one write may be
// outstanding at a time, which Asio's SSL stream allows as well.

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <memory>
#include <string>

#include "nats/status.h"

namespace nats::client::detail {

class Transport {
 public:
  using TlsStream = asio::ssl::stream<asio::ip::tcp::socket&>;

  explicit Transport(asio::io_context& io) : socket_(io) {}

  template <typename Endpoints, typename Token>
  auto async_connect(const Endpoints& endpoints, Token&& token) {
    return asio::async_connect(socket_, endpoints, std::forward<Token>(token));
  }
  template <typename Token>
  auto async_read_some(asio::mutable_buffer buf, Token&& token) {
    if (tls_active_) return tls_->async_read_some(buf, std::forward<Token>(token));
    return socket_.async_read_some(buf, std::forward<Token>(token));
  }
  template <typename Token>
  auto async_write(asio::const_buffer buf, Token&& token) {
    if (tls_active_) return asio::async_write(*tls_, buf, std::forward<Token>(token));
    return asio::async_write(socket_, buf, std::forward<Token>(token));
  }

  // Runs the TLS client handshake over the connected socket; afterwards every read and write
  // is encrypted. `verify_name` is the host name or IP address the server certificate must
  // carry (empty: no name check, for skip_verify).
  asio::awaitable<Status> upgrade_to_tls(asio::ssl::context& ctx, const std::string& verify_name);
  bool is_tls() const { return tls_active_; }
  // "TLSv1.3 TLS_AES_128_GCM_SHA256" once upgraded.
  std::string tls_description() const;

  // Small writes and many messages: Nagle would only add latency, we batch ourselves.
  void set_no_delay() {
    asio::error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  }
  bool is_open() const { return socket_.is_open(); }
  // Cancels every pending operation (they complete with operation_aborted) and ends the TLS
  // session: the next connection starts in plain TCP. No close_notify is sent: the server
  // treats a closed socket the same, and waiting for it would only delay reconnecting.
  void close() {
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    tls_active_ = false;
  }

 private:
  asio::ip::tcp::socket socket_;
  // The session's stream outlives close(): an aborted read or write may still be finishing
  // inside it. It is replaced only by the next upgrade, and the one before is kept until the
  // upgrade after that (by then nothing of it can be pending).
  std::unique_ptr<TlsStream> tls_;
  std::unique_ptr<TlsStream> retired_tls_;
  bool tls_active_ = false;
};

}  // namespace nats::client::detail
