#pragma once
// Everything a Connection can be told at connect time. A plain struct: fill the fields you
// need, leave the rest at their defaults (the same defaults as the official clients where they
// have one), and pass it to Connection::connect().

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nats/status.h"

namespace nats::client {

class Connection;

using ConnectionCallback = std::function<void(Connection&)>;
// Asynchronous errors: permission violations, slow consumers, other -ERRs the server sends
// without closing the connection. `subject` names the subscription or subject involved, if any.
using ErrorCallback =
    std::function<void(Connection&, const Status& error, std::string_view subject)>;

// TLS towards the server. The connection is upgraded to TLS when the server requires it (INFO
// tls_required), when the URL is tls://, or when `secure` is set; setting a CA or a client
// certificate implies `secure`, as in nats.go. A client that wants TLS and meets a server that
// offers none fails rather than talking in plain text.
struct TlsOptions {
  bool secure = false;
  std::string ca_file;    // PEM roots the server's chain must lead to; empty: the system's roots
  std::string cert_file;  // PEM client certificate (chain), for servers that verify clients
  std::string key_file;   // its private key
  // Name the server certificate must carry and the SNI sent; empty: the URL's host (an IP
  // address is then checked against the certificate's IP SANs).
  std::string server_name;
  bool skip_verify = false;  // accept any server certificate: for tests only
  // TLS before INFO, for servers configured with handshake_first (nats-server >= 2.10.3).
  bool handshake_first = false;

  // True when any TLS is asked for by these options alone.
  bool wanted() const {
    return secure || handshake_first || !ca_file.empty() || !cert_file.empty();
  }
};

struct Options {
  using Millis = std::chrono::milliseconds;

  // Servers as URLs: "nats://host:port", "host:port", "host", "nats://user:pass@host",
  // "nats://token@host". Tried in random order unless no_randomize is set.
  std::vector<std::string> servers = {"nats://127.0.0.1:4222"};
  bool no_randomize = false;
  // Add servers the cluster announces in INFO connect_urls to the list.
  bool ignore_discovered_servers = false;

  std::string name;  // shown in the server's connz

  // Credentials (at most one kind is sent: creds file/JWT, nkey, token, user/password).
  std::string user;
  std::string password;
  std::string token;
  std::string nkey_seed;   // "SU...": the public key and a signature of the nonce are sent
  std::string creds_file;  // a .creds file holding a user JWT and its nkey seed

  TlsOptions tls;

  bool echo = true;  // false: no messages of our own publishes
  std::string inbox_prefix = "_INBOX";

  Millis connect_timeout{2000};  // TCP connect plus the INFO/CONNECT/PONG handshake
  Millis ping_interval{120000};  // a PING when this long passes
  int max_pings_out = 2;         // unanswered PINGs before the connection is stale

  // Reconnection. Each round tries every server once; between rounds the wait doubles from
  // reconnect_wait up to reconnect_wait_max, plus a random 0..reconnect_jitter.
  bool allow_reconnect = true;
  int max_reconnect_attempts = 60;  // per server; -1: forever
  Millis reconnect_wait{500};
  Millis reconnect_wait_max{4000};
  Millis reconnect_jitter{100};
  // Bytes of publishes buffered while disconnected; beyond it publish() fails with kBufferFull.
  // 0: publishing while disconnected fails at once.
  size_t reconnect_buffer_size = 8 * 1024 * 1024;

  // Default pending limits of a subscription; beyond them messages are dropped (slow consumer).
  int64_t pending_msgs_limit = 512 * 1024;
  int64_t pending_bytes_limit = 64 * 1024 * 1024;
  // Publishers wait while this many bytes are queued for a live socket.
  size_t write_buffer_limit = 32 * 1024 * 1024;

  // Called on the connection's delivery thread, in order with message callbacks.
  ConnectionCallback disconnected_cb;
  ConnectionCallback reconnected_cb;
  ConnectionCallback closed_cb;
  ConnectionCallback lame_duck_cb;           // the server announced lame duck mode
  ConnectionCallback discovered_servers_cb;  // INFO brought new connect_urls
  ErrorCallback error_cb;

  // Checks the values (servers parse, timeouts positive, ...).
  Status validate() const;
};

// Splits "a,b, c" (the NATS_URL form) into a server list.
std::vector<std::string> split_server_list(std::string_view urls);

}  // namespace nats::client
