#pragma once
// The system account's internal client: the server publishing events and answering
// `$SYS.REQ.>` requests inside the message path, without a socket.
//
// Receiving: each service is an internal Subscription (no client, an InternalHandler) in the
// system account's sublist, plus, in every other account, the few nats-server imports there
// (`$SYS.REQ.USER.INFO`, account-scoped `...PING.CONNZ`, `$SYS.REQ.ACCOUNT.PING.STATZ`). A
// request is handled where it matched: on the requester's loop, during its read batch. Cheap
// answers (IDZ, STATSZ, HEALTHZ, USER.INFO, ...) are built and published right there; anything
// that waits for the loops (CONNZ, SUBSZ, RELOAD) or could be big goes to the *system thread*,
// which builds the JSON and posts the publish back to a loop.
//
// Sending: publish() delivers through the target account's sublist like any message, on the
// calling loop, with a DeliveryBatch of its own handed to the owners at once. It must run on a
// loop thread: the loops' memory reclamation (EventLoop::retire) only protects pointers taken
// from a sublist inside a loop's handler. Events therefore publish on the loop where they
// happen (a client's CONNECT, close or auth failure), and the system thread posts to a loop.
//
// The system thread also runs the timers: STATSZ (250 ms doubling up to 10 s, only when
// someone listens) and the 30 s heartbeat of account connection counts.
//
// Created by the Server when a system account exists; start() after the loops run, stop()
// (SHUTDOWN event, then join) before clients are closed. See docs/threading.md.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <asio.hpp>

#include "base/string_map.h"
#include "server/closed_state.h"
#include "server/monitor_util.h"
#include "server/subscription.h"
#include "server/sys_events.h"

namespace nats {

class Account;
class ClientConnection;
class Server;
namespace net {
class EventLoop;
}

// Intervals from nats-server's events.go.
inline constexpr int64_t kStatszFirstNs = 250'000'000;     // first STATSZ after start
inline constexpr int64_t kStatszMaxNs = 10'000'000'000;    // statsHBInterval
inline constexpr int64_t kStatszRateLimitNs = 1'000'000'000;  // defaultStatszRateLimit
inline constexpr int64_t kAccountConnsHbNs = 30'000'000'000;  // eventsHBInterval

class SystemAccount {
 public:
  SystemAccount(Server& server, Account& account);
  ~SystemAccount();
  SystemAccount(const SystemAccount&) = delete;
  SystemAccount& operator=(const SystemAccount&) = delete;

  Account& account() const { return account_; }

  // Subscribes the services and starts the system thread. Main thread, loops running.
  void start();
  // Publishes `$SYS.SERVER.<id>.SHUTDOWN` (on a loop, waiting for it), stops further events
  // and joins the system thread. Not from a loop; idempotent.
  void stop();

  // Events, on the client's owner loop.
  // CONNECT advisory and the account's connection count.
  void client_connected(ClientConnection& c);
  // DISCONNECT advisory (for clients that were announced) and the connection count.
  void client_disconnected(ClientConnection& c, ClosedState reason, bool announced);
  // `$SYS.SERVER.<id>.CLIENT.AUTH.ERR`.
  void auth_error(ClientConnection& c);

  // Publishes a message into `acc`. Loop thread `loop` only (see above).
  void publish(net::EventLoop& loop, Account& acc, std::string_view subject,
               std::string_view reply, std::string_view payload);

 private:
  // What a subscription stands for.
  enum class Service : uint8_t {
    // $SYS.REQ.SERVER.PING[.<name>] and $SYS.REQ.SERVER.<id>.<name>
    kStatsz, kIdz, kVarz, kConnz, kSubsz, kRoutez, kGatewayz, kLeafz, kAccountz, kJsz, kHealthz,
    kProfilez, kReload,
    // $SYS.REQ.ACCOUNT.<account>.<name>, $SYS.REQ.ACCOUNT.PING.STATZ
    kAccSubsz, kAccConnz, kAccLeafz, kAccInfo, kAccStatz, kAccConns, kAccPingStatz,
    // in every account
    kUserInfo,
    // in a non-system account: that account's CONNZ and STATZ
    kAccountConnz, kAccountStatz,
  };
  struct Handler;

  // A request, copied out of the requester's read batch.
  struct Request {
    Service service;
    Account* account = nullptr;  // where the request was published (replies go there)
    std::string subject, reply, body;
    int loop_index = 0;  // the requester's loop: replies are published there
  };

  // A request matched one of our subscriptions, on the requester's loop.
  void on_request(Service service, Subscription& sub, ClientConnection& from,
                  const proto::PubArgs& args, std::string_view msg);
  void subscribe(Account& acc, std::string subject, Service service);
  // Handles a request on the system thread.
  void serve(Request& r);
  // Builds the reply's data, or an error; false when the request must be ignored (filtered).
  bool answer(Request& r, const MonitorJson& opts, std::optional<MonitorJson>& data, int& code,
              std::string& error);
  // Publishes from the system thread (or any non-loop thread) via a loop.
  void post_publish(int loop_index, Account* acc, std::string subject, std::string payload);
  void reply_api(Request& r, std::optional<MonitorJson> data, int code, std::string_view error);

  MonitorJson server_info();
  std::string next_event_id();
  // Whether anyone listens on `subject` in the system account.
  bool has_interest(std::string_view subject) const;
  AccountStat account_stat(const Account& a) const;
  MonitorJson account_conns_event(const Account& a);
  MonitorJson statsz_json();
  // Sends the account's connection count on both subjects (loop thread).
  void publish_account_conns(net::EventLoop& loop, Account& a);

  // System thread.
  void stop_thread();
  void arm_statsz(int64_t delay_ns);
  void arm_heartbeat();
  void send_statsz(bool rate_limited);

  Server& server_;
  Account& account_;
  ServerIdentity identity_;
  std::atomic<uint64_t> seq_{0};
  std::atomic<bool> stopped_{false};
  std::vector<std::unique_ptr<Subscription>> subs_;  // internal, in the sublists
  std::vector<std::unique_ptr<Handler>> handlers_;

  // The system thread.
  asio::io_context io_{1};
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  asio::steady_timer statsz_timer_{io_};
  asio::steady_timer hb_timer_{io_};
  std::thread thread_;
  int64_t statsz_interval_ns_ = kStatszFirstNs;  // system thread
  std::atomic<int64_t> last_statsz_ns_{0};       // mono clock

  // Accounts with connections, for the heartbeat: their last count sent.
  std::mutex conns_mu_;
  StringMap<int64_t> last_conns_;  // guarded by conns_mu_
};

}  // namespace nats
