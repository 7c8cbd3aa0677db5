#pragma once
// The servers a connection may use: those configured (shuffled unless no_randomize) and those
// the cluster announced in INFO connect_urls, with the reconnect attempts made to each.
//
// Owned by ConnectionImpl; the I/O thread changes it, any thread may read the URL lists
// (an internal mutex guards both).

#include <mutex>
#include <string>
#include <vector>

#include "nats/status.h"
#include "server_url.h"

namespace nats::client::detail {

class ServerPool {
 public:
  // Fails when a URL does not parse or the list is empty.
  static Result<ServerPool> make(const std::vector<std::string>& urls, bool randomize);

  ServerPool(ServerPool&& other) noexcept;

  // The servers to try this round, in order, skipping those with `max_attempts` failed
  // attempts (-1: no limit).
  std::vector<ServerUrl> candidates(int max_attempts) const;
  void record_failure(const ServerUrl& url);
  void record_success(const ServerUrl& url);
  // The server just lost goes last, so a reconnect tries the others first.
  void move_to_back(const ServerUrl& url);
  // Adds the connect_urls not known yet; returns true when something was added.
  bool add_discovered(const std::vector<std::string>& connect_urls);

  std::vector<std::string> urls() const;
  std::vector<std::string> discovered_urls() const;

 private:
  struct Entry {
    ServerUrl url;
    bool discovered = false;
    int failed_attempts = 0;
  };
  ServerPool() = default;
  Entry* find(const ServerUrl& url);

  mutable std::mutex mu_;
  std::vector<Entry> entries_;
};

}  // namespace nats::client::detail
