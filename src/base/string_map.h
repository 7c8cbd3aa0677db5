#pragma once
// A flat hash map keyed by std::string that can be looked up with a std::string_view without
// building a std::string. (Debian's Abseil is built with its own string_view type, so its
// default transparent hash does not accept std::string_view.)

#include <functional>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

namespace nats {

struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct StringViewEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

template <typename V>
using StringMap = absl::flat_hash_map<std::string, V, StringViewHash, StringViewEq>;

}  // namespace nats
