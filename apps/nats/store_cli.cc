#include "store_cli.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <iterator>

#include "base/clock.h"

namespace nats::cli {

std::string store_time(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string store_time(std::string_view rfc3339) {
  std::tm tm{};
  const std::string s(rfc3339);
  if (strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return s;
  return store_time(std::chrono::system_clock::from_time_t(timegm(&tm)));
}

std::optional<int64_t> parse_size(std::string_view text) {
  if (text == "-1") return -1;
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    n = n * 10 + (text[i++] - '0');
  }
  if (i == 0) return std::nullopt;
  while (i < text.size() && text[i] == ' ') ++i;
  std::string unit;
  for (; i < text.size(); ++i) unit += static_cast<char>(std::toupper(text[i]));
  if (unit.empty() || unit == "B") return n;
  const bool binary = unit.size() == 3 && unit[1] == 'I' && unit[2] == 'B';
  if (!(unit.size() == 1 || (unit.size() == 2 && unit[1] == 'B') || binary)) return std::nullopt;
  const int64_t base = binary || unit.size() == 1 ? 1024 : 1000;
  int64_t mult = 1;
  switch (unit[0]) {
    case 'T':
      mult *= base;
      [[fallthrough]];
    case 'G':
      mult *= base;
      [[fallthrough]];
    case 'M':
      mult *= base;
      [[fallthrough]];
    case 'K':
      mult *= base;
      break;
    default:
      return std::nullopt;
  }
  return n * mult;
}

std::optional<client::StorageType> parse_storage(std::string_view text) {
  if (text == "file" || text == "f") return client::StorageType::kFile;
  if (text == "memory" || text == "m") return client::StorageType::kMemory;
  return std::nullopt;
}

std::string storage_name(client::StorageType s) {
  return s == client::StorageType::kMemory ? "Memory" : "File";
}

std::string read_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

bool stdin_is_terminal() { return isatty(STDIN_FILENO) == 1; }

bool confirm(const std::string& question, bool force) {
  if (force || !stdin_is_terminal()) return force;
  std::printf("? %s [y/N] ", question.c_str());
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

std::string ttl_text(client::Nanos ttl) {
  if (ttl.count() <= 0) return "unlimited";
  return nats::go_duration(ttl.count());
}

}  // namespace nats::cli
