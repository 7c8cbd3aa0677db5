#include "creds.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <vector>

#include "crypto/nkeys.h"

namespace nats::client::detail {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// "-----BEGIN NATS USER JWT-----": three or more dashes at both ends.
bool is_armour(std::string_view line) {
  constexpr std::string_view kDashes = "---";
  return line.size() >= 2 * kDashes.size() && line.substr(0, 3) == kDashes &&
         line.substr(line.size() - 3) == kDashes;
}

}  // namespace

Result<Creds> parse_creds(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos <= text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(trim(text.substr(pos, nl - pos)));
    pos = nl + 1;
  }
  // Each block: an armour line, one line of content, an armour line.
  std::vector<std::string_view> blocks;
  for (size_t i = 0; i + 2 < lines.size() && blocks.size() < 2; ++i) {
    if (is_armour(lines[i]) && !lines[i + 1].empty() && !is_armour(lines[i + 1]) &&
        is_armour(lines[i + 2])) {
      blocks.push_back(lines[i + 1]);
      i += 2;
    }
  }
  if (blocks.empty()) return Status(Errc::kInvalidArgument, "creds: no user JWT found");
  if (blocks.size() < 2) return Status(Errc::kInvalidArgument, "creds: no nkey seed found");
  Creds c{std::string(blocks[0]), std::string(blocks[1])};
  const auto seed = crypto::decode_seed(c.seed);
  if (!seed || seed->prefix != crypto::PrefixByte::kUser) {
    return Status(Errc::kInvalidArgument, "creds: the seed is not a valid user nkey seed");
  }
  if (std::count(c.jwt.begin(), c.jwt.end(), '.') != 2) {
    return Status(Errc::kInvalidArgument, "creds: the JWT is malformed");
  }
  return c;
}

Result<Creds> read_creds_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Errc::kInvalidArgument, "creds: cannot read " + path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_creds(text);
}

}  // namespace nats::client::detail
