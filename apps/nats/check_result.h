#pragma once
// The outcome of a `nats server check ...`, rendered as natscli renders it: Nagios by default
//   OK Connection OK:connected to nats://... in 1.2ms OK:rtt time 210µs |
//   connect_time=0.0012s;0.5000;1.0000 ...
// or JSON. The exit code follows Nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

#include <string>
#include <vector>

namespace nats::cli {

struct PerfData {
  std::string name;
  double value = 0;
  double warn = 0;   // 0: none
  double crit = 0;   // 0: none
  std::string unit;  // "s" prints 4 decimals, anything else none
  std::string help;
};

class CheckResult {
 public:
  CheckResult(std::string name, std::string suite)
      : name_(std::move(name)), suite_(std::move(suite)) {}

  void ok(std::string msg) { oks_.push_back(std::move(msg)); }
  void warn(std::string msg) { warnings_.push_back(std::move(msg)); }
  void critical(std::string msg) { criticals_.push_back(std::move(msg)); }
  void perf(PerfData pd) { perf_.push_back(std::move(pd)); }

  // Classifies `value` against thresholds (0 disables one): critical, warning or ok message.
  void threshold(double value, double warn_at, double crit_at, const std::string& ok_msg,
                 const std::string& warn_msg, const std::string& crit_msg);

  // "OK", "WARNING", "CRITICAL"
  std::string status() const;
  int exit_code() const;
  std::string nagios() const;
  std::string json() const;

 private:
  std::string name_;
  std::string suite_;
  std::vector<std::string> oks_, warnings_, criticals_;
  std::vector<PerfData> perf_;
};

}  // namespace nats::cli
