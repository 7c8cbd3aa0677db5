#include "crypto/nuid.h"

#include <algorithm>
#include <string_view>

#include <sodium.h>

#include "base/check.h"
#include "crypto/random.h"

namespace nats::crypto {
namespace {

constexpr std::string_view kDigits =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr int64_t kBase = 62;
constexpr int64_t kMaxSeq = 839299365868340224;  // 62^10: the counter's range
constexpr int64_t kMinInc = 33;
constexpr int64_t kMaxInc = 333;     // exclusive
constexpr size_t kNonceRawLen = 11;  // bytes
constexpr size_t kNonceLen = 15;     // characters: unpadded base64 of 11 bytes

static_assert(kDigits.size() == kBase);

constexpr int64_t pow62(size_t n) { return n == 0 ? 1 : kBase * pow62(n - 1); }
static_assert(pow62(Nuid::kSeqLen) == kMaxSeq);

}  // namespace

Nuid::Nuid() {
  randomize_prefix();
  reset_sequence();
}

void Nuid::randomize_prefix() {
  std::array<uint8_t, kPrefixLen> raw;
  random_bytes(raw);
  // A byte mod 62 slightly favours low digits; the prefix only needs to be unpredictable and
  // spread out, not perfectly uniform (nats-server makes the same trade).
  for (size_t i = 0; i < kPrefixLen; ++i) prefix_[i] = kDigits[raw[i] % kBase];
}

void Nuid::reset_sequence() {
  seq_ = static_cast<int64_t>(random_below(kMaxSeq));
  inc_ = kMinInc + static_cast<int64_t>(random_below(kMaxInc - kMinInc));
}

void Nuid::next(char* out) {
  seq_ += inc_;
  if (seq_ >= kMaxSeq) {
    randomize_prefix();
    reset_sequence();
  }
  std::copy(prefix_.begin(), prefix_.end(), out);
  int64_t v = seq_;
  for (size_t i = kLength; i > kPrefixLen; --i) {
    out[i - 1] = kDigits[v % kBase];
    v /= kBase;
  }
}

std::string Nuid::next() {
  std::string s(kLength, '\0');
  next(s.data());
  return s;
}

std::string next_nuid() {
  thread_local Nuid nuid;
  return nuid.next();
}

std::string random_nonce() {
  std::array<uint8_t, kNonceRawLen> raw;
  random_bytes(raw);
  // sodium_bin2base64 writes a terminating NUL, hence the extra byte.
  std::array<char, kNonceLen + 1> text;
  NATS_CHECK(sodium_base64_ENCODED_LEN(kNonceRawLen, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
             text.size());
  sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(text.data(), kNonceLen);
}

}  // namespace nats::crypto
