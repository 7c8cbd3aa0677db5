#include "event_render.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "output.h"

namespace nats::cli {

namespace {

using nlohmann::json;

constexpr std::string_view kConnectType = "io.nats.server.advisory.v1.client_connect";
constexpr std::string_view kDisconnectType = "io.nats.server.advisory.v1.client_disconnect";

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return {};
  return v.dump();
}

uint64_t num(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return 0;
  return j[key].get<uint64_t>();
}

// "2024-05-01T12:00:00.123Z" -> "12:00:00": the time of day as the server wrote it.
std::string short_time(const std::string& ts) {
  const size_t t = ts.find('T');
  return t != std::string::npos && ts.size() >= t + 9 ? ts.substr(t + 1, 8) : ts;
}

std::string indent_lines(const std::string& text, int spaces) {
  std::string out;
  std::string pad(size_t(spaces), ' ');
  size_t start = 0;
  while (start <= text.size()) {
    const size_t nl = text.find('\n', start);
    out += pad + text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string client_block(const json& c) {
  std::string out = "   Client:\n";
  out += fmt::format("                 ID: {}\n", str(c, "id"));
  if (!str(c, "user").empty()) out += fmt::format("               User: {}\n", str(c, "user"));
  if (!str(c, "name").empty()) out += fmt::format("               Name: {}\n", str(c, "name"));
  out += fmt::format("            Account: {}\n", str(c, "acc"));
  const std::string lang = str(c, "lang");
  out += fmt::format("    Library Version: {}  Language: {}\n", str(c, "ver"),
                     lang.empty() ? "Unknown" : lang);
  if (!str(c, "host").empty()) out += fmt::format("               Host: {}\n", str(c, "host"));
  if (!str(c, "jwt").empty()) {
    out += fmt::format("         Issuer Key: {}\n", str(c, "issuer_key"));
    out += fmt::format("           Name Tag: {}\n", str(c, "name_tag"));
  }
  if (!str(c, "kind").empty()) out += fmt::format("        Client Kind: {}\n", str(c, "kind"));
  if (!str(c, "client_type").empty()) {
    out += fmt::format("        Client Type: {}\n", str(c, "client_type"));
  }
  return out;
}

std::string render_connect(const json& e, EventFormat format) {
  const json& c = e.value("client", json::object());
  const json& s = e.value("server", json::object());
  const std::string time = short_time(str(e, "timestamp"));
  if (format == EventFormat::kShort) {
    return fmt::format("{} [Connection] {}cid: {} in account {}\n", time,
                       str(c, "user").empty() ? "" : "user: " + str(c, "user") + " ", str(c, "id"),
                       str(c, "acc"));
  }
  std::string out = fmt::format("[{}] [{}] Client Connection\n\n", time, str(e, "id"));
  out += fmt::format("   Server: {}\n", str(s, "name"));
  if (!str(s, "cluster").empty()) out += fmt::format("  Cluster: {}\n", str(s, "cluster"));
  out += "\n" + client_block(c);
  return out;
}

std::string render_disconnect(const json& e, EventFormat format) {
  const json& c = e.value("client", json::object());
  const json& s = e.value("server", json::object());
  const std::string time = short_time(str(e, "timestamp"));
  const std::string reason = str(e, "reason");
  if (format == EventFormat::kShort) {
    return fmt::format("{} [Disconnection] {}cid: {} in account {}: {}\n", time,
                       str(c, "user").empty() ? "" : "user: " + str(c, "user") + " ", str(c, "id"),
                       str(c, "acc"), reason);
  }
  std::string out = fmt::format("[{}] [{}] Client Disconnection\n\n", time, str(e, "id"));
  if (!reason.empty()) out += fmt::format("    Reason: {}\n", reason);
  out += fmt::format("    Server: {}\n", str(s, "name"));
  if (!str(s, "cluster").empty()) out += fmt::format("   Cluster: {}\n", str(s, "cluster"));
  out += "\n" + client_block(c);
  const json& sent = e.value("sent", json::object());
  const json& received = e.value("received", json::object());
  out += "\n   Stats:\n";
  // The server marshals rtt as a Go duration: integer nanoseconds.
  const std::string rtt = c.contains("rtt") && c["rtt"].is_number()
                              ? go_duration(c["rtt"].get<int64_t>())
                              : str(c, "rtt");
  out += fmt::format("                  RTT: {}\n", rtt);
  out += fmt::format("      Client Received: {} messages ({})\n", num(received, "msgs"),
                     ibytes(num(received, "bytes")));
  out += fmt::format("     Client Published: {} messages ({})\n", num(sent, "msgs"),
                     ibytes(num(sent, "bytes")));
  return out;
}

}  // namespace

std::string render_event(std::string_view subject, std::string_view text, EventFormat format) {
  const json e = json::parse(text, nullptr, false);
  if (e.is_discarded() || !e.is_object()) {
    return fmt::format("Event error: parsing failed on subject {}\n\n", subject) +
           indent_lines(std::string(text), 10);
  }
  const std::string type = str(e, "type");
  if (type == kConnectType) return render_connect(e, format);
  if (type == kDisconnectType) return render_disconnect(e, format);
  const std::string time = short_time(str(e, "timestamp"));
  const std::string kind = type.empty() ? "unknown event" : type;
  if (format == EventFormat::kShort) {
    return fmt::format("{} [{}] on {}\n", time, kind, subject);
  }
  return fmt::format("[{}] [{}] {} on {}\n\n", time, str(e, "id"), kind, subject) +
         indent_lines(e.dump(2), 4);
}

}  // namespace nats::cli
