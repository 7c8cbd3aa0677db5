#pragma once
// What the key-value and object stores (kv.cc, object_store.cc) share: the bucket name rule,
// RFC 3339 times as the server writes them, base64url, SHA-256. Pure functions, any thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace nats::client::detail {

// "2024-01-02T03:04:05.123456789Z" (or with a +hh:mm offset); nullopt when it is not one.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);
std::chrono::system_clock::time_point from_unix_nanos(int64_t ns);
// Go's base64.URLEncoding: the URL-safe alphabet, with '=' padding.
std::string base64url_encode(std::string_view bytes);

// An incremental SHA-256 (OpenSSL EVP); one thread at a time.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  // The 32-byte digest; call once.
  std::string finish();

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace nats::client::detail
