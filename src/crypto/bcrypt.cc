#include "crypto/bcrypt.h"

#include <crypt.h>

#include <cstring>
#include <memory>

#include <sodium.h>

#include "crypto/random.h"

namespace nats::crypto {
namespace {
constexpr std::string_view kBcryptVersions = "abxy";  // the letters after "$2"
}  // namespace

bool is_bcrypt(std::string_view s) {
  // "$2" + version letter + "$" + two digits + "$"
  if (s.size() < 7 || s[0] != '$' || s[1] != '2') return false;
  if (kBcryptVersions.find(s[2]) == std::string_view::npos || s[3] != '$') return false;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return digit(s[4]) && digit(s[5]) && s[6] == '$';
}

bool bcrypt_verify(std::string_view hash, std::string_view password) {
  if (!is_bcrypt(hash)) return false;
  if (password.find('\0') != std::string_view::npos) return false;
  // crypt_r needs C strings; its output lives inside `data`, so the setting must not.
  const std::string setting(hash);
  const std::string key(password);
  // crypt_data is 32 KB: too big for a worker's stack to carry comfortably, so it is allocated.
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_r(key.c_str(), setting.c_str(), data.get());
  bool ok = out != nullptr && std::strlen(out) == setting.size() &&
            sodium_memcmp(out, setting.data(), setting.size()) == 0;
  sodium_memzero(data.get(), sizeof(crypt_data));
  return ok;
}

std::string bcrypt_hash(std::string_view password, int cost) {
  if (password.find('\0') != std::string_view::npos) return {};
  unsigned char rbytes[16];
  random_bytes(rbytes);
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), reinterpret_cast<char*>(rbytes),
                       static_cast<int>(sizeof rbytes), salt,
                       static_cast<int>(sizeof salt)) == nullptr) {
    return {};
  }
  const std::string key(password);
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_r(key.c_str(), salt, data.get());
  std::string hash = out != nullptr && is_bcrypt(out) ? std::string(out) : std::string();
  sodium_memzero(data.get(), sizeof(crypt_data));
  return hash;
}

}  // namespace nats::crypto
