#pragma once
// A connection to a NATS server (or cluster). Create it with Connection::connect(); it owns two
// threads: an I/O thread that runs the socket (reads, parses, writes, pings, reconnects) and
// a delivery thread that runs every user callback (subscription handlers and connection
// events). See src/client/README.md for who owns what.
//
// All methods are thread-safe. Publishing never blocks on the network: messages are appended to
// a write buffer that the I/O thread flushes in large writes. Destroying the Connection closes
// it; it must not be destroyed from one of its own callbacks.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nats/headers.h"
#include "nats/message.h"
#include "nats/options.h"
#include "nats/status.h"
#include "nats/subscription.h"

namespace nats::client {

namespace detail {
class ConnectionImpl;
}

using MsgHandler = std::function<void(Message)>;

enum class ConnState { kConnecting, kConnected, kReconnecting, kDraining, kClosed };
std::string_view conn_state_name(ConnState s);

// What the server told us in INFO (the latest one).
struct ServerInfo {
  std::string server_id;
  std::string server_name;
  std::string version;
  std::string host;
  int port = 0;
  int proto = 0;
  int64_t max_payload = 0;
  bool headers = false;
  bool auth_required = false;
  bool tls_required = false;
  bool tls_available = false;  // TLS offered but not required (allow_non_tls)
  bool jetstream = false;
  bool lame_duck_mode = false;
  uint64_t client_id = 0;
  std::string client_ip;
  std::string nonce;
  std::vector<std::string> connect_urls;
  std::string json;  // the INFO line's JSON as received
};

struct ConnectionStats {
  uint64_t in_msgs = 0;
  uint64_t in_bytes = 0;
  uint64_t out_msgs = 0;
  uint64_t out_bytes = 0;
  uint64_t reconnects = 0;
};

class Connection {
 public:
  // Connects to the first server of the (shuffled) list that answers, with the handshake done
  // (INFO, CONNECT, PING/PONG). Fails with kNoServers, kAuthorization, kTimeout, ...
  static Result<std::unique_ptr<Connection>> connect(Options options);
  // Shorthand: default options with one server URL or a comma-separated list.
  static Result<std::unique_ptr<Connection>> connect(std::string_view urls);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // ---- publishing (never waits for the network; may wait for write-buffer space) ----
  Status publish(std::string_view subject, std::string_view data);
  Status publish(std::string_view subject, std::string_view reply, std::string_view data);
  Status publish(std::string_view subject, std::string_view reply, const Headers& headers,
                 std::string_view data);

  // ---- subscribing ----
  Result<Subscription> subscribe(std::string_view subject, MsgHandler handler);
  Result<Subscription> subscribe(std::string_view subject, std::string_view queue,
                                 MsgHandler handler);
  Result<Subscription> subscribe_sync(std::string_view subject, std::string_view queue = {});

  // ---- request/reply over one shared inbox subscription ----
  Result<Message> request(std::string_view subject, std::string_view data,
                          std::chrono::milliseconds timeout);
  Result<Message> request(std::string_view subject, const Headers& headers, std::string_view data,
                          std::chrono::milliseconds timeout);
  // A fresh unique subject under the inbox prefix.
  std::string new_inbox() const;

  // ---- lifecycle ----
  // Round trip to the server (PING/PONG): everything published before it has been processed.
  Status flush(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Drains every subscription, then flushes what is published and closes.
  Status drain(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Closes at once: buffered publishes get one bounded attempt to be written. When it returns
  // (called from outside a callback) no callback of this connection runs any more.
  void close();

  // ---- state ----
  ConnState state() const;
  bool is_connected() const { return state() == ConnState::kConnected; }
  ServerInfo server_info() const;
  std::string connected_url() const;
  // Every server known: configured and discovered.
  std::vector<std::string> servers() const;
  std::vector<std::string> discovered_servers() const;
  int64_t max_payload() const;
  ConnectionStats stats() const;
  // The last asynchronous error (what the error callback last saw).
  Status last_error() const;
  // True on this connection's delivery thread, i.e. inside one of its callbacks.
  bool in_callback() const;
  // Measures one PING/PONG round trip.
  Result<std::chrono::microseconds> rtt(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  explicit Connection(std::shared_ptr<detail::ConnectionImpl> impl);
  std::shared_ptr<detail::ConnectionImpl> impl_;
};

}  // namespace nats::client
