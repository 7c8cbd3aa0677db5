#include "server_pool.h"

#include <algorithm>
#include <random>

namespace nats::client::detail {

Result<ServerPool> ServerPool::make(const std::vector<std::string>& urls, bool randomize) {
  ServerPool pool;
  for (const std::string& text : urls) {
    auto u = parse_server_url(text);
    if (!u) return u.status();
    pool.entries_.push_back(Entry{std::move(u.value())});
  }
  if (pool.entries_.empty()) return Status(Errc::kInvalidArgument, "no servers given");
  if (randomize) {
    std::shuffle(pool.entries_.begin(), pool.entries_.end(), std::mt19937(std::random_device{}()));
  }
  return pool;
}

ServerPool::ServerPool(ServerPool&& other) noexcept : entries_(std::move(other.entries_)) {}

ServerPool::Entry* ServerPool::find(const ServerUrl& url) {
  for (Entry& e : entries_) {
    if (e.url.host == url.host && e.url.port == url.port) return &e;
  }
  return nullptr;
}

std::vector<ServerUrl> ServerPool::candidates(int max_attempts) const {
  std::lock_guard lock(mu_);
  std::vector<ServerUrl> out;
  for (const Entry& e : entries_) {
    if (max_attempts < 0 || e.failed_attempts < max_attempts) out.push_back(e.url);
  }
  return out;
}

void ServerPool::record_failure(const ServerUrl& url) {
  std::lock_guard lock(mu_);
  if (Entry* e = find(url)) ++e->failed_attempts;
}

void ServerPool::record_success(const ServerUrl& url) {
  std::lock_guard lock(mu_);
  if (Entry* e = find(url)) e->failed_attempts = 0;
}

void ServerPool::move_to_back(const ServerUrl& url) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(), [&url](const Entry& e) {
    return e.url.host == url.host && e.url.port == url.port;
  });
  if (it != entries_.end()) std::rotate(it, it + 1, entries_.end());
}

bool ServerPool::add_discovered(const std::vector<std::string>& connect_urls) {
  std::lock_guard lock(mu_);
  bool added = false;
  for (const std::string& text : connect_urls) {
    auto u = parse_server_url(text);
    if (!u || find(u.value()) != nullptr) continue;
    // A discovered server inherits the credentials written in the first configured URL.
    if (!entries_.empty()) {
      u->user = entries_.front().url.user;
      u->password = entries_.front().url.password;
      u->has_password = entries_.front().url.has_password;
    }
    entries_.push_back(Entry{std::move(u.value()), true});
    added = true;
  }
  return added;
}

std::vector<std::string> ServerPool::urls() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(e.url.to_string());
  return out;
}

std::vector<std::string> ServerPool::discovered_urls() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const Entry& e : entries_) {
    if (e.discovered) out.push_back(e.url.to_string());
  }
  return out;
}

}  // namespace nats::client::detail
