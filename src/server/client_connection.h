#pragma once
// One client connection speaking the NATS client protocol.
//
// Created by the Server on the loop that will own it (round-robin at accept). Everything that
// reads the socket, parses, changes subscriptions or closes runs on that loop. Two things are
// touched from other loops, both under `out_mu_`: appending delivered messages to `pending_`,
// and requesting work (flush, close as slow consumer, reap auto-unsubscribed subs) which the
// owner performs in run_remote_work(). Memory is freed through EventLoop::retire, so a pointer
// obtained during a read batch stays valid for that batch.
//
// A CONNECT whose password must be checked with bcrypt is verified on the server's worker pool.
// Until the verdict comes back (posted to the owner loop) the connection reads nothing more:
// the input after the CONNECT is held, the socket is not polled, and nothing after the CONNECT
// is processed. The job never sees the connection itself, only a shared PendingAuth token
// whose `conn` the owner clears when it closes, so a verdict for a closed (and retired)
// connection is dropped. See docs/threading.md.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <asio.hpp>

#include "base/spin_lock.h"
#include "base/string_map.h"
#include "net/event_loop.h"
#include "net/out_buffer.h"
#include "net/tls_session.h"
#include "proto/client_parser.h"
#include "server/authenticator.h"
#include "server/closed_state.h"
#include "server/conn_info.h"
#include "server/permissions.h"
#include "server/sublist.h"
#include "server/subscription.h"

namespace nats {

class Server;
class Account;
struct ServiceImport;
struct ServiceReply;

// What the client told us in CONNECT. The defaults are nats-server's, and they also apply
// before CONNECT arrives: verbose and pedantic are on until the client turns them off.
struct ConnectOptions {
  bool verbose = true;
  bool pedantic = true;
  bool tls_required = false;
  bool echo = true;
  bool headers = false;
  bool no_responders = false;
  int protocol = 0;
  std::string auth_token, user, pass, name, lang, version, sig, jwt, nkey;
  std::string account;  // "account"/"new_account" in CONNECT: refused
};

class ClientConnection;

// What one producer (a client's read batch, or the server publishing an event) delivered:
// the connections it queued output for, to hand to their owners once at the end, and the
// totals for the server's statistics.
// Fast producer stall (as nats-server's): a consumer whose queued output passes 3/4 of
// max_pending puts up a gate; producers that deliver to it while it stands stop reading
// until the consumer has written itself back under 1/4 (it opens the gate) or a bound
// passes, so a burst slows its source instead of getting the consumer closed as slow.
// Opening only at 1/4 (nats-server reopens at 3/4) keeps the queue from hovering just under
// the mark: a queue that deep makes every delivery touch fresh memory under the consumer's
// lock, and fan-in throughput fell to a third when it did.
// Shared by the consumer (which opens it) and the producers (which poll it).
struct StallGate {
  std::atomic<bool> open{false};
};

struct DeliveryBatch {
  std::vector<ClientConnection*> touched;
  uint64_t out_msgs = 0, out_bytes = 0;
  // A gate some target of this batch put up; null when none did.
  std::shared_ptr<StallGate> stall;
};

class ClientConnection final : public net::RemoteWork {
 public:
  ClientConnection(Server& server, net::EventLoop& loop, asio::ip::tcp::socket socket,
                   uint64_t cid);
  ~ClientConnection();

  // Loop thread: sends INFO, starts reading and the auth timer.
  void start();

  uint64_t cid() const { return cid_; }
  net::EventLoop& loop() { return loop_; }

  // Producer side (any loop). Queues one message for `sub`; `producer` collects the
  // connections it touched so they are flushed once at the end of its read batch.
  void deliver(Subscription* sub, const proto::PubArgs& args, std::string_view msg,
               DeliveryBatch& producer);
  // Hands every connection a batch touched to its owner (deferred to the end of the round on
  // `current`, scheduled on other loops) and clears the list. Loop thread `current` only.
  static void hand_off(DeliveryBatch& batch, net::EventLoop& current);

  // Owner loop: flush, and act on requests made by other loops.
  void run_remote_work() override;

  // Loop thread: close with a reason (idempotent).
  void close(ClosedState reason);

  // Periodic check from the owner loop: auth timeout, pings, write deadline.
  void housekeeping(int64_t now_ns);

  // Monitoring: the connection as /connz shows it, subjects included when with_subs. Owner loop
  // only (see Server::for_each_client).
  ConnInfo conn_info(bool with_subs) const;
  // Monitoring: every subscription with its sid, queue and delivery counts, for
  // /connz?subs=detail and /subsz?subs=1. Owner loop only.
  std::vector<SubDetail> subscription_details() const;

  bool echo() const { return connect_.echo; }
  // Identity, for the system account's events and USER.INFO. Owner loop only.
  Account& account() const { return *account_; }
  const ConnectOptions& connect_options() const { return connect_; }
  // The permissions the client's user was configured with; null when unrestricted.
  const Permissions* permissions() const {
    return perms_ != nullptr ? &perms_->rules().source() : nullptr;
  }
  // The nonce sent in INFO for nkey users to sign; empty when none is needed.
  const std::string& nonce() const { return nonce_; }
  const std::string& snapshot_ip() const { return ip_; }
  int port() const { return port_; }
  // Sends -ERR 'maximum connections exceeded' after INFO and closes, as nats-server does.
  void reject_max_connections();
  // A reload lowered max_connections below the number connected: the same -ERR, and close.
  void close_over_limit();
  // Config reload, on the owner loop: checks this client against the authorization now in
  // force. A client no longer allowed in gets -ERR 'Authorization Violation' and is closed; an
  // allowed one takes its new permissions and loses the subscriptions they no longer allow,
  // each with nats-server's -ERR. A bcrypt comparison the password cache can't answer runs on
  // the worker pool first (the client keeps its old rights until the verdict).
  void reauthorize();
  // Lame duck mode: tell a client that understands async INFO to go elsewhere.
  void send_lame_duck_info();
  ClientConnection* intrusive_next = nullptr;  // per-loop list, owner loop only
  ClientConnection* intrusive_prev = nullptr;

  // Parser handler interface (see proto/client_parser.h).
  bool on_connect(std::string_view json);
  bool on_pub(const proto::PubArgs& args);
  bool on_msg(const proto::PubArgs& args, std::string_view msg);
  bool on_sub(std::string_view subject, std::string_view queue, std::string_view sid);
  bool on_unsub(std::string_view sid, int64_t max);
  bool on_ping();
  bool on_pong();
  bool on_info(std::string_view) { return true; }
  bool on_err(std::string_view text);
  bool awaiting_auth() const { return auth_required_ && !connect_received_; }

 private:
  void arm_read();
  void on_readable();
  // One read from the socket or the TLS session: > 0 bytes, 0 at EOF, -1 with errno set.
  ssize_t read_some(char* buf, size_t cap);
  // Writes the gathered bytes in plain text or through TLS; what went out is consumed from
  // writing_. False when the socket would block (or failed: closed_ tells).
  bool write_pending();

  // TLS set-up (owner loop). See docs/threading.md: the handshake runs on the loop, driven by
  // readiness like any other I/O, and nothing else is read or written until it completes.
  enum class TlsPhase : uint8_t {
    kNone,        // plain text (no TLS, or allow_non_tls and the client chose plain)
    kAwaitFirst,  // handshake_first with a fallback: waiting to see whether the client speaks
    kSniff,       // allow_non_tls: the first byte (0x16 or not) decides
    kHandshake,   // the TLS handshake is under way
    kReady,       // TLS established
  };
  void start_tls_handshake();
  // INFO in plain text, then the handshake (or, with allow_non_tls, the client's first byte);
  // false if INFO could not be sent (closed).
  bool send_info_then_await_tls(int64_t now);
  // allow_non_tls and the client spoke plain text (or nothing): no TLS for this connection.
  void continue_in_plain_text(int64_t now);
  // CONNECT must come within auth_timeout from now (when authentication is required).
  void start_auth_timer(int64_t now);
  // Advances whichever set-up phase is active; called when the socket is ready.
  void advance_tls();
  void on_tls_established();
  // Sends INFO right away, bypassing the batch (before a handshake the loop's flush must not
  // run yet). False (and closed) if it could not be written whole.
  bool send_info_now();
  // Parses one chunk of input. False when reading must stop: the connection closed, or a
  // CONNECT waits for its password check (the unparsed rest is then kept in held_input_).
  bool consume_input(const char* data, size_t n);
  void handle_parse_result(const proto::ParseResult& r);
  void end_read_batch();
  // Producer: stops reading until `gate` opens or the stall bound passes, then reads what
  // arrived and carries on.
  void stall_reads(std::shared_ptr<StallGate> gate);
  void poll_stall();
  // Consumer: opens its gate once its queued output is back under 1/4 of max_pending (or it
  // closes). Owner loop.
  void maybe_open_stall_gate(bool closing);

  // Queues protocol bytes (INFO, PONG, -ERR, +OK) from the owner loop.
  void send_proto(std::string_view line);
  void send_err(std::string_view err);
  void send_ok();
  void request_own_flush();
  void flush();
  void arm_write();
  void on_writable();

  void process_pub(const proto::PubArgs& args, std::string_view msg);
  // Permissions, matching and delivery of a (possibly mapped) publish.
  void publish(const proto::PubArgs& args, std::string_view msg);
  // Delivers to every subscription of a match result; true if anyone got it. import_depth
  // counts service imports the message went through (shadow subscriptions only take
  // messages published directly).
  bool deliver_result(const SublistResult& r, const proto::PubArgs& args, std::string_view msg,
                      int import_depth);
  inline bool deliver_matches(const SublistResult& r, const proto::PubArgs& args,
                              std::string_view msg, int import_depth);

  // Accounts (client_connection_imports.cc): the slow paths, taken only by accounts with
  // mappings, imports or exports.
  // Applies the account's mappings (if one covers the subject) and publishes.
  void publish_mapped(const proto::PubArgs& args, std::string_view msg);
  // An internal subscription matched: a service import or a service reply.
  bool route_internal(Subscription& s, const proto::PubArgs& args, std::string_view msg,
                      int import_depth);
  bool route_service_import(ServiceImport& si, const proto::PubArgs& args, std::string_view msg,
                            int import_depth);
  bool route_service_reply(Account& exporter, const proto::PubArgs& args, std::string_view msg,
                           int import_depth);
  // Delivers through a stream import's shadow, renamed into the importer's subject space.
  bool deliver_to_shadow(Subscription& shadow, const proto::PubArgs& args, std::string_view msg);
  // A sampled request's latency, published as nats-server's ServiceLatency JSON on the
  // export's results subject in the exporter (this connection responded).
  void publish_latency(Account& exporter, const ServiceReply& r);
  // nats-server's ClientInfo JSON for this client (account and RTT, or all when detailed).
  std::string client_info_json(bool detailed) const;
  void add_shadow_subscriptions(Subscription& sub);
  void remove_shadow_subscriptions(Subscription& sub);
  // Moves this client into the named account ("" is "$G"), with its limits; false (after
  // -ERR and close) when the account has reached max_connections.
  bool join_account(std::string_view name);
  // Applies a CONNECT's fields on top of the current options (a second CONNECT only changes
  // what it mentions, as in nats-server). False when a field has the wrong JSON type.
  bool apply_connect_json(std::string_view json);
  void deliver_no_responders(std::string_view reply, std::string_view subject);
  void remove_sub(Subscription* sub);
  void reap_finished_subs();

  // Authentication and authorization (owner loop).
  // Sends the CONNECT's password to the worker pool; false if it could not be queued.
  bool start_password_check(const AuthDecision& d);
  void on_password_verdict(bool ok);
  // Applies an accepted identity: its account (false, after closing, when the account is
  // full) and permissions.
  bool accept_identity(const AuthDecision& d);
  // After a reload: new permissions, and unsubscribing what they no longer allow.
  void apply_reauthorization(const AuthDecision& d);
  // A CONNECT-time password check holds the input back; a reload-time one does not.
  bool reading_paused() const { return pending_auth_ != nullptr && !check_for_reload_; }
  // The checks after authentication (protocol version, no_responders) and +OK; false if closed.
  bool finish_connect();
  // Processes the input held during a password check, then reads again.
  void resume_reading();
  // -ERR 'Authorization Violation', logged as nats-server does, and close.
  void auth_violation();
  // nats-server's getAuthUser: `Nkey "U..."`, `User "bob"`, `Token "[REDACTED]"`, `User "N/A"`.
  std::string auth_user_label() const;
  bool publish_permitted(std::string_view subject);
  // Moves reply subjects delivered to this client (recorded by producers) into perms_.
  void take_delivered_replies();
  // nats-server's trace lines: `<prefix> - <<- [OP arg]`, `->> [OP arg]`, MSG_PAYLOAD.
  void trace_in(std::string_view op, std::string_view arg) const;
  void trace_out(std::string_view op, std::string_view arg) const;
  void trace_payload(std::string_view direction, std::string_view msg) const;

  Server& server_;
  net::EventLoop& loop_;
  asio::ip::tcp::socket socket_;
  std::unique_ptr<net::TlsSession> tls_;
  TlsPhase tls_phase_ = TlsPhase::kNone;
  int64_t tls_deadline_ns_ = 0;  // mono clock; the handshake (or the wait before it) ends by then
  std::string tls_version_, tls_cipher_;  // once established, for /connz and logs
  bool info_sent_plain_ = false;          // INFO went out before the handshake (not TLS-first)
  const uint64_t cid_;
  Account* account_;     // owner loop; counted in it (Account::add_connection)
  int64_t max_payload_;  // the smaller of the server's and the account's
  int64_t max_subs_;     // per connection; -1: unlimited
  std::string ip_;
  int port_ = 0;
  std::string log_prefix_;  // "ip:port - cid:N", the start of every log line about this client

  // Read side, owner loop only.
  proto::ClientParser parser_;
  std::unique_ptr<char[]> rbuf_;
  size_t rcap_;
  int short_reads_ = 0;
  bool reading_ = false;

  // Protocol state, owner loop only.
  ConnectOptions connect_;
  bool connect_received_ = false;
  // Whether this client takes HMSG; read by producers on other loops to decide whether to
  // strip headers, hence atomic.
  std::atomic<bool> headers_{false};
  bool auth_required_ = false;
  std::string nonce_;  // sent in INFO when nkey users exist
  // Permissions of the authenticated user; null when unrestricted (the message path tests
  // only this pointer).
  std::unique_ptr<ClientPermissions> perms_;
  // A password check in flight: the token the worker's verdict is delivered through, the
  // decision to apply if it passes, and the input that arrived after the CONNECT.
  struct PendingAuth {
    ClientConnection* conn;  // owner loop only; cleared by close()
  };
  std::shared_ptr<PendingAuth> pending_auth_;
  AuthDecision pending_decision_;
  bool check_for_reload_ = false;      // the password check in flight was started by a reload
  bool reauth_after_verdict_ = false;  // a reload came while a CONNECT's check was in flight
  // The client named no user or nkey: the no_auth_user applied (re-checked the same way).
  bool identity_implied_ = false;
  std::string held_input_;
  bool closed_ = false;
  bool announced_ = false;  // the system account published its CONNECT event
  int64_t start_ns_;
  int64_t connect_deadline_ns_ = 0;
  int64_t next_ping_ns_ = 0;
  int64_t last_in_ns_ = 0;
  int64_t ping_sent_ns_ = 0;
  std::atomic<int64_t> rtt_ns_{0};
  int pings_out_ = 0;
  std::atomic<int64_t> last_activity_ns_{0};
  StringMap<std::unique_ptr<Subscription>> subs_;

  // Per-connection match cache, valid while the account sublist generation is unchanged.
  struct CachedResult {
    SublistResult result;
  };
  StringMap<std::unique_ptr<CachedResult>> match_cache_;
  uint64_t match_cache_gen_ = 0;
  DeliveryBatch out_batch_;  // targets with output queued in this read batch, and totals
  // Producer side of a stall: made on the first one (most connections never stall).
  std::unique_ptr<asio::steady_timer> stall_timer_;
  std::shared_ptr<StallGate> waiting_on_;  // the gate this connection is paused for
  int64_t stall_deadline_ns_ = 0;
  std::vector<const ServiceImport*> import_path_;  // service imports the current message took
  uint32_t queue_rand_;                            // xorshift state for queue member choice
  uint64_t batch_in_msgs_ = 0, batch_in_bytes_ = 0;

  // Write side. `pending_` and the flags below are shared with producers under out_mu_;
  // `writing_` is the owner's.
  mutable SpinLock out_mu_;  // held for a memcpy at most; see base/spin_lock.h
  net::OutBuffer pending_;
  bool flush_queued_ = false;
  bool out_closed_ = false;
  ClosedState requested_close_ = ClosedState::kNone;
  std::vector<Subscription*> finished_subs_;
  // allow_responses: reply subjects of messages delivered to this client, recorded by
  // producers when track_replies_ is set, taken over by the owner (perms_) when it publishes.
  struct DeliveredReply {
    std::string subject;
    int64_t at_ns;
  };
  bool track_replies_ = false;
  std::vector<DeliveredReply> delivered_replies_;
  std::vector<DeliveredReply> replies_spare_;  // owner only: recycled by take_delivered_replies
  net::OutBuffer writing_;
  bool write_blocked_ = false;
  int64_t write_blocked_since_ns_ = 0;
  std::atomic<uint64_t> out_bytes_queued_{0};
  std::shared_ptr<StallGate> stall_gate_;   // under out_mu_: up while we are behind
  std::atomic<bool> stall_gate_up_{false};  // lets flush() skip the lock when it is not

  // Statistics; relaxed atomics read by monitoring.
  std::atomic<uint64_t> in_msgs_{0}, in_bytes_{0}, out_msgs_{0}, out_bytes_{0};
};

}  // namespace nats
