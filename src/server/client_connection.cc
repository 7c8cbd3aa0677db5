#include "server/client_connection.h"

#include <sys/uio.h>
#include <unistd.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include <sodium.h>
#include <nlohmann/json.hpp>

#include "base/check.h"
#include "base/clock.h"
#include "base/go_quote.h"
#include "base/logger.h"
#include "crypto/nuid.h"
#include "proto/msg_line.h"
#include "server/account.h"
#include "server/server.h"
#include "server/subject.h"
#include "server/system_account.h"

namespace nats {

namespace {
// A CONNECT as it may appear in a trace: passwords, tokens and signatures replaced.
std::string redact_connect(std::string_view json) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::string(json);
  for (const char* secret : {"pass", "auth_token", "sig", "proxy_sig", "nkey"}) {
    if (j.contains(secret)) j[secret] = "[REDACTED]";
  }
  return j.dump();
}

constexpr size_t kMinReadBuffer = 512;        // bytes; idle connections stay small
constexpr size_t kMaxReadBuffer = 64 * 1024;  // bytes
constexpr int kShortReadsToShrink = 2;
constexpr int kMaxReadsPerWakeup = 8;  // fairness between connections of a loop
constexpr size_t kMaxMatchCacheEntries = 1024;
constexpr size_t kInlinePayloadCopy = 8 * 1024;  // below this, line+payload go in one reserve
constexpr int kMaxIovecs = 64;
// Fast producer stall (see StallGate): a producer waits at most this long per read for a
// consumer to catch up (nats-server's total per read loop pass), checking every poll.
constexpr int64_t kStallTotalNs = 10'000'000;
constexpr auto kStallPoll = std::chrono::milliseconds(1);
}  // namespace

ClientConnection::ClientConnection(Server& server, net::EventLoop& loop,
                                   asio::ip::tcp::socket socket, uint64_t cid)
    : server_(server),
      loop_(loop),
      socket_(std::move(socket)),
      cid_(cid),
      account_(&server.global_account()),
      max_payload_(server.opts().max_payload),
      max_subs_(server.opts().max_subscriptions > 0 ? server.opts().max_subscriptions : -1),
      parser_(server.opts().max_control_line),
      rbuf_(new char[kMinReadBuffer]),
      rcap_(kMinReadBuffer),
      start_ns_(wall_nanos()),
      queue_rand_(uint32_t(cid * 2654435761u) | 1u) {
  std::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    ip_ = ep.address().to_string();
    port_ = ep.port();
  }
  log_prefix_ = fmt::format("{}:{} - cid:{}", ip_, port_, cid_);
  account_->add_connection();  // "$G" has no connection limit of its own
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  last_activity_ns_.store(start_ns_, std::memory_order_relaxed);
}

ClientConnection::~ClientConnection() = default;

void ClientConnection::start() {
  const Options& o = server_.opts();
  auth_required_ = server_.auth_required();
  if (server_.authenticator().nonce_required()) nonce_ = crypto::random_nonce();
  const int64_t now = mono_nanos();
  last_in_ns_ = now;
  next_ping_ns_ = now + o.ping_interval.count();
  if (std::shared_ptr<const net::TlsContext> ctx = server_.tls_context()) {
    tls_ = std::make_unique<net::TlsSession>(std::move(ctx), socket_.native_handle());
    // The auth timer starts once the handshake is done (as in nats-server), so a slow handshake
    // is limited by the TLS timeout alone.
    if (o.tls_handshake_first) {
      // INFO goes out encrypted after the handshake, or in plain text when the fallback delay
      // passes without a word from the client.
      tls_phase_ =
          o.tls_handshake_first_fallback.count() > 0 ? TlsPhase::kAwaitFirst : TlsPhase::kHandshake;
      tls_deadline_ns_ =
          now + (tls_phase_ == TlsPhase::kAwaitFirst ? o.tls_handshake_first_fallback.count()
                                                     : o.tls_timeout.count());
    } else if (!send_info_then_await_tls(now)) {
      return;
    }
    arm_read();
    return;
  }
  start_auth_timer(now);
  send_proto(server_.client_info_line(*this));
  arm_read();
}

void ClientConnection::start_auth_timer(int64_t now) {
  if (auth_required_) connect_deadline_ns_ = now + server_.opts().auth_timeout.count();
}

bool ClientConnection::send_info_then_await_tls(int64_t now) {
  if (!send_info_now()) return false;
  const Options& o = server_.opts();
  tls_phase_ = o.allow_non_tls ? TlsPhase::kSniff : TlsPhase::kHandshake;
  tls_deadline_ns_ = now + o.tls_timeout.count();
  return true;
}

void ClientConnection::continue_in_plain_text(int64_t now) {
  tls_.reset();
  tls_phase_ = TlsPhase::kNone;
  tls_deadline_ns_ = 0;
  start_auth_timer(now);
}

bool ClientConnection::send_info_now() {
  const std::string info = server_.client_info_line(*this);
  if (tls_phase_ == TlsPhase::kReady) {
    send_proto(info);
    return true;
  }
  // A new socket's send buffer takes a few hundred bytes at once; anything else is broken.
  ssize_t n;
  do {
    n = ::write(socket_.native_handle(), info.data(), info.size());
  } while (n < 0 && errno == EINTR);
  if (n != ssize_t(info.size())) {
    close(ClosedState::kWriteError);
    return false;
  }
  out_bytes_.fetch_add(info.size(), std::memory_order_relaxed);
  info_sent_plain_ = true;
  return true;
}

// ---------------------------------------------------------------------------------------------
// TLS set-up

void ClientConnection::start_tls_handshake() {
  tls_phase_ = TlsPhase::kHandshake;
  tls_deadline_ns_ = mono_nanos() + server_.opts().tls_timeout.count();
  advance_tls();
}

void ClientConnection::advance_tls() {
  switch (tls_phase_) {
    case TlsPhase::kNone:
    case TlsPhase::kReady:
      return;
    case TlsPhase::kAwaitFirst:
      // The client spoke first: it is doing the handshake.
      start_tls_handshake();
      return;
    case TlsPhase::kSniff: {
      unsigned char first = 0;
      ssize_t n = ::recv(socket_.native_handle(), &first, 1, MSG_PEEK);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        arm_read();
        return;
      }
      if (n <= 0) {
        close(n == 0 ? ClosedState::kClientClosed : ClosedState::kReadError);
        return;
      }
      if (first == 0x16) {  // a TLS handshake record
        start_tls_handshake();
        return;
      }
      continue_in_plain_text(mono_nanos());
      on_readable();
      return;
    }
    case TlsPhase::kHandshake:
      break;
  }
  switch (tls_->handshake()) {
    case net::TlsIo::kDone:
      on_tls_established();
      return;
    case net::TlsIo::kWantRead:
      arm_read();
      return;
    case net::TlsIo::kWantWrite:
      arm_write();
      return;
    case net::TlsIo::kClosed:
    case net::TlsIo::kError:
      log_error("{} - TLS handshake error: {}", log_prefix_, tls_->last_error());
      close(ClosedState::kTLSHandshakeError);
      return;
  }
}

void ClientConnection::on_tls_established() {
  const Options& o = server_.opts();
  if (!o.tls_pinned_certs.empty()) {
    auto cert = tls_->peer_certificate();
    const bool pinned =
        cert != nullptr && std::find(o.tls_pinned_certs.begin(), o.tls_pinned_certs.end(),
                                     cert->subject_pk_sha256) != o.tls_pinned_certs.end();
    if (!pinned) {
      log_error("{} - TLS handshake error: certificate not pinned", log_prefix_);
      close(ClosedState::kTLSHandshakeError);
      return;
    }
  }
  tls_phase_ = TlsPhase::kReady;
  tls_version_ = tls_->version();
  tls_cipher_ = tls_->cipher_suite();
  log_debug("{} - TLS handshake complete", log_prefix_);
  log_debug("{} - TLS version {}, cipher suite {}", log_prefix_, tls_version_, tls_cipher_);
  start_auth_timer(mono_nanos());
  if (!info_sent_plain_ && !send_info_now()) return;
  // The client may have sent its CONNECT right behind the handshake; OpenSSL may hold it.
  on_readable();
}

// ---------------------------------------------------------------------------------------------
// Reading and parsing

void ClientConnection::arm_read() {
  socket_.async_wait(asio::socket_base::wait_read, [this](std::error_code ec) {
    if (ec || closed_) return;
    if (tls_phase_ != TlsPhase::kNone && tls_phase_ != TlsPhase::kReady) {
      advance_tls();
      return;
    }
    on_readable();
  });
}

ssize_t ClientConnection::read_some(char* buf, size_t cap) {
  if (!tls_) return ::read(socket_.native_handle(), buf, cap);
  net::TlsIo st;
  size_t n = tls_->read(buf, cap, st);
  if (n > 0) return ssize_t(n);
  switch (st) {
    case net::TlsIo::kDone:
    case net::TlsIo::kWantRead:
    case net::TlsIo::kWantWrite:  // a TLS 1.3 key update waiting to go out: retried with reads
      errno = EAGAIN;
      return -1;
    case net::TlsIo::kClosed:
      return 0;
    case net::TlsIo::kError:
      log_error("{} - TLS read error: {}", log_prefix_, tls_->last_error());
      errno = EIO;
      return -1;
  }
  return -1;
}

void ClientConnection::on_readable() {
  for (int reads = 0; reads < kMaxReadsPerWakeup; ++reads) {
    ssize_t n = read_some(rbuf_.get(), rcap_);
    if (n > 0) {
      last_in_ns_ = mono_nanos();
      if (!consume_input(rbuf_.get(), size_t(n))) return;
      if (out_batch_.stall) break;  // a consumer is behind: read no more for now
      // Adapt the read buffer to the traffic: double when a read fills it, halve after a few
      // short reads, as nats-server does.
      if (size_t(n) == rcap_) {
        short_reads_ = 0;
        if (rcap_ < kMaxReadBuffer) {
          rcap_ *= 2;
          rbuf_.reset(new char[rcap_]);
        }
        continue;  // probably more to read
      }
      if (size_t(n) < rcap_ / 2 && rcap_ > kMinReadBuffer && ++short_reads_ > kShortReadsToShrink) {
        rcap_ /= 2;
        rbuf_.reset(new char[rcap_]);
        short_reads_ = 0;
      }
      // A short read drains a socket, but TLS hands out one record per read while more may
      // already sit decrypted or read ahead inside OpenSSL.
      if (tls_ && tls_->has_buffered_input()) continue;
      break;  // the socket is drained
    }
    if (n == 0) {
      end_read_batch();
      close(ClosedState::kClientClosed);
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    end_read_batch();
    close(ClosedState::kReadError);
    return;
  }
  end_read_batch();
  if (out_batch_.stall) {
    stall_reads(std::move(out_batch_.stall));
    return;
  }
  if (tls_ && tls_->has_buffered_input()) {
    // Bytes OpenSSL already holds never make the socket readable again: come back for them
    // after the loop's other work, as a fairness bound was hit.
    loop_.post([this] {
      if (!closed_ && !reading_paused()) on_readable();
    });
    return;
  }
  arm_read();
}

void ClientConnection::stall_reads(std::shared_ptr<StallGate> gate) {
  out_batch_.stall.reset();
  server_.stats().stalls.fetch_add(1, std::memory_order_relaxed);
  if (!stall_timer_) stall_timer_ = std::make_unique<asio::steady_timer>(loop_.io());
  waiting_on_ = std::move(gate);
  stall_deadline_ns_ = mono_nanos() + kStallTotalNs;
  poll_stall();
}

void ClientConnection::poll_stall() {
  if (!waiting_on_->open.load(std::memory_order_acquire) && mono_nanos() < stall_deadline_ns_) {
    stall_timer_->expires_after(kStallPoll);
    // close() cancels the timer; the aborted wait runs before the connection is retired.
    stall_timer_->async_wait([this](std::error_code ec) {
      if (!ec && !closed_) poll_stall();
    });
    return;
  }
  waiting_on_.reset();
  if (closed_ || reading_paused()) return;
  on_readable();  // what arrived meanwhile, then back to waiting for the socket
}

void ClientConnection::maybe_open_stall_gate(bool closing) {
  if (!stall_gate_up_.load(std::memory_order_relaxed)) return;
  if (!closing && out_bytes_queued_.load(std::memory_order_relaxed) >
                      uint64_t(server_.opts().max_pending) / 4) {
    return;
  }
  std::shared_ptr<StallGate> gate;
  {
    std::lock_guard lock(out_mu_);
    gate = std::move(stall_gate_);
    stall_gate_up_.store(false, std::memory_order_relaxed);
  }
  if (gate) gate->open.store(true, std::memory_order_release);
}

bool ClientConnection::consume_input(const char* data, size_t n) {
  proto::ParseResult r = parser_.parse(data, n, *this);
  if (r.status == proto::ParseStatus::kStopped && reading_paused() && !closed_) {
    // A CONNECT is being checked: keep what followed it for when the verdict comes.
    held_input_.assign(data + r.consumed, n - r.consumed);
    end_read_batch();
    return false;
  }
  if (r.status != proto::ParseStatus::kOk) {
    end_read_batch();
    handle_parse_result(r);
    return false;
  }
  if (closed_) {
    end_read_batch();
    return false;
  }
  return true;
}

void ClientConnection::end_read_batch() {
  if (batch_in_msgs_ > 0) {
    in_msgs_.fetch_add(batch_in_msgs_, std::memory_order_relaxed);
    in_bytes_.fetch_add(batch_in_bytes_, std::memory_order_relaxed);
    server_.stats().in_msgs.fetch_add(batch_in_msgs_, std::memory_order_relaxed);
    server_.stats().in_bytes.fetch_add(batch_in_bytes_, std::memory_order_relaxed);
    last_activity_ns_.store(wall_nanos(), std::memory_order_relaxed);
    batch_in_msgs_ = batch_in_bytes_ = 0;
  }
  if (out_batch_.out_msgs > 0) {
    server_.stats().out_msgs.fetch_add(out_batch_.out_msgs, std::memory_order_relaxed);
    server_.stats().out_bytes.fetch_add(out_batch_.out_bytes, std::memory_order_relaxed);
    out_batch_.out_msgs = out_batch_.out_bytes = 0;
  }
  hand_off(out_batch_, loop_);
}

void ClientConnection::hand_off(DeliveryBatch& batch, net::EventLoop& current) {
  for (ClientConnection* c : batch.touched) {
    if (&c->loop_ == &current) {
      current.defer_to_batch_end(c);
    } else {
      c->loop_.schedule(c);
    }
  }
  batch.touched.clear();
}

void ClientConnection::handle_parse_result(const proto::ParseResult& r) {
  switch (r.status) {
    case proto::ParseStatus::kOk:
    case proto::ParseStatus::kStopped:
      return;
    case proto::ParseStatus::kUnknownOp:
      send_err("Unknown Protocol Operation");
      log_error("{} - Client parser ERROR", log_prefix_);
      close(ClosedState::kProtocolViolation);
      return;
    case proto::ParseStatus::kMaxControlLine:
      send_err("maximum control line exceeded");
      close(ClosedState::kMaxControlLineExceeded);
      return;
    case proto::ParseStatus::kProtocolError:
      log_error("{} - {}", log_prefix_, r.error);
      close(ClosedState::kProtocolViolation);
      return;
    case proto::ParseStatus::kAuthRequired:
      log_error("{} - authentication error", log_prefix_);
      send_err("Authorization Violation");
      close(ClosedState::kAuthenticationViolation);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Protocol operations

bool ClientConnection::on_connect(std::string_view json) {
  if (Logger::instance().trace_enabled()) trace_in("CONNECT", redact_connect(json));
  if (!apply_connect_json(json)) {
    log_error("{} - invalid CONNECT", log_prefix_);
    close(ClosedState::kProtocolViolation);
    return false;
  }
  headers_.store(connect_.headers, std::memory_order_relaxed);
  connect_received_ = true;
  connect_deadline_ns_ = 0;
  // A first estimate of the round trip until a PING measures it, as nats-server does.
  if (rtt_ns_.load(std::memory_order_relaxed) == 0)
    rtt_ns_.store(std::max<int64_t>(wall_nanos() - start_ns_, 1), std::memory_order_relaxed);

  // Choosing an account in CONNECT was an old sandbox feature; nats-server now refuses it.
  if (!connect_.account.empty()) {
    auth_violation();
    return false;
  }
  if (auth_required_) {
    std::unique_ptr<net::PeerCertificate> cert;
    if (tls_phase_ == TlsPhase::kReady && server_.opts().tls_map) cert = tls_->peer_certificate();
    const AuthRequest req{connect_.user, connect_.pass, connect_.auth_token, connect_.nkey,
                          connect_.sig,  nonce_,        cert.get()};
    const AuthDecision d = server_.authenticator().authenticate(req);
    if (d.from_certificate) {
      if (!connect_.user.empty() && connect_.user != d.user) {
        log_warn("User {} found in connect proto, but user required from cert",
                 go_quote(connect_.user));
      }
      connect_.user.assign(d.user);
    }
    // Logs and monitoring name the user the client became (or tried to), as nats-server does
    // for the no_auth_user.
    if (!d.user.empty() && !d.from_certificate) {
      std::string& field = d.is_nkey ? connect_.nkey : connect_.user;
      identity_implied_ = field.empty();
      if (identity_implied_) field.assign(d.user);
    }
    switch (d.status) {
      case AuthStatus::kRejected:
        auth_violation();
        return false;
      case AuthStatus::kCheckPassword:
        // Stops the parser either way: after the check, or after the violation.
        check_for_reload_ = false;
        if (!start_password_check(d)) auth_violation();
        return false;
      case AuthStatus::kAccepted:
        if (!accept_identity(d)) return false;
        break;
    }
  }
  return finish_connect();
}

bool ClientConnection::finish_connect() {
  if (connect_.protocol < 0 || connect_.protocol > 1) {
    send_err("invalid client protocol");
    close(ClosedState::kBadClientProtocolVersion);
    return false;
  }
  if (connect_.no_responders && !connect_.headers) {
    send_err("no responders requires headers support");
    close(ClosedState::kNoRespondersRequiresHeaders);
    return false;
  }
  if (connect_.verbose) send_ok();
  if (!announced_) {
    if (SystemAccount* sys = server_.system_account()) {
      announced_ = true;
      sys->client_connected(*this);
    }
  }
  return true;
}

bool ClientConnection::start_password_check(const AuthDecision& d) {
  pending_decision_ = d;
  pending_auth_ = std::make_shared<PendingAuth>(PendingAuth{this});
  // The job owns copies of what it needs; the connection may close (and be freed) meanwhile.
  auto job = [token = pending_auth_, loop = &loop_, auth = &server_.authenticator(),
              hash = std::string(d.hash), secret = std::string(d.secret)]() mutable {
    const bool ok = auth->verify_password(hash, secret);
    sodium_memzero(secret.data(), secret.size());
    loop->post([token = std::move(token), ok] {
      if (token->conn != nullptr) token->conn->on_password_verdict(ok);
    });
  };
  if (server_.submit_blocking(std::move(job))) return true;
  pending_auth_.reset();
  log_error("{} - no worker to check the password", log_prefix_);
  return false;
}

void ClientConnection::on_password_verdict(bool ok) {
  pending_auth_.reset();
  if (closed_) return;
  if (!ok) {
    auth_violation();
    return;
  }
  if (check_for_reload_) {
    check_for_reload_ = false;
    apply_reauthorization(pending_decision_);
    return;
  }
  if (!accept_identity(pending_decision_)) return;
  if (!finish_connect()) return;
  resume_reading();
  if (reauth_after_verdict_) {
    reauth_after_verdict_ = false;
    reauthorize();
  }
}

void ClientConnection::reauthorize() {
  if (closed_) return;
  const Authenticator& auth = server_.authenticator();
  if (!connect_received_) {
    // Not authenticated yet: the CONNECT will meet the new rules. If they now demand
    // credentials, the usual auth timeout applies from here.
    const bool was_required = auth_required_;
    auth_required_ = auth.auth_required();
    if (!was_required) start_auth_timer(mono_nanos());
    return;
  }
  if (pending_auth_ != nullptr) {
    if (!check_for_reload_) reauth_after_verdict_ = true;
    return;  // a reload-time check in flight: its verdict is as good as a new one
  }
  // A client that logged in as a configured user or nkey which is gone, or now belongs to
  // another account, is closed without an error, as nats-server does.
  const bool named_nkey = !connect_.nkey.empty();
  if ((named_nkey || !connect_.user.empty()) && (auth.has_identities() || perms_ != nullptr)) {
    auto account = auth.identity_account(named_nkey ? connect_.nkey : connect_.user, named_nkey);
    const std::string_view current =
        account_->name() == kGlobalAccountName ? std::string_view() : account_->name();
    const std::string_view next =
        account && *account == kGlobalAccountName ? std::string_view() : account.value_or("");
    if (!account || next != current) {
      close(ClosedState::kClientClosed);
      return;
    }
  }
  auth_required_ = auth.auth_required();
  if (!auth_required_) {
    AuthDecision open;
    open.status = AuthStatus::kAccepted;
    apply_reauthorization(open);
    return;
  }
  std::unique_ptr<net::PeerCertificate> cert;
  if (tls_phase_ == TlsPhase::kReady && server_.opts().tls_map) cert = tls_->peer_certificate();
  const std::string_view user = identity_implied_ ? std::string_view() : connect_.user;
  const std::string_view nkey = identity_implied_ ? std::string_view() : connect_.nkey;
  const AuthRequest req{user,         connect_.pass, connect_.auth_token, nkey,
                        connect_.sig, nonce_,        cert.get()};
  const AuthDecision d = auth.authenticate(req);
  switch (d.status) {
    case AuthStatus::kRejected:
      auth_violation();
      return;
    case AuthStatus::kCheckPassword:
      check_for_reload_ = true;
      if (!start_password_check(d)) auth_violation();
      return;
    case AuthStatus::kAccepted:
      apply_reauthorization(d);
      return;
  }
}

void ClientConnection::apply_reauthorization(const AuthDecision& d) {
  if (d.from_certificate) connect_.user.assign(d.user);
  // Same account (a move closed the client above); this also re-reads the limits.
  if (!accept_identity(d)) return;
  std::vector<Subscription*> refused;
  for (auto& [sid, sub] : subs_) {
    if (perms_ != nullptr && !perms_->rules().can_subscribe(sub->subject, sub->queue)) {
      refused.push_back(sub.get());
      continue;
    }
    // The deny clauses checked at delivery follow the new permissions. Producers on other
    // loops may hold the old list until their batch ends, so it is retired, not deleted.
    auto filter = perms_ != nullptr ? perms_->rules().delivery_deny_filter(sub->subject, sub->queue)
                                    : nullptr;
    const auto* old = sub->deny_filter.exchange(filter.release(), std::memory_order_acq_rel);
    if (old != nullptr) loop_.retire(const_cast<std::vector<std::string>*>(old));
  }
  for (Subscription* sub : refused) {
    if (sub->is_queue()) {
      send_err(fmt::format("Permissions Violation for Subscription to {} using queue {} (sid {})",
                           go_quote(sub->subject), go_quote(sub->queue), go_quote(sub->sid)));
      log_notice("Removed sub {} using queue {} (sid {}) for {} - not authorized",
                 go_quote(sub->subject), go_quote(sub->queue), go_quote(sub->sid),
                 auth_user_label());
    } else {
      send_err(fmt::format("Permissions Violation for Subscription to {} (sid {})",
                           go_quote(sub->subject), go_quote(sub->sid)));
      log_notice("Removed sub {} (sid {}) for {} - not authorized", go_quote(sub->subject),
                 go_quote(sub->sid), auth_user_label());
    }
    remove_sub(sub);
  }
}

void ClientConnection::resume_reading() {
  std::string input;
  input.swap(held_input_);
  if (!input.empty() && !consume_input(input.data(), input.size())) return;
  end_read_batch();
  arm_read();
}

bool ClientConnection::accept_identity(const AuthDecision& d) {
  if (!join_account(d.account)) return false;
  if (d.permissions != nullptr) {
    perms_ = std::make_unique<ClientPermissions>(*d.permissions);
  } else {
    perms_.reset();
  }
  std::lock_guard lock(out_mu_);
  track_replies_ = perms_ != nullptr && perms_->tracks_responses();
  if (!track_replies_) delivered_replies_.clear();
  return true;
}

std::string ClientConnection::auth_user_label() const {
  if (!connect_.nkey.empty()) return fmt::format("Nkey {}", go_quote(connect_.nkey));
  if (!connect_.user.empty()) return fmt::format("User {}", go_quote(connect_.user));
  if (!connect_.auth_token.empty()) return "Token \"[REDACTED]\"";
  return "User \"N/A\"";
}

void ClientConnection::auth_violation() {
  // nats-server names who failed when the client said who it was.
  if (!connect_.nkey.empty() || !connect_.user.empty() || !connect_.auth_token.empty()) {
    log_error("{} - authentication error - {}", log_prefix_, auth_user_label());
  } else {
    log_error("{} - authentication error", log_prefix_);
  }
  if (SystemAccount* sys = server_.system_account()) sys->auth_error(*this);
  send_err("Authorization Violation");
  close(ClosedState::kAuthenticationViolation);
}

bool ClientConnection::publish_permitted(std::string_view subject) {
  if (perms_->publish_allowed(subject)) return true;
  if (!perms_->tracks_responses()) return false;
  take_delivered_replies();
  return perms_->response_allowed(subject, mono_nanos());
}

void ClientConnection::take_delivered_replies() {
  {
    std::lock_guard lock(out_mu_);
    if (delivered_replies_.empty()) return;
    replies_spare_.swap(delivered_replies_);
  }
  if (perms_ != nullptr) {
    for (const DeliveredReply& r : replies_spare_) perms_->add_reply(r.subject, r.at_ns);
  }
  replies_spare_.clear();
}

bool ClientConnection::apply_connect_json(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  for (auto& [key, v] : j.items()) {
    bool* flag = key == "verbose"         ? &connect_.verbose
                 : key == "pedantic"      ? &connect_.pedantic
                 : key == "tls_required"  ? &connect_.tls_required
                 : key == "echo"          ? &connect_.echo
                 : key == "headers"       ? &connect_.headers
                 : key == "no_responders" ? &connect_.no_responders
                                          : nullptr;
    if (flag != nullptr) {
      if (v.is_null()) continue;
      if (!v.is_boolean()) return false;
      *flag = v.get<bool>();
      continue;
    }
    std::string* text = key == "auth_token" ? &connect_.auth_token
                        : key == "user"     ? &connect_.user
                        : key == "pass"     ? &connect_.pass
                        : key == "name"     ? &connect_.name
                        : key == "lang"     ? &connect_.lang
                        : key == "version"  ? &connect_.version
                        : key == "sig"      ? &connect_.sig
                        : key == "jwt"      ? &connect_.jwt
                        : key == "nkey"     ? &connect_.nkey
                        : key == "account"  ? &connect_.account
                                            : nullptr;
    if (text != nullptr) {
      if (v.is_null()) continue;
      if (!v.is_string()) return false;
      *text = v.get<std::string>();
      continue;
    }
    if (key == "new_account") {
      if (v.is_null()) continue;
      if (!v.is_boolean()) return false;
      if (v.get<bool>()) connect_.account = "*";
      continue;
    }
    if (key == "protocol") {
      if (v.is_null()) continue;
      if (!v.is_number_integer()) return false;
      connect_.protocol = v.get<int>();
    }
  }
  return true;
}

bool ClientConnection::on_pub(const proto::PubArgs& a) {
  if (a.has_headers() && !connect_.headers) {
    log_error("{} - message headers not supported", log_prefix_);
    close(ClosedState::kProtocolViolation);
    return false;
  }
  const int64_t max_payload = max_payload_;
  if (a.total_len > max_payload) {
    log_error("{} - maximum payload exceeded: {} vs {}", log_prefix_, a.total_len, max_payload);
    send_err("Maximum Payload Violation");
    close(ClosedState::kMaxPayloadExceeded);
    return false;
  }
  if (connect_.pedantic && !is_valid_literal_subject(a.subject))
    send_err("Invalid Publish Subject");
  return true;
}

bool ClientConnection::on_msg(const proto::PubArgs& a, std::string_view msg) {
  if (Logger::instance().trace_enabled()) {
    std::string arg(a.subject);
    if (!a.reply.empty()) arg.append(" ").append(a.reply);
    if (a.has_headers()) arg.append(" ").append(a.header_len_text);
    arg.append(" ").append(a.total_len_text);
    trace_in(a.has_headers() ? "HPUB" : "PUB", arg);
    trace_payload("<<-", msg);
  }
  process_pub(a, msg);
  return !closed_;
}

void ClientConnection::process_pub(const proto::PubArgs& a, std::string_view msg) {
  ++batch_in_msgs_;
  batch_in_bytes_ += msg.size();
  // Mappings rewrite the subject before anything looks at it (client_connection_imports.cc).
  if (account_->has_mappings()) [[unlikely]] {
    publish_mapped(a, msg);
    return;
  }
  publish(a, msg);
}

void ClientConnection::publish(const proto::PubArgs& a, std::string_view msg) {
  if (perms_ != nullptr && perms_->restricts_publish() && !publish_permitted(a.subject)) {
    log_error("{} - Publish Violation - {}, Subject {}", log_prefix_, auth_user_label(),
              go_quote(a.subject));
    send_err(fmt::format("Permissions Violation for Publish to {}", go_quote(a.subject)));
    return;
  }
  // Reply subjects of service imports belong to the server.
  if (!a.reply.empty() && is_service_reply(a.reply)) {
    log_error("{} - Publish Violation - Reply {}", log_prefix_, go_quote(a.reply));
    send_err(fmt::format("Permissions Violation for Publish with Reply of {}", go_quote(a.reply)));
    return;
  }
  if (connect_.verbose) send_ok();

  // Per-connection cache of match results, dropped whenever the sublist changes.
  Sublist& sl = account_->sublist();
  const uint64_t gen = sl.generation();
  if (gen != match_cache_gen_) {
    match_cache_.clear();
    match_cache_gen_ = gen;
  }
  const SublistResult* r;
  if (auto it = match_cache_.find(a.subject); it != match_cache_.end()) {
    r = &it->second->result;
  } else {
    // Empty results are cached too: publishing to a subject nobody listens on is common
    // (telemetry, no-responder probes) and should not cost a sublist walk each time.
    if (match_cache_.size() >= kMaxMatchCacheEntries) match_cache_.clear();
    auto entry = std::make_unique<CachedResult>();
    sl.match(a.subject, entry->result);
    r = &entry->result;
    match_cache_.emplace(std::string(a.subject), std::move(entry));
  }

  const bool delivered = deliver_matches(*r, a, msg, 0);
  if (!delivered && !a.reply.empty() && connect_.no_responders) {
    deliver_no_responders(a.reply, a.subject);
  }
}

bool ClientConnection::deliver_result(const SublistResult& r, const proto::PubArgs& a,
                                      std::string_view msg, int import_depth) {
  return deliver_matches(r, a, msg, import_depth);
}

// The delivery loop itself, inlined into publish() so the plain message path makes no extra
// call; deliver_result() is the copy the account paths use.
[[gnu::always_inline]] inline bool ClientConnection::deliver_matches(const SublistResult& r,
                                                                     const proto::PubArgs& a,
                                                                     std::string_view msg,
                                                                     int import_depth) {
  bool delivered = false;
  for (Subscription* s : r.psubs) {
    ClientConnection* c = s->client;
    if (c == nullptr) {
      // Internal: a service import or an exporter's service replies.
      delivered |= route_internal(*s, a, msg, import_depth);
      continue;
    }
    if (c == this && !connect_.echo) continue;
    if (s->delivery_denied(a.subject)) continue;
    if (s->stream_import != nullptr) {
      // A stream import's shadow; never for messages that came in through a service import.
      if (import_depth == 0) delivered |= deliver_to_shadow(*s, a, msg);
      continue;
    }
    c->deliver(s, a, msg, out_batch_);
    delivered = true;
  }
  for (const auto& group : r.qsubs) {
    if (group.empty()) continue;
    // xorshift32: a cheap, per-connection random start spreads load across members.
    queue_rand_ ^= queue_rand_ << 13;
    queue_rand_ ^= queue_rand_ >> 17;
    queue_rand_ ^= queue_rand_ << 5;
    const size_t n = group.size();
    const size_t start = queue_rand_ % n;
    for (size_t k = 0; k < n; ++k) {
      Subscription* s = group[(start + k) % n];
      ClientConnection* c = s->client;
      if (c == nullptr || s->closed.load(std::memory_order_relaxed)) continue;
      if (c == this && !connect_.echo) continue;
      // A member whose subscribe deny clauses refuse the subject passes it to the next one.
      if (s->delivery_denied(a.subject)) continue;
      const uint64_t max = s->max_msgs.load(std::memory_order_relaxed);
      if (max != 0 && s->delivered.load(std::memory_order_relaxed) >= max) continue;
      if (s->stream_import != nullptr) {
        if (import_depth > 0) continue;
        delivered |= deliver_to_shadow(*s, a, msg);
        break;
      }
      c->deliver(s, a, msg, out_batch_);
      delivered = true;
      break;
    }
  }
  return delivered;
}

void ClientConnection::deliver_no_responders(std::string_view reply, std::string_view subject) {
  SublistResult rr;
  account_->sublist().match(reply, rr);
  for (Subscription* s : rr.psubs) {
    if (s->client != this) continue;
    // A status-only header block: "NATS/1.0 503\r\n\r\n" is 16 bytes.
    std::string line = "HMSG ";
    line.append(reply).append(" ").append(s->sid).append(" 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
    send_proto(line);
    return;
  }
}

void ClientConnection::deliver(Subscription* sub, const proto::PubArgs& a, std::string_view msg,
                               DeliveryBatch& producer) {
  std::string_view header_size = a.header_len_text;
  std::string_view total_size = a.total_len_text;
  char stripped_size[24];
  if (a.header_len == 0) {
    header_size = {};  // an empty header block is delivered as a plain MSG, as nats-server does
  } else if (a.has_headers() && !headers_.load(std::memory_order_relaxed)) {
    // A client that did not ask for headers gets the payload alone, as a MSG.
    msg.remove_prefix(size_t(a.header_len));
    header_size = {};
    total_size = std::string_view(
        stripped_size, size_t(proto::write_uint(stripped_size, msg.size()) - stripped_size));
  }
  const std::string_view subject = a.subject, reply = a.reply;
  const size_t line_max = proto::msg_line_max_len(subject, sub->sid, reply);
  const bool tracing = Logger::instance().trace_enabled();
  std::string traced_line;  // the MSG line as written, for the trace
  size_t total;
  {
    std::lock_guard lock(out_mu_);
    if (out_closed_ || requested_close_ != ClosedState::kNone) return;
    // The delivery count is only written under the owner's out_mu_, so a plain load and
    // store suffice; an atomic read-modify-write here would cost every message.
    const uint64_t max = sub->max_msgs.load(std::memory_order_relaxed);
    const uint64_t count = sub->delivered.load(std::memory_order_relaxed) + 1;
    if (max != 0 && count > max) return;
    sub->delivered.store(count, std::memory_order_relaxed);
    const bool finished = max != 0 && count == max;
    // Small payloads go in the same reservation as their MSG line: one copy, one commit.
    const bool inline_payload = msg.size() <= kInlinePayloadCopy;
    char* p = pending_.reserve(line_max + (inline_payload ? msg.size() + 2 : 0));
    const size_t n = proto::write_msg_line(p, subject, sub->sid, reply, header_size, total_size);
    if (tracing) traced_line.assign(p, n - 2);
    total = n + msg.size() + 2;
    if (inline_payload) {
      std::memcpy(p + n, msg.data(), msg.size());
      p[n + msg.size()] = '\r';
      p[n + msg.size() + 1] = '\n';
      pending_.commit(total);
    } else {
      pending_.commit(n);
      pending_.append(msg);
      pending_.append("\r\n");
    }
    if (finished) finished_subs_.push_back(sub);
    if (track_replies_ && !reply.empty())
      delivered_replies_.push_back({std::string(reply), mono_nanos()});
    // Written only under out_mu_: load+store, no read-modify-write.
    out_msgs_.store(out_msgs_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    out_bytes_.store(out_bytes_.load(std::memory_order_relaxed) + msg.size(),
                     std::memory_order_relaxed);
    const uint64_t queued = out_bytes_queued_.fetch_add(total, std::memory_order_relaxed) + total;
    const uint64_t max_pending = uint64_t(server_.opts().max_pending);
    if (queued > max_pending) {
      requested_close_ = ClosedState::kSlowConsumerPendingBytes;
    } else if (queued > max_pending / 4 * 3 && !server_.opts().no_fast_producer_stall) {
      if (!stall_gate_) {
        stall_gate_ = std::make_shared<StallGate>();
        stall_gate_up_.store(true, std::memory_order_relaxed);
      }
      if (!producer.stall) producer.stall = stall_gate_;
    }
    if (!flush_queued_) {
      flush_queued_ = true;
      producer.touched.push_back(this);
    }
  }
  if (tracing && !traced_line.empty()) {
    const size_t space = traced_line.find(' ');
    trace_out(std::string_view(traced_line).substr(0, space),
              std::string_view(traced_line).substr(space + 1));
    trace_payload("->>", msg);
  }
  // Server totals are summed by the producer and published once per read batch: a shared
  // atomic per message would bounce one cache line between all loops.
  ++producer.out_msgs;
  producer.out_bytes += msg.size();
}

bool ClientConnection::on_sub(std::string_view subject, std::string_view queue,
                              std::string_view sid) {
  if (Logger::instance().trace_enabled()) {
    std::string arg(subject);
    if (!queue.empty()) arg.append(" ").append(queue);
    arg.append(" ").append(sid);
    trace_in("SUB", arg);
  }
  if (perms_ != nullptr && !perms_->rules().can_subscribe(subject, queue)) {
    if (queue.empty()) {
      log_error("{} - Subscription Violation - {}, Subject {}, SID {}", log_prefix_,
                auth_user_label(), go_quote(subject), sid);
      send_err(fmt::format("Permissions Violation for Subscription to {}", go_quote(subject)));
    } else {
      log_error("{} - Subscription Violation - {}, Subject {}, Queue: {}, SID {}", log_prefix_,
                auth_user_label(), go_quote(subject), go_quote(queue), sid);
      send_err(fmt::format("Permissions Violation for Subscription to {} using queue {}",
                           go_quote(subject), go_quote(queue)));
    }
    return true;
  }
  if (max_subs_ >= 0 && int64_t(subs_.size()) >= max_subs_) {
    log_error("{} - maximum subscriptions exceeded", log_prefix_);
    send_err("maximum subscriptions exceeded");
    return true;
  }
  if (subs_.contains(sid)) {
    if (connect_.verbose) send_ok();
    return true;
  }
  auto sub = std::make_unique<Subscription>();
  sub->client = this;
  sub->subject.assign(subject);
  sub->queue.assign(queue);
  sub->sid.assign(sid);
  if (perms_ != nullptr) {
    sub->deny_filter.store(perms_->rules().delivery_deny_filter(subject, queue).release(),
                           std::memory_order_relaxed);
  }
  if (account_->sublist().insert(sub.get()) != SublistStatus::kOk) {
    send_err("Invalid Subject");
    return true;
  }
  Subscription* added = sub.get();
  subs_.emplace(sub->sid, std::move(sub));
  // Stream imports covering the subject put shadows in the exporters (imports file).
  if (account_->has_stream_imports()) add_shadow_subscriptions(*added);
  if (connect_.verbose) send_ok();
  return true;
}

bool ClientConnection::on_unsub(std::string_view sid, int64_t max) {
  if (Logger::instance().trace_enabled())
    trace_in("UNSUB", max >= 0 ? std::string(sid) + " " + std::to_string(max) : std::string(sid));
  auto it = subs_.find(sid);
  if (it != subs_.end()) {
    Subscription* s = it->second.get();
    bool keep = false;
    if (max > 0) {
      std::lock_guard lock(out_mu_);  // deliveries count under it
      keep = uint64_t(max) > s->delivered.load(std::memory_order_relaxed);
      if (keep) s->max_msgs.store(uint64_t(max), std::memory_order_relaxed);
    }
    if (!keep) remove_sub(s);
  }
  if (connect_.verbose) send_ok();
  return true;
}

void ClientConnection::remove_sub(Subscription* s) {
  auto it = subs_.find(s->sid);
  if (it == subs_.end() || it->second.get() != s) return;
  s->closed.store(true, std::memory_order_relaxed);
  account_->sublist().remove(s);
  if (!s->shadows.empty()) remove_shadow_subscriptions(*s);
  loop_.retire(it->second.release());
  subs_.erase(it);
}

void ClientConnection::reap_finished_subs() {
  std::vector<Subscription*> done;
  {
    std::lock_guard lock(out_mu_);
    done.swap(finished_subs_);
  }
  for (Subscription* s : done) remove_sub(s);
}

bool ClientConnection::on_ping() {
  if (Logger::instance().trace_enabled()) {
    trace_in("PING", {});
    trace_out("PONG", {});
  }
  send_proto("PONG\r\n");
  return true;
}

bool ClientConnection::on_pong() {
  if (Logger::instance().trace_enabled()) trace_in("PONG", {});
  pings_out_ = 0;
  if (ping_sent_ns_ != 0) {
    rtt_ns_.store(mono_nanos() - ping_sent_ns_, std::memory_order_relaxed);
    ping_sent_ns_ = 0;
  }
  return true;
}

bool ClientConnection::on_err(std::string_view text) {
  log_error("{} - Client Error {}", log_prefix_, text);
  close(ClosedState::kParseError);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Writing

void ClientConnection::send_proto(std::string_view line) {
  {
    std::lock_guard lock(out_mu_);
    if (out_closed_) return;
    pending_.append(line);
    out_bytes_queued_.fetch_add(line.size(), std::memory_order_relaxed);
    if (flush_queued_) return;
    flush_queued_ = true;
  }
  loop_.defer_to_batch_end(this);
}

void ClientConnection::send_err(std::string_view err) {
  if (Logger::instance().trace_enabled()) trace_out("-ERR", "'" + std::string(err) + "'");
  std::string line = "-ERR '";
  line.append(err).append("'\r\n");
  send_proto(line);
}

void ClientConnection::send_ok() {
  if (Logger::instance().trace_enabled()) trace_out("OK", {});
  send_proto("+OK\r\n");
}

void ClientConnection::trace_in(std::string_view op, std::string_view arg) const {
  if (arg.empty()) {
    log_trace("{} - <<- [{}]", log_prefix_, op);
  } else {
    log_trace("{} - <<- [{} {}]", log_prefix_, op, arg);
  }
}

void ClientConnection::trace_out(std::string_view op, std::string_view arg) const {
  if (arg.empty()) {
    log_trace("{} - ->> [{}]", log_prefix_, op);
  } else {
    log_trace("{} - ->> [{} {}]", log_prefix_, op, arg);
  }
}

void ClientConnection::trace_payload(std::string_view direction, std::string_view msg) const {
  if (msg.empty()) return;  // nats-server does not trace empty payloads
  const size_t max = size_t(server_.opts().max_traced_msg_len);
  if (max > 0 && msg.size() > max) {
    std::string q = go_quote(msg.substr(0, max));
    log_trace("{} - {} MSG_PAYLOAD: [\"{}...\"]", log_prefix_, direction,
              std::string_view(q).substr(1, q.size() - 2));
  } else {
    log_trace("{} - {} MSG_PAYLOAD: [{}]", log_prefix_, direction, go_quote(msg));
  }
}

void ClientConnection::run_remote_work() {
  if (closed_) return;
  ClosedState reason;
  bool reap, replies;
  {
    std::lock_guard lock(out_mu_);
    flush_queued_ = false;
    writing_.splice(pending_);
    reason = requested_close_;
    reap = !finished_subs_.empty();
    replies = !delivered_replies_.empty();
  }
  if (reason != ClosedState::kNone) {
    if (reason == ClosedState::kSlowConsumerPendingBytes) {
      server_.stats().slow_consumers.fetch_add(1, std::memory_order_relaxed);
      log_notice("{} - Slow Consumer Detected: MaxPending of {} Exceeded", log_prefix_,
                 server_.opts().max_pending);
    }
    close(reason);
    return;
  }
  if (reap) reap_finished_subs();
  // Keeps the recorded replies bounded by one batch even if the client never publishes.
  if (replies) take_delivered_replies();
  flush();
}

void ClientConnection::flush() {
  if (write_blocked_ || closed_) return;
  // Nothing but the handshake may cross the wire until TLS is up.
  if (tls_phase_ != TlsPhase::kNone && tls_phase_ != TlsPhase::kReady) return;
  if (!writing_.empty()) last_activity_ns_.store(wall_nanos(), std::memory_order_relaxed);
  const bool all_written = write_pending();
  maybe_open_stall_gate(closed_);
  if (all_written || closed_) return;
  write_blocked_ = true;
  write_blocked_since_ns_ = mono_nanos();
  arm_write();
}

bool ClientConnection::write_pending() {
  iovec iov[kMaxIovecs];
  // With TLS, encrypted bytes may still wait in the session even when writing_ is empty.
  while (!writing_.empty() || (tls_ && tls_->pending_ciphertext() > 0)) {
    int cnt = writing_.gather(iov, kMaxIovecs);
    if (tls_) {
      net::TlsIo st;
      size_t n = tls_->write(iov, cnt, st);
      writing_.consume(n);
      out_bytes_queued_.fetch_sub(uint64_t(n), std::memory_order_relaxed);
      if (st == net::TlsIo::kDone) continue;
      if (st == net::TlsIo::kWantWrite || st == net::TlsIo::kWantRead) return false;
      log_error("{} - TLS write error: {}", log_prefix_, tls_->last_error());
      close(ClosedState::kWriteError);
      return false;
    }
    ssize_t n = ::writev(socket_.native_handle(), iov, cnt);
    if (n > 0) {
      writing_.consume(size_t(n));
      out_bytes_queued_.fetch_sub(uint64_t(n), std::memory_order_relaxed);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    close(ClosedState::kWriteError);
    return false;
  }
  return true;
}

void ClientConnection::arm_write() {
  socket_.async_wait(asio::socket_base::wait_write, [this](std::error_code ec) {
    if (ec || closed_) return;
    if (tls_phase_ == TlsPhase::kHandshake) {
      advance_tls();
      return;
    }
    write_blocked_ = false;
    flush();
  });
}

// ---------------------------------------------------------------------------------------------
// Lifetime

void ClientConnection::close(ClosedState reason) {
  if (closed_) return;
  closed_ = true;
  if (pending_auth_) {
    // The verdict may still arrive; it must not find this connection.
    pending_auth_->conn = nullptr;
    pending_auth_.reset();
  }
  held_input_.clear();
  if (stall_timer_) stall_timer_->cancel();
  maybe_open_stall_gate(true);  // producers waiting for us go on at once
  // Monitoring: remember it for /connz?state=closed while its subscriptions still exist.
  server_.closed_clients().add(*this, reason);
  {
    std::lock_guard lock(out_mu_);
    out_closed_ = true;
    writing_.splice(pending_);
    delivered_replies_.clear();
  }
  // Give queued protocol (an -ERR, say) one non-blocking chance to reach the client. A slow
  // consumer gets nothing more: its socket is what is full.
  const bool tls_up = tls_phase_ == TlsPhase::kReady;
  if (reason != ClosedState::kSlowConsumerPendingBytes &&
      reason != ClosedState::kSlowConsumerWriteDeadline && !writing_.empty() &&
      (tls_phase_ == TlsPhase::kNone || tls_up)) {
    iovec iov[kMaxIovecs];
    int cnt = writing_.gather(iov, kMaxIovecs);
    if (tls_up) {
      net::TlsIo st;
      tls_->write(iov, cnt, st);
    } else {
      [[maybe_unused]] ssize_t n = ::writev(socket_.native_handle(), iov, cnt);
    }
  }
  writing_.clear();
  if (tls_up) tls_->shutdown();

  std::vector<Subscription*> subs;
  subs.reserve(subs_.size());
  for (auto& [sid, s] : subs_) {
    s->closed.store(true, std::memory_order_relaxed);
    subs.push_back(s.get());
  }
  if (!subs.empty()) account_->sublist().remove_batch(subs);
  for (auto& [sid, s] : subs_) {
    if (!s->shadows.empty()) remove_shadow_subscriptions(*s);
    loop_.retire(s.release());
  }
  account_->remove_connection();
  subs_.clear();
  match_cache_.clear();
  if (SystemAccount* sys = server_.system_account())
    sys->client_disconnected(*this, reason, announced_);

  std::error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_both, ec);
  socket_.close(ec);
  server_.client_closed(*this, reason);
  loop_.retire(this);
}

void ClientConnection::housekeeping(int64_t now) {
  if (closed_) return;
  const Options& o = server_.opts();
  if (tls_deadline_ns_ != 0 && now >= tls_deadline_ns_) {
    switch (tls_phase_) {
      case TlsPhase::kAwaitFirst:
        // handshake_first with fallback: a silent client gets INFO and the usual TLS upgrade.
        if (!send_info_then_await_tls(now)) return;
        break;
      case TlsPhase::kSniff:
        // Silent for the whole TLS timeout: nats-server then takes it for a plain client.
        continue_in_plain_text(now);
        break;
      case TlsPhase::kHandshake:
        log_error("{} - TLS handshake timeout", log_prefix_);
        close(ClosedState::kTLSHandshakeError);
        return;
      case TlsPhase::kNone:
      case TlsPhase::kReady:
        tls_deadline_ns_ = 0;
        break;
    }
  }
  if (connect_deadline_ns_ != 0 && !connect_received_ && now >= connect_deadline_ns_) {
    send_err("Authentication Timeout");
    close(ClosedState::kAuthenticationTimeout);
    return;
  }
  if (write_blocked_ && now - write_blocked_since_ns_ > o.write_deadline.count()) {
    server_.stats().slow_consumers.fetch_add(1, std::memory_order_relaxed);
    log_notice(
        "{} - Slow Consumer Detected: WriteDeadline of {} exceeded with {} "
        "total bytes.",
        log_prefix_, go_duration(o.write_deadline.count()), writing_.size());
    close(ClosedState::kSlowConsumerWriteDeadline);
    return;
  }
  if (now >= next_ping_ns_) {
    const int64_t interval = o.ping_interval.count();
    next_ping_ns_ = now + interval;
    // Traffic from the client in the last interval proves it is alive.
    if (now - last_in_ns_ < interval && pings_out_ == 0) return;
    if (pings_out_ + 1 > o.max_pings_out) {
      log_debug("{} - Stale Client Connection - Closing", log_prefix_);
      server_.stats().stale_connections.fetch_add(1, std::memory_order_relaxed);
      send_err("Stale Connection");
      close(ClosedState::kStaleConnection);
      return;
    }
    ++pings_out_;
    ping_sent_ns_ = now;
    if (Logger::instance().trace_enabled()) trace_out("PING", {});
    send_proto("PING\r\n");
  }
}

ConnInfo ClientConnection::conn_info(bool with_subs) const {
  ConnInfo ci;
  ci.cid = cid_;
  ci.ip = ip_;
  ci.port = port_;
  ci.start_ns = start_ns_;
  ci.last_activity_ns = last_activity_ns_.load(std::memory_order_relaxed);
  ci.rtt_ns = rtt_ns_.load(std::memory_order_relaxed);
  ci.pending_bytes = out_bytes_queued_.load(std::memory_order_relaxed);
  ci.in_msgs = in_msgs_.load(std::memory_order_relaxed);
  ci.out_msgs = out_msgs_.load(std::memory_order_relaxed);
  ci.in_bytes = in_bytes_.load(std::memory_order_relaxed);
  ci.out_bytes = out_bytes_.load(std::memory_order_relaxed);
  ci.num_subs = uint32_t(subs_.size());
  ci.name = connect_.name;
  ci.lang = connect_.lang;
  ci.version = connect_.version;
  if (tls_phase_ == TlsPhase::kReady) {
    ci.tls_version = tls_version_;
    ci.tls_cipher_suite = tls_cipher_;
    ci.tls_first = !info_sent_plain_;
    if (auto pc = tls_->peer_certificate()) {
      ci.tls_peer_certs.push_back({pc->subject, pc->subject_pk_sha256, pc->cert_sha256});
    }
  }
  ci.user = connect_.user;
  ci.account = account_->name();
  if (with_subs) {
    ci.subs.reserve(subs_.size());
    for (const auto& [sid, sub] : subs_) ci.subs.push_back(sub->subject);
  }
  return ci;
}

void ClientConnection::reject_max_connections() {
  // As nats-server, before any TLS handshake: the -ERR follows the INFO in plain text.
  tls_.reset();
  tls_phase_ = TlsPhase::kNone;
  close_over_limit();
}

void ClientConnection::close_over_limit() {
  send_err("maximum connections exceeded");
  close(ClosedState::kMaxConnectionsExceeded);
}

void ClientConnection::send_lame_duck_info() {
  if (closed_ || connect_.protocol < 1) return;
  send_proto(server_.client_info_line(*this));
}

std::vector<SubDetail> ClientConnection::subscription_details() const {
  std::vector<SubDetail> out;
  out.reserve(subs_.size());
  for (const auto& [sid, sub] : subs_) {
    SubDetail d;
    d.subject = sub->subject;
    d.queue = sub->queue;
    d.sid = sub->sid;
    d.msgs = sub->delivered.load(std::memory_order_relaxed);
    d.max = sub->max_msgs.load(std::memory_order_relaxed);
    d.cid = cid_;
    d.account = account_->name();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace nats
