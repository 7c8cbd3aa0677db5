#pragma once
// Monitoring views of client connections: ConnInfo (one /connz entry), SubDetail (one
// subscription) and ClosedClients, the ring of recently closed connections behind
// /connz?state=closed.
//
// ConnInfo and SubDetail are plain values, copied out of a connection on its owning loop
// (see Server::for_each_client) and then used on any thread. ClosedClients is shared: the loop
// closing a connection adds to it, the monitor thread reads it, under its own mutex.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "server/closed_state.h"
#include "server/options.h"

namespace nats {

class ClientConnection;

// One subscription as /connz?subs=detail and /subsz?subs=1 show it.
struct SubDetail {
  std::string account;  // filled in by /subsz only
  std::string subject;
  std::string queue;  // empty: not a queue subscription
  std::string sid;
  uint64_t msgs = 0;  // delivered so far
  uint64_t max = 0;   // auto-unsubscribe limit; 0 = none
  uint64_t cid = 0;
};

// One connection, open or closed, with nats-server's ConnInfo fields. Times are wall-clock
// nanoseconds since the Unix epoch.
struct ConnInfo {
  uint64_t cid = 0;
  std::string ip;
  int port = 0;
  int64_t start_ns = 0;
  int64_t last_activity_ns = 0;
  int64_t stop_ns = 0;  // 0 while open
  std::string reason;   // why it closed; empty while open
  int64_t rtt_ns = 0;
  uint64_t pending_bytes = 0;
  uint64_t in_msgs = 0, out_msgs = 0, in_bytes = 0, out_bytes = 0;
  uint32_t num_subs = 0;
  std::string name, lang, version;
  // TLS, for open connections whose handshake completed (nats-server drops these once closed).
  std::string tls_version, tls_cipher_suite;
  bool tls_first = false;
  struct PeerCert {
    std::string subject, spki_sha256, cert_sha256;
  };
  std::vector<PeerCert> tls_peer_certs;  // the client's certificate, shown with auth=1
  std::string user;                    // the authorized user, shown with auth=1
  std::string account;                 // the account name
  std::vector<std::string> subs;       // subjects, when asked for (or always, if closed)
  std::vector<SubDetail> subs_detail;  // when asked for (or always, if closed)

  bool closed() const { return stop_ns != 0; }
};

// Copies what monitoring shows of `c`. Owner loop of `c` only. With `subs` the subjects are
// included, with `details` the full subscription details.
ConnInfo make_conn_info(const ClientConnection& c, bool subs, bool details);

class ClosedClients {
 public:
  // nats-server keeps the last 10,000 (max_closed_clients).
  explicit ClosedClients(size_t capacity = kDefaultMaxClosedClients) : capacity_(capacity) {}

  // Records `c` as closed now for `reason`. Called on c's owner loop while its subscriptions
  // are still in place, so they can be listed afterwards.
  void add(const ClientConnection& c, ClosedState reason);
  void add(ConnInfo info);
  // Oldest first.
  std::vector<ConnInfo> snapshot() const;
  size_t size() const;
  void set_capacity(size_t capacity);

 private:
  mutable std::mutex mu_;
  size_t capacity_;
  std::deque<ConnInfo> ring_;  // guarded by mu_
};

}  // namespace nats
