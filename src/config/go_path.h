#pragma once
// Lexical path handling with Go's path/filepath semantics (forward slashes), so that includes
// resolve to the same files as in nats-server, which opens
// filepath.Join(filepath.Dir(including_file), included). Nothing here touches the file system.

#include <string>
#include <string_view>

namespace nats::config {

// Shortest equivalent path: repeated slashes, "." and "dir/.." removed; ".." above the root is
// dropped for rooted paths and kept for relative ones. "" becomes ".".
std::string go_clean_path(std::string_view path);

// Everything before the last slash, cleaned: "a/b.conf" -> "a", "b.conf" -> ".", "/b" -> "/".
std::string go_dir(std::string_view path);

// dir + "/" + name, cleaned. Like Go, a rooted name does not reset the result:
// go_join_path("/etc/nats", "/x.conf") is "/etc/nats/x.conf".
std::string go_join_path(std::string_view dir, std::string_view name);

}  // namespace nats::config
