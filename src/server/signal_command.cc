#include "server/signal_command.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

namespace nats {
namespace {

// Linux truncates a process name (/proc/<pid>/comm) to 15 characters.
constexpr size_t kMaxCommLen = 15;

std::string_view trim_space(std::string_view s) {
  const char* kSpace = " \t\r\n\v\f";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buf.str();
}

std::optional<std::vector<int>> find_natsd_processes() {
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return std::nullopt;
  const int self = static_cast<int>(getpid());
  const std::string_view wanted = kServerProcessName.substr(0, kMaxCommLen);
  std::vector<int> pids;
  while (dirent* entry = readdir(dir)) {
    std::string_view name = entry->d_name;
    int pid = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc() || end != name.data() + name.size() || pid == self) continue;
    // A process may exit between readdir and the read; it simply isn't a match then.
    auto comm = read_whole_file(fmt::format("/proc/{}/comm", pid));
    if (comm && trim_space(*comm) == wanted) pids.push_back(pid);
  }
  closedir(dir);
  std::sort(pids.begin(), pids.end());
  return pids;
}

// Go's error text for an errno: the C text with a lower-case first letter ("no such process").
std::string errno_text(int err) {
  std::string text = std::generic_category().message(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

// A pid as Go's strconv.Atoi reads it, but only positive: 0 and negative pids would signal a
// whole process group or every process, which nats-server would do and we refuse.
std::optional<int> parse_pid(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int pid = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), pid);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

}  // namespace

SignalSystem real_signal_system() {
  return SignalSystem{
      .find_servers = find_natsd_processes,
      .kill = [](int pid, int signo) { return ::kill(pid, signo) == 0 ? 0 : errno; },
      .read_file = read_whole_file,
  };
}

std::optional<int> command_to_signal(std::string_view command) {
  if (command == "stop") return SIGKILL;
  if (command == "quit") return SIGINT;
  if (command == "reopen") return SIGUSR1;
  if (command == "reload") return SIGHUP;
  if (command == "ldm") return SIGUSR2;
  if (command == "term") return SIGTERM;
  return std::nullopt;
}

std::string process_signal(std::string_view spec, const SignalSystem& sys) {
  // "<command>" or "<command>=<pid, pid file or pid prefix*>"; a second '=' is an error.
  std::string_view command = spec;
  std::string pid_expr;
  if (size_t eq = spec.find('='); eq != std::string_view::npos) {
    command = spec.substr(0, eq);
    std::string_view rest = spec.substr(eq + 1);
    if (size_t eq2 = rest.find('='); eq2 != std::string_view::npos) {
      // Go prints the extra parts as a list: [a b].
      std::string extra;
      std::string_view tail = rest.substr(eq2 + 1);
      for (;;) {
        size_t e = tail.find('=');
        if (!extra.empty()) extra += ' ';
        extra.append(tail.substr(0, e));
        if (e == std::string_view::npos) break;
        tail.remove_prefix(e + 1);
      }
      return fmt::format("invalid signal parameters: [{}]", extra);
    }
    // A readable file holds the pid; otherwise the text is the pid itself. Unlike nats-server
    // we forgive the trailing newline most tools write after a pid.
    std::string arg(rest);
    auto contents = sys.read_file(arg);
    pid_expr = contents ? std::string(trim_space(*contents)) : arg;
  }

  const bool is_glob = pid_expr.ends_with('*');
  const std::string pid_str = is_glob ? pid_expr.substr(0, pid_expr.size() - 1) : pid_expr;

  std::vector<int> pids;
  if (!pid_str.empty()) {
    auto pid = parse_pid(pid_str);
    if (!pid) return fmt::format("invalid pid: {}", pid_str);
    pids.push_back(*pid);
  }
  if (pid_str.empty() || is_glob) {
    auto found = sys.find_servers();
    if (!found) return "unable to resolve pid, try providing one";
    pids = std::move(*found);
  }
  if (pids.size() > 1 && !is_glob) {
    std::string msg = fmt::format("multiple {} processes running:", kServerProcessName);
    for (int p : pids) msg += fmt::format("\n{}", p);
    return msg;
  }
  if (pids.empty()) return fmt::format("no {} processes running", kServerProcessName);

  auto signo = command_to_signal(command);
  if (!signo) return fmt::format("unknown signal \"{}\"", command);

  std::vector<std::pair<int, int>> failures;  // pid, errno
  for (int pid : pids) {
    const std::string s = std::to_string(pid);
    if (!pid_str.empty() && s != pid_str && !(is_glob && s.starts_with(pid_str))) continue;
    if (int err = sys.kill(pid, *signo); err != 0) failures.emplace_back(pid, err);
  }
  if (failures.empty()) return {};
  if (failures.size() == 1 && !is_glob) return errno_text(failures[0].second);
  std::string msg;
  for (auto [pid, err] : failures) {
    if (!msg.empty()) msg += '\n';
    msg += fmt::format("signal \"{}\" {}: {}", command, pid, errno_text(err));
  }
  return msg;
}

int send_signal_command(const std::string& spec, const SignalSystem& sys) {
  std::string err = process_signal(spec, sys);
  if (err.empty()) return 0;
  std::fprintf(stderr, "%s: %s\n", std::string(kServerProcessName).c_str(), err.c_str());
  return 1;
}

int send_signal_command(const std::string& spec) {
  return send_signal_command(spec, real_signal_system());
}

}  // namespace nats
