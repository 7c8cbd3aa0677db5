#pragma once
// What every client integration test needs: the server the harness started
// (tests/interop/run_with_server.sh exports NATS_URL and NATS_SERVER_CTL), connection options
// aimed at it, and a way to wait for a condition without sleeping blindly.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include "nats/client.h"

namespace nats::client::testing {

inline std::string server_url() {
  const char* url = std::getenv("NATS_URL");
  return url != nullptr ? url : "nats://127.0.0.1:4222";
}

// The test server's client port (NATS_SERVER_PORT), 4222 when run by hand.
inline int server_port() {
  const char* port = std::getenv("NATS_SERVER_PORT");
  return port != nullptr ? std::atoi(port) : 4222;
}

// Options for the test server with quick reconnects.
inline Options test_options() {
  Options o;
  o.servers = {server_url()};
  o.reconnect_wait = std::chrono::milliseconds(50);
  o.reconnect_wait_max = std::chrono::milliseconds(200);
  o.reconnect_jitter = std::chrono::milliseconds(10);
  o.max_reconnect_attempts = -1;
  return o;
}

inline std::unique_ptr<Connection> connect_or_fail(Options o = test_options()) {
  auto nc = Connection::connect(std::move(o));
  if (!nc) {
    ADD_FAILURE() << "connect: " << nc.status().to_string();
    return nullptr;
  }
  return std::move(nc.value());
}

// Polls `cond` every 5 ms until it holds or `timeout` passes.
inline bool wait_for(const std::function<bool()>& cond,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

// Runs `$NATS_SERVER_CTL <verb>` (stop, start, restart).
inline bool server_ctl(const std::string& verb) {
  const char* ctl = std::getenv("NATS_SERVER_CTL");
  if (ctl == nullptr) return false;
  return std::system((std::string(ctl) + " " + verb).c_str()) == 0;
}

}  // namespace nats::client::testing
