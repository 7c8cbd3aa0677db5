#include "check_result.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace nats::cli {

void CheckResult::threshold(double value, double warn_at, double crit_at, const std::string& ok_msg,
                            const std::string& warn_msg, const std::string& crit_msg) {
  if (crit_at != 0 && value >= crit_at) {
    critical(crit_msg);
  } else if (warn_at != 0 && value >= warn_at) {
    warn(warn_msg);
  } else {
    ok(ok_msg);
  }
}

std::string CheckResult::status() const {
  if (!criticals_.empty()) return "CRITICAL";
  if (!warnings_.empty()) return "WARNING";
  return "OK";
}

int CheckResult::exit_code() const {
  if (!criticals_.empty()) return 2;
  if (!warnings_.empty()) return 1;
  return 0;
}

namespace {
std::string perf_string(const PerfData& p) {
  const char* fmt_spec = p.unit == "s" ? "{:.4f}" : "{:.0f}";
  std::string name = p.name;
  if (name.find_first_of(" \t") != std::string::npos) name = "'" + name + "'";
  std::string out = name + "=" + fmt::format(fmt::runtime(fmt_spec), p.value) + p.unit;
  if (p.warn != 0 || p.crit != 0) {
    out += ";";
    if (p.warn != 0) out += fmt::format(fmt::runtime(fmt_spec), p.warn);
    if (p.crit != 0) out += ";" + fmt::format(fmt::runtime(fmt_spec), p.crit);
  }
  return out;
}
}  // namespace

std::string CheckResult::nagios() const {
  std::string out = status() + " " + name_;
  for (const auto& c : criticals_) out += " Crit:" + c;
  for (const auto& w : warnings_) out += " Warn:" + w;
  for (const auto& o : oks_) out += " OK:" + o;
  if (!perf_.empty()) {
    out += " |";
    for (const auto& p : perf_) out += " " + perf_string(p);
  }
  return out;
}

std::string CheckResult::json() const {
  nlohmann::ordered_json j;
  j["status"] = status();
  j["check_suite"] = suite_;
  j["check_name"] = name_;
  if (!warnings_.empty()) j["warning"] = warnings_;
  if (!criticals_.empty()) j["critical"] = criticals_;
  if (!oks_.empty()) j["ok"] = oks_;
  nlohmann::ordered_json pd = nlohmann::ordered_json::array();
  for (const auto& p : perf_) {
    nlohmann::ordered_json e;
    e["name"] = p.name;
    e["value"] = p.value;
    if (p.warn != 0) e["warning"] = p.warn;
    if (p.crit != 0) e["critical"] = p.crit;
    if (!p.unit.empty()) e["unit"] = p.unit;
    if (!p.help.empty()) e["help"] = p.help;
    pd.push_back(std::move(e));
  }
  j["perf_data"] = std::move(pd);
  return j.dump(2);
}

}  // namespace nats::cli
