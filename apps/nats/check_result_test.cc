#include "check_result.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nats::cli {
namespace {

TEST(CheckResult, NagiosLineAndExitCodes) {
  CheckResult r("Connection", "connections");
  r.ok("connected to nats://x in 1ms");
  r.perf({"connect_time", 0.0012, 0.5, 1, "s", ""});
  r.perf({"msgs", 3, 0, 10, "", ""});
  EXPECT_EQ(r.nagios(),
            "OK Connection OK:connected to nats://x in 1ms | connect_time=0.0012s;0.5000;1.0000 "
            "msgs=3;;10");
  EXPECT_EQ(r.exit_code(), 0);
  r.threshold(0.7, 0.5, 1.0, "fine", "slow", "too slow");
  EXPECT_EQ(r.status(), "WARNING");
  EXPECT_EQ(r.exit_code(), 1);
  r.threshold(2, 0.5, 1.0, "fine", "slow", "too slow");
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_EQ(r.nagios().substr(0, 50), "CRITICAL Connection Crit:too slow Warn:slow OK:con");
  const auto j = nlohmann::json::parse(r.json());
  EXPECT_EQ(j["status"], "CRITICAL");
  EXPECT_EQ(j["check_name"], "Connection");
  EXPECT_EQ(j["critical"][0], "too slow");
  EXPECT_EQ(j["perf_data"][0]["name"], "connect_time");
}

TEST(CheckResult, ZeroThresholdsNeverTrip) {
  CheckResult r("Connection", "connections");
  r.threshold(100, 0, 0, "ok", "w", "c");
  EXPECT_EQ(r.status(), "OK");
}

}  // namespace
}  // namespace nats::cli
