// Shared helpers for the nats.c interop tests: the server under test, RAII owners for nats.c
// objects, a raw protocol socket, and polling.
//
// Every test process runs under tests/interop/run_with_server.sh, which provides:
//   NATS_URL         nats://127.0.0.1:PORT of the server under test (natsd or nats-server)
//   NATS_SERVER_CTL  a command taking stop|start|restart (start reuses the same port)
// Helpers are called from the test's main thread only unless a comment says otherwise.
#pragma once

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace interop {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline constexpr int64_t kConnectTimeoutMs = 5000;  // client connect + CONNECT/PING/PONG handshake
inline constexpr int64_t kMsgTimeoutMs = 5000;      // wait for one expected message
inline constexpr int64_t kFlushTimeoutMs = 10000;   // PING/PONG round trip
inline constexpr int kDefaultMaxPayload = 1024 * 1024;  // bytes; nats-server's default max_payload

// Fails the current test (fatal) when a nats.c call does not return NATS_OK, printing the
// status text and the library's error stack.
#define ASSERT_NATS_OK(expr)                                                              \
  do {                                                                                    \
    natsStatus status_ = (expr);                                                          \
    ASSERT_EQ(status_, NATS_OK) << #expr << " -> " << natsStatus_GetText(status_) << " (" \
                                << ::interop::last_error() << ")";                        \
  } while (0)

#define EXPECT_NATS_OK(expr)                                                              \
  do {                                                                                    \
    natsStatus status_ = (expr);                                                          \
    EXPECT_EQ(status_, NATS_OK) << #expr << " -> " << natsStatus_GetText(status_) << " (" \
                                << ::interop::last_error() << ")";                        \
  } while (0)

struct NatsDeleter {
  void operator()(natsConnection* nc) const { natsConnection_Destroy(nc); }
  void operator()(natsSubscription* sub) const { natsSubscription_Destroy(sub); }
  void operator()(natsMsg* msg) const { natsMsg_Destroy(msg); }
  void operator()(natsOptions* opts) const { natsOptions_Destroy(opts); }
  void operator()(natsStatistics* stats) const { natsStatistics_Destroy(stats); }
};
using ConnPtr = std::unique_ptr<natsConnection, NatsDeleter>;
using SubPtr = std::unique_ptr<natsSubscription, NatsDeleter>;
using MsgPtr = std::unique_ptr<natsMsg, NatsDeleter>;
using OptsPtr = std::unique_ptr<natsOptions, NatsDeleter>;

// The library's last error text for this thread ("" when none).
std::string last_error();

// NATS_URL; fails the test if unset.
std::string server_url();
// Host and port parsed from NATS_URL.
std::string server_host();
int server_port();

// Options with the server URL, a bounded connect timeout and `name`. Null (and a test failure)
// on error.
OptsPtr make_options(const std::string& name);
// Connects with `opts` (or make_options(name) when null). Null (and a test failure) on error.
ConnPtr connect(const std::string& name, natsOptions* opts = nullptr);

// A sync subscription; null (and a test failure) on error. Flushes the connection so the server
// has registered the interest when this returns.
SubPtr subscribe_sync(natsConnection* nc, const char* subject, const char* queue = nullptr);

// The message's payload as a string.
std::string data_of(natsMsg* msg);

// Messages received by a connection so far (server MSG/HMSG count, including ones the client
// dropped because no subscription matched any more).
uint64_t in_msgs(natsConnection* nc);

// Runs `NATS_SERVER_CTL <action>` (stop|start|restart) and returns its exit status.
int server_ctl(const std::string& action);

// Polls `done` every few milliseconds until it returns true or `timeout` passes.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// A counter that callbacks (any thread) bump and the test thread waits on.
class Signal {
 public:
  void notify();
  uint64_t count() const;
  // Waits until count() >= n; false on timeout.
  bool wait_for(uint64_t n, std::chrono::milliseconds timeout);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t count_ = 0;
};

inline constexpr int64_t kReconnectWaitMs = 100;  // between reconnect attempts (default is 2 s)

// Connection events nats.c reports on its own threads.
struct ConnEvents {
  Signal disconnected;
  Signal reconnected;
  Signal closed;
};

// A connection that reconnects forever, every kReconnectWaitMs, and records its events.
// `opts` (default: make_options(name)) carries anything else the test needs, e.g. TLS.
// nats.c runs connection callbacks on its own thread, also after natsConnection_Destroy returns,
// so the destructor closes the connection and waits for the closed callback before the events
// it points to go away.
class ReconnectingConn {
 public:
  explicit ReconnectingConn(const std::string& name, OptsPtr opts = nullptr);
  ~ReconnectingConn();
  ReconnectingConn(const ReconnectingConn&) = delete;
  ReconnectingConn& operator=(const ReconnectingConn&) = delete;

  natsConnection* get() const { return nc_.get(); }
  explicit operator bool() const { return nc_ != nullptr; }
  ConnEvents& events() { return events_; }

 private:
  ConnEvents events_;  // outlives nc_
  ConnPtr nc_;
};

// A plain TCP connection speaking the client protocol by hand, for what official clients cannot
// do on purpose (stop reading, send an oversized PUB). Owned by one thread.
class RawConn {
 public:
  // Connects to the server under test. `rcvbuf` > 0 shrinks SO_RCVBUF before connecting.
  explicit RawConn(int rcvbuf = 0);
  ~RawConn();
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool send_all(std::string_view data);
  // Reads one CRLF-terminated line (without the CRLF); empty optional-like: returns false on
  // timeout, EOF or error.
  bool read_line(std::string* line, std::chrono::milliseconds timeout);
  // Reads lines until one equals `want`; false on timeout/close.
  bool read_until_line(std::string_view want, std::chrono::milliseconds timeout);

  enum class CloseKind { kEof, kReset, kTimeout, kError };
  // Reads and discards everything until the server closes the connection; counts the bytes.
  CloseKind drain_until_closed(std::chrono::milliseconds timeout, uint64_t* bytes);

 private:
  int fd_ = -1;
  std::string buf_;
};

const char* close_kind_name(RawConn::CloseKind kind);

}  // namespace interop
