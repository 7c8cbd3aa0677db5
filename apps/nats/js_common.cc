#include "js_common.h"

#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

#include "base/clock.h"
#include "js_format.h"

namespace nats::cli {

std::optional<JsSession> connect_jetstream(const GlobalFlags& g) {
  JsSession s;
  s.nc = connect(g);
  if (!s.nc) return std::nullopt;
  client::JetStreamOptions o;
  o.timeout = g.timeout_ms();
  s.js = std::make_unique<client::JetStream>(*s.nc, o);
  return s;
}

int print_js_error(std::string_view doing, const client::Status& s) {
  std::string why = s.to_string();
  if (s.code() == client::Errc::kJetStreamNotEnabled) {
    why = "JetStream is not enabled on this server or account";
  } else if (s.code() == client::Errc::kTimeout) {
    why = "no response from the JetStream API (timeout)";
  }
  return print_error(fmt::format("{}: {}", doing, why));
}

std::string retention_name(client::RetentionPolicy p) {
  switch (p) {
    case client::RetentionPolicy::kLimits:
      return "Limits";
    case client::RetentionPolicy::kInterest:
      return "Interest";
    case client::RetentionPolicy::kWorkQueue:
      return "WorkQueue";
  }
  return "Unknown";
}

std::string storage_name(client::StorageType s) {
  return s == client::StorageType::kMemory ? "Memory" : "File";
}

std::string discard_name(client::DiscardPolicy d) {
  return d == client::DiscardPolicy::kNew ? "New" : "Old";
}

std::string ack_name(client::AckPolicy a) {
  switch (a) {
    case client::AckPolicy::kNone:
      return "None";
    case client::AckPolicy::kAll:
      return "All";
    case client::AckPolicy::kExplicit:
      return "Explicit";
  }
  return "Unknown";
}

std::string replay_name(client::ReplayPolicy r) {
  return r == client::ReplayPolicy::kOriginal ? "Original" : "Instant";
}

std::string since(std::string_view rfc3339) {
  if (is_zero_time(rfc3339)) return "never";
  auto t = parse_rfc3339(rfc3339);
  if (!t) return std::string(rfc3339);
  return humanize_duration(std::chrono::nanoseconds(std::max<int64_t>(0, wall_nanos() - *t)));
}

bool confirmed(bool force, std::string_view question) {
  if (force) return true;
  if (!isatty(STDIN_FILENO)) {
    print_error(fmt::format("{}: pass -f to confirm without a terminal", question));
    return false;
  }
  fmt::print("? {}? (y/N) ", question);
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace nats::cli
