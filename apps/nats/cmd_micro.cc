// nats micro ls|info|stats|ping|serve: discovers services written with the services framework
// (ADR-32; nats/micro.h, nats.go's micro, nats.js' services) through $SRV.INFO|STATS|PING.
// natscli calls the verb `service` with the alias `micro`; both names work here.

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "base/clock.h"

#include "bench_stats.h"
#include "commands.h"
#include "nats/micro.h"
#include "output.h"

namespace nats::cli {

namespace {

using nlohmann::json;
namespace micro = client::micro;

// Answers stop once none came for this long after the last one (natscli waits similarly).
constexpr auto kQuietPeriod = std::chrono::milliseconds(300);

struct MicroFlags {
  std::string name;
  std::string id;
  std::string endpoint;  // regular expression (info)
  bool json = false;
};

// The answers of one verb that have the expected type; sorted by name, then id.
std::vector<json> discover(client::Connection& nc, micro::Verb verb, const MicroFlags& f,
                           std::string_view type, int expect, std::chrono::milliseconds timeout,
                           bool* none) {
  bool no_responders = false;
  auto replies = gather_replies(nc, micro::control_subject(verb, f.name, f.id), "", timeout, expect,
                                kQuietPeriod, &no_responders);
  *none = no_responders;
  std::vector<json> out;
  for (auto& r : replies) {
    json j = json::parse(r.msg.data(), nullptr, false);
    // Anything that is not the expected document is ignored, as natscli ignores it.
    if (j.is_object() && j.value("type", "") == type) out.push_back(std::move(j));
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
    return std::pair(a.value("name", ""), a.value("id", "")) <
           std::pair(b.value("name", ""), b.value("id", ""));
  });
  return out;
}

std::string count(const json& j, const char* key) {
  return with_commas(j.contains(key) && j[key].is_number() ? j[key].get<uint64_t>() : 0);
}

std::string nanos(const json& j, const char* key) {
  return short_duration(j.contains(key) && j[key].is_number() ? j[key].get<int64_t>() : 0);
}

void add_metadata(Columns& cols, const json& md) {
  if (!md.is_object() || md.empty()) return;
  bool first = true;
  for (const auto& [k, v] : md.items()) {
    cols.add_row(first ? "Metadata" : "",
                 k + ": " + (v.is_string() ? v.get<std::string>() : v.dump()));
    first = false;
  }
}

int run_ls(const GlobalFlags& g, const MicroFlags& f) {
  auto nc = connect(g);
  if (!nc) return 1;
  bool none = false;
  auto infos =
      discover(*nc, micro::Verb::kInfo, f, micro::kInfoResponseType, 0, g.timeout_ms(), &none);
  if (none) return print_error("no service instances found");
  if (f.json) {
    fmt::print("{}\n", json(infos).dump(2));
    return 0;
  }
  if (infos.empty()) {
    fmt::print("No results received\n");
    return 0;
  }
  Table t(f.name.empty() ? "All Services" : f.name + " Service Instances");
  t.add_headers({"Name", "Version", "ID", "Description"});
  std::string prev_name, prev_version, prev_desc;
  for (const json& s : infos) {
    const std::string name = s.value("name", ""), version = s.value("version", ""),
                      desc = s.value("description", "");
    // Repeated values are left out, so instances of one service read as a group.
    t.add_row({name == prev_name ? "" : name, version == prev_version ? "" : version,
               s.value("id", ""), desc == prev_desc ? "" : desc});
    prev_name = name;
    prev_version = version;
    prev_desc = desc;
  }
  fmt::print("{}", t.render());
  return 0;
}

int run_info(const GlobalFlags& g, const MicroFlags& f) {
  std::optional<std::regex> filter;
  if (!f.endpoint.empty()) {
    try {
      filter.emplace(f.endpoint);
    } catch (const std::regex_error& e) {
      return print_error("invalid --endpoint expression: " + std::string(e.what()));
    }
  }
  auto keep = [&](const json& e) {
    return !filter || std::regex_search(e.value("name", ""), *filter);
  };
  auto nc = connect(g);
  if (!nc) return 1;
  bool none = false;
  auto infos =
      discover(*nc, micro::Verb::kInfo, f, micro::kInfoResponseType, 1, g.timeout_ms(), &none);
  if (none) return print_error("no service instances found");
  if (infos.empty()) {
    fmt::print("{}\n", f.json ? "{}" : "No results received");
    return 0;
  }
  json info = infos.front();
  MicroFlags one = f;
  one.name = info.value("name", "");
  one.id = info.value("id", "");
  auto stats_list =
      discover(*nc, micro::Verb::kStats, one, micro::kStatsResponseType, 1, g.timeout_ms(), &none);
  if (stats_list.empty()) {
    return print_error(fmt::format("no statistics received for {} > {}", one.name, one.id));
  }
  json stats = stats_list.front();
  auto filter_endpoints = [&](json& doc) {
    if (!doc.contains("endpoints") || !doc["endpoints"].is_array()) return;
    json kept = json::array();
    for (const json& e : doc["endpoints"]) {
      if (keep(e)) kept.push_back(e);
    }
    doc["endpoints"] = std::move(kept);
  };
  filter_endpoints(info);
  filter_endpoints(stats);
  if (f.json) {
    fmt::print("{}\n", json{{"info", info}, {"stats", stats}}.dump(2));
    return 0;
  }
  Columns cols("Service Information");
  cols.add_row("Service", fmt::format("{} ({})", one.name, one.id));
  cols.add_row("Description", info.value("description", ""));
  cols.add_row("Version", info.value("version", ""));
  add_metadata(cols, info.value("metadata", json::object()));
  cols.add_section_title("Endpoints:");
  cols.indent(2);
  for (const json& e : info.value("endpoints", json::array())) {
    cols.add_line();
    cols.add_row("Name", e.value("name", ""));
    cols.add_row("Subject", e.value("subject", ""));
    cols.add_row_if_not_empty("Queue Group", e.value("queue_group", ""));
    add_metadata(cols, e.value("metadata", json::object()));
  }
  cols.indent(0);
  const json eps = stats.value("endpoints", json::array());
  cols.add_section_title(fmt::format("Statistics for {} Endpoint(s)", eps.size()));
  for (const json& e : eps) {
    std::string name = e.value("name", "");
    if (name.empty()) name = "default";
    cols.indent(2);
    cols.add_section_title(name + " Endpoint Statistics");
    cols.add_row("Requests", fmt::format("{} in group \"{}\"", count(e, "num_requests"),
                                         e.value("queue_group", "")));
    cols.add_row("Processing Time", fmt::format("{} (average {})", nanos(e, "processing_time"),
                                                nanos(e, "average_processing_time")));
    cols.add_row("Started", stats.value("started", ""));
    cols.add_row("Errors", count(e, "num_errors"));
    cols.add_row_if_not_empty("Last Error", e.value("last_error", ""));
    if (e.contains("data") && !e["data"].is_null()) {
      cols.add_section_title("Endpoint Specific Statistics");
      cols.add_line("  " + e["data"].dump());
    }
    cols.indent(0);
  }
  fmt::print("{}", cols.render());
  return 0;
}

int run_stats(const GlobalFlags& g, const MicroFlags& f) {
  auto nc = connect(g);
  if (!nc) return 1;
  bool none = false;
  auto stats =
      discover(*nc, micro::Verb::kStats, f, micro::kStatsResponseType, 0, g.timeout_ms(), &none);
  if (none) return print_error("no service instances found");
  if (f.json) {
    fmt::print("{}\n", json(stats).dump(2));
    return 0;
  }
  if (stats.empty()) {
    fmt::print("No responses received\n");
    return 0;
  }
  Table t(fmt::format("{} Service Statistics", f.name));
  t.add_headers(
      {"ID", "Endpoint", "Requests", "Queue Group", "Errors", "Processing Time", "Average Time"});
  uint64_t requests = 0, errors = 0;
  int64_t total_ns = 0;
  for (const json& s : stats) {
    bool first = true;
    for (const json& e : s.value("endpoints", json::array())) {
      t.add_row({first ? s.value("id", "") : "", e.value("name", ""), count(e, "num_requests"),
                 e.value("queue_group", ""), count(e, "num_errors"), nanos(e, "processing_time"),
                 nanos(e, "average_processing_time")});
      first = false;
      requests += e.value("num_requests", uint64_t(0));
      errors += e.value("num_errors", uint64_t(0));
      total_ns += e.value("processing_time", int64_t(0));
    }
  }
  const int64_t avg = requests + errors > 0 ? total_ns / int64_t(requests + errors) : 0;
  t.add_footer({"", "", with_commas(requests), "", with_commas(errors), short_duration(total_ns),
                short_duration(avg)});
  fmt::print("{}", t.render());
  return 0;
}

int run_ping(const GlobalFlags& g, const MicroFlags& f) {
  auto nc = connect(g);
  if (!nc) return 1;
  bool none = false;
  auto replies = gather_replies(*nc, micro::control_subject(micro::Verb::kPing, f.name), "",
                                g.timeout_ms(), 0, kQuietPeriod, &none);
  if (none) return print_error("no service instances found");
  json all = json::array();
  for (auto& r : replies) {
    const json p = json::parse(r.msg.data(), nullptr, false);
    if (!p.is_object() || p.value("type", "") != micro::kPingResponseType) continue;
    if (f.json) {
      json entry = p;
      entry["rtt"] = r.rtt.count();
      all.push_back(std::move(entry));
      continue;
    }
    fmt::print("{:<50} rtt={}\n", p.value("name", "") + " " + p.value("id", ""),
               go_duration(r.rtt));
  }
  if (f.json) fmt::print("{}\n", all.dump(2));
  return 0;
}

// A demo service, as natscli's `service serve`: NAME.echo answers with the request's body and
// headers saying who answered. Runs until Ctrl-C.
int run_serve(const GlobalFlags& g, const MicroFlags& f, const std::vector<std::string>& hdrs) {
  install_interrupt_handler();
  client::Headers extra;
  std::string error;
  if (!parse_header_flags(hdrs, extra, &error)) return print_error(error);
  auto nc = connect(g);
  if (!nc) return 1;
  auto payload = std::make_shared<std::atomic<uint64_t>>(0);
  micro::ServiceConfig cfg;
  cfg.name = f.name;
  cfg.version = "1.0.0";
  cfg.description = fmt::format("NATS CLI Demo Service ({})", f.name);
  cfg.metadata = {{"_nats.client.created.library", "nats-cpp"}};
  cfg.stats_handler = [payload](const micro::EndpointStats&) {
    return json{{"total_payload", payload->load()}};
  };
  auto svc = micro::add_service(*nc, std::move(cfg));
  if (!svc) return print_error(svc.status());
  client::Connection* conn = nc.get();
  const std::string url = nc->connected_url();
  auto st = (*svc)->add_group(f.name).add_endpoint(
      "echo", [conn, url, payload, extra](micro::Request& req) {
        log_line(fmt::format("Handling request on subject {}", req.subject()));
        payload->fetch_add(req.data().size());
        client::Headers h = extra;
        h.add("ConnectedUrl", url);
        h.add("Handler", std::to_string(::getpid()));
        h.add("Subject", req.subject());
        h.add("Timestamp", rfc3339_utc(wall_nanos()));
        for (const auto& [k, v] : req.headers()) h.add(k, v);
        (void)req.respond(req.data(), h);
        (void)conn;
      });
  if (!st) return print_error(st);
  if (auto fl = nc->flush(g.timeout_ms()); !fl) return print_error(fl);
  Columns cols(fmt::format("NATS CLI Service {} handler {} waiting for requests on {}", f.name,
                           ::getpid(), url));
  cols.add_section_title("Listening Subjects");
  cols.add_row(f.name + ".echo", "Echo Service");
  cols.add_section_title("Requests Log");
  fmt::print("{}", cols.render());
  std::fflush(stdout);
  while (!interrupted() && nc->state() != client::ConnState::kClosed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return (*svc)->stop() ? 0 : 1;
}

}  // namespace

void add_micro_command(CLI::App& app, GlobalFlags& g) {
  CLI::App* cmd = app.add_subcommand("micro", "Services discovery and management (ADR-32)");
  cmd->alias("service");
  cmd->require_subcommand(1);
  cmd->footer(
      "Services answer $SRV.PING, $SRV.INFO and $SRV.STATS (optionally .<name> and .<name>.<id>).\n"
      "Examples:\n"
      "  nats micro ls\n"
      "  nats micro info calc\n"
      "  nats micro stats calc --json");
  auto f = std::make_shared<MicroFlags>();

  CLI::App* ls = cmd->add_subcommand("ls", "List known Services");
  ls->alias("list");
  ls->add_option("service", f->name, "List instances of a specific Service");
  ls->add_flag("-j,--json", f->json, "Show JSON output");
  ls->callback([&g, f] { g.exit_code = run_ls(g, *f); });

  CLI::App* info = cmd->add_subcommand("info", "Show Service information");
  info->add_option("service", f->name, "Service to show")->required();
  info->add_option("id", f->id, "Show info for a specific ID");
  info->add_option("-e,--endpoint", f->endpoint,
                   "Filter shown endpoints using a regular expression");
  info->add_flag("-j,--json", f->json, "Show JSON output");
  info->callback([&g, f] { g.exit_code = run_info(g, *f); });

  CLI::App* stats = cmd->add_subcommand("stats", "Report Service statistics");
  stats->add_option("service", f->name, "Service to show")->required();
  stats->add_option("id", f->id, "Show statistics for a specific ID");
  stats->add_flag("-j,--json", f->json, "Show JSON output");
  stats->callback([&g, f] { g.exit_code = run_stats(g, *f); });

  CLI::App* ping = cmd->add_subcommand("ping", "Sends a ping to all Services");
  ping->add_option("service", f->name, "Service to ping");
  ping->add_flag("-j,--json", f->json, "Show JSON output (with rtt in nanoseconds)");
  ping->callback([&g, f] { g.exit_code = run_ping(g, *f); });

  auto hdrs = std::make_shared<std::vector<std::string>>();
  CLI::App* serve = cmd->add_subcommand("serve", "Runs a demo Service (NAME.echo)");
  serve->add_option("name", f->name, "A name for the service to run on")->required();
  serve->add_option("-H,--header", *hdrs, "Headers to add to responses: -H Key:Value")
      ->allow_extra_args(false);
  serve->callback([&g, f, hdrs] { g.exit_code = run_serve(g, *f, *hdrs); });
}

}  // namespace nats::cli
