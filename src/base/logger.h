#pragma once
// The server log, in nats-server's line format:
//   [pid] 2026/11/23 06:43:22.123456 [INF] Server is ready
// One process-wide Logger; any thread may log. A line is formatted on the caller's thread and
// written with a single write() under a mutex, so lines from different threads never interleave.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace nats {

enum class LogLevel { kFatal, kError, kWarn, kNotice, kDebug, kTrace };

class Logger {
 public:
  struct Settings {
    bool logtime = true;       // -T: timestamp each line
    bool logtime_utc = false;  // --logtime_utc: timestamps in UTC instead of local time
    int64_t size_limit = 0;    // --log_size_limit: rotate the file past this many bytes
    bool debug = false;        // -D
    bool trace = false;        // -V
    std::string file;          // -l: empty means stderr
  };

  static Logger& instance();

  // Applies settings; opens the log file (appending) when one is given. Returns false and
  // leaves the previous sink in place if the file can't be opened.
  bool configure(const Settings& s);
  // Re-opens the log file (SIGUSR1 / --signal reopen), for log rotation by an outside tool.
  bool reopen();

  bool debug_enabled() const { return debug_.load(std::memory_order_relaxed); }
  bool trace_enabled() const { return trace_.load(std::memory_order_relaxed); }

  void write(LogLevel level, std::string_view msg);

 private:
  void write_locked(std::string_view line);
  // Renames the full log to <file>.YYYY.MM.DD.hh.mm.ss.nnnnnnnnn and starts a new one.
  void rotate_locked();
  Logger();
  std::mutex mu_;
  int fd_ = 2;
  std::string file_;
  bool logtime_ = true;
  bool logtime_utc_ = false;
  int64_t size_limit_ = 0;
  int64_t written_ = 0;  // bytes in the current file
  std::atomic<bool> debug_{false};
  std::atomic<bool> trace_{false};
  int pid_;
};

template <typename... Args>
void log_notice(fmt::format_string<Args...> f, Args&&... args) {
  Logger::instance().write(LogLevel::kNotice, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
  Logger::instance().write(LogLevel::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
  Logger::instance().write(LogLevel::kError, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_fatal(fmt::format_string<Args...> f, Args&&... args) {
  Logger::instance().write(LogLevel::kFatal, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... args) {
  if (Logger::instance().debug_enabled())
    Logger::instance().write(LogLevel::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_trace(fmt::format_string<Args...> f, Args&&... args) {
  if (Logger::instance().trace_enabled())
    Logger::instance().write(LogLevel::kTrace, fmt::format(f, std::forward<Args>(args)...));
}

// Formats one log line (without writing it); exposed for tests.
std::string format_log_line(int pid, bool logtime, LogLevel level, std::string_view msg,
                            int64_t wall_ns, bool utc = false);

}  // namespace nats
