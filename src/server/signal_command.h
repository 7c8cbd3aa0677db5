#pragma once
// `natsd --signal <command>[=<pid>]`: send a control signal to a running natsd, as
// `nats-server --signal` does to nats-server.
//
//   command  signal   effect in the server
//   stop     SIGKILL  immediate kill
//   quit     SIGINT   shut down
//   term     SIGTERM  shut down (ignored while in lame duck mode)
//   reopen   SIGUSR1  re-open the log file
//   reload   SIGHUP   reload the configuration
//   ldm      SIGUSR2  enter lame duck mode
//
// <pid> is a process id, or the path of a PID file holding one, or a pid prefix ending in '*'
// to signal every natsd whose pid starts with it ("*" alone: all of them). Without it, the one
// natsd running is found by process name; several running is an error.
//
// Runs on main's thread in a process that is about to exit.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nats {

// Process name looked for when no pid is given.
inline constexpr std::string_view kServerProcessName = "natsd";

// The operating-system calls signalling needs, replaceable in tests.
struct SignalSystem {
  // Pids of running natsd processes other than this one; nullopt when they cannot be listed.
  std::function<std::optional<std::vector<int>>()> find_servers;
  // kill(2): returns 0 or an errno value.
  std::function<int(int pid, int signo)> kill;
  // Whole contents of a file; nullopt when it cannot be read.
  std::function<std::optional<std::string>(const std::string& path)> read_file;
};

// The real thing: scans /proc for processes named natsd, calls kill(2), reads files.
SignalSystem real_signal_system();

// The signal number for a command name, or nullopt for an unknown command.
std::optional<int> command_to_signal(std::string_view command);

// Carries out a --signal value ("reload", "quit=1234", "stop=/run/natsd.pid", "ldm=12*").
// Returns the empty string on success, else nats-server's error text with natsd named instead,
// without the "natsd: " prefix, e.g. "no natsd processes running".
std::string process_signal(std::string_view spec, const SignalSystem& sys);

// What main() calls: prints "natsd: <error>" to stderr on failure. Returns the process exit
// code: 0 on success, 1 on failure.
int send_signal_command(const std::string& spec);
int send_signal_command(const std::string& spec, const SignalSystem& sys);

}  // namespace nats
