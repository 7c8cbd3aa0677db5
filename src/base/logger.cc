#include "base/logger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "base/clock.h"

namespace nats {

namespace {
const char* level_label(LogLevel l) {
  switch (l) {
    case LogLevel::kFatal:
      return "[FTL] ";
    case LogLevel::kError:
      return "[ERR] ";
    case LogLevel::kWarn:
      return "[WRN] ";
    case LogLevel::kNotice:
      return "[INF] ";
    case LogLevel::kDebug:
      return "[DBG] ";
    case LogLevel::kTrace:
      return "[TRC] ";
  }
  return "[INF] ";
}
}  // namespace

std::string format_log_line(int pid, bool logtime, LogLevel level, std::string_view msg,
                            int64_t wall_ns, bool utc) {
  std::string line = fmt::format("[{}] ", pid);
  if (logtime) {
    time_t secs = wall_ns / 1'000'000'000;
    tm t;
    if (utc) {
      gmtime_r(&secs, &t);
    } else {
      localtime_r(&secs, &t);
    }
    line += fmt::format("{:04d}/{:02d}/{:02d} {:02d}:{:02d}:{:02d}.{:06d} ", t.tm_year + 1900,
                        t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                        (wall_ns % 1'000'000'000) / 1000);
  }
  line += level_label(level);
  line += msg;
  line += '\n';
  return line;
}

Logger& Logger::instance() {
  static Logger* logger = new Logger();  // never destroyed: threads may log during exit
  return *logger;
}

Logger::Logger() : pid_(int(getpid())) {}

bool Logger::configure(const Settings& s) {
  std::lock_guard lock(mu_);
  if (!s.file.empty()) {
    int fd = ::open(s.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return false;
    if (fd_ != 2) ::close(fd_);
    fd_ = fd;
  } else if (fd_ != 2) {
    ::close(fd_);
    fd_ = 2;
  }
  file_ = s.file;
  logtime_ = s.logtime;
  logtime_utc_ = s.logtime_utc;
  size_limit_ = file_.empty() ? 0 : s.size_limit;
  if (!file_.empty()) {
    struct stat st;
    written_ = ::fstat(fd_, &st) == 0 ? int64_t(st.st_size) : 0;
  }
  debug_.store(s.debug);
  trace_.store(s.trace);
  pid_ = int(getpid());
  return true;
}

bool Logger::reopen() {
  std::lock_guard lock(mu_);
  if (file_.empty()) return true;
  int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return false;
  if (fd_ != 2) ::close(fd_);
  fd_ = fd;
  return true;
}

void Logger::write(LogLevel level, std::string_view msg) {
  std::lock_guard lock(mu_);
  write_locked(format_log_line(pid_, logtime_, level, msg, wall_nanos(), logtime_utc_));
  if (size_limit_ > 0 && written_ > size_limit_) rotate_locked();
}

void Logger::write_locked(std::string_view line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n <= 0) break;
    p += n;
    left -= size_t(n);
  }
  written_ += int64_t(line.size());
}

void Logger::rotate_locked() {
  const int64_t now = wall_nanos();
  time_t secs = now / 1'000'000'000;
  tm t;
  localtime_r(&secs, &t);
  std::string backup =
      fmt::format("{}.{:04d}.{:02d}.{:02d}.{:02d}.{:02d}.{:02d}.{:09d}", file_, t.tm_year + 1900,
                  t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, now % 1'000'000'000);
  if (std::rename(file_.c_str(), backup.c_str()) != 0) {
    size_limit_ *= 2;  // try again later rather than on every line
    return;
  }
  int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return;  // keep writing to the renamed file rather than lose lines
  ::close(fd_);
  fd_ = fd;
  written_ = 0;
  write_locked(format_log_line(pid_, logtime_, LogLevel::kNotice,
                               fmt::format("Rotated log, backup saved as \"{}\"", backup), now,
                               logtime_utc_));
}

}  // namespace nats
