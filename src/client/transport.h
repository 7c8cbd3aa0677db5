#pragma once
// The byte stream under a client connection. Today it is plain TCP; it is the seam where TLS
// goes: ConnectionImpl touches the socket only through these calls, so the TLS slice adds an
// `upgrade_to_tls()` (an asio::ssl::stream over the same socket, handshaked after INFO says
// tls_required or the URL says tls://) and routes read_some/write through it, with nothing
// above this class changing.
//
// Owned by ConnectionImpl and used only on its I/O thread.

#include <asio.hpp>

namespace nats::client::detail {

class Transport {
 public:
  explicit Transport(asio::io_context& io) : socket_(io) {}

  template <typename Endpoints, typename Token>
  auto async_connect(const Endpoints& endpoints, Token&& token) {
    return asio::async_connect(socket_, endpoints, std::forward<Token>(token));
  }
  template <typename Token>
  auto async_read_some(asio::mutable_buffer buf, Token&& token) {
    return socket_.async_read_some(buf, std::forward<Token>(token));
  }
  template <typename Token>
  auto async_write(asio::const_buffer buf, Token&& token) {
    return asio::async_write(socket_, buf, std::forward<Token>(token));
  }
  // Small writes and many messages: Nagle would only add latency, we batch ourselves.
  void set_no_delay() {
    asio::error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  }
  bool is_open() const { return socket_.is_open(); }
  // Cancels every pending operation (they complete with operation_aborted).
  void close() {
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  asio::ip::tcp::socket socket_;
};

}  // namespace nats::client::detail
