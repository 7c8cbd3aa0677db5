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

std::optional<client::StorageType> parse_storage(std::string_view text) {
  if (text == "file" || text == "f") return client::StorageType::kFile;
  if (text == "memory" || text == "m") return client::StorageType::kMemory;
  return std::nullopt;
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
