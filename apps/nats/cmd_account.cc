// nats account info: what this connection is (user, account, client id, server) and, when the
// account has JetStream ($JS.API.INFO answers), its usage and limits. Without JetStream it says
// so, in natscli's words.

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "bench_stats.h"
#include "commands.h"
#include "output.h"

namespace nats::cli {

namespace {

using nlohmann::json;

constexpr std::string_view kUserInfoSubject = "$SYS.REQ.USER.INFO";
constexpr std::string_view kJsInfoSubject = "$JS.API.INFO";
constexpr int kJsNotEnabledForAccount = 10039;  // JetStream's error code
constexpr auto kUserInfoTimeout = std::chrono::seconds(1);

struct AccountFlags {
  bool json = false;
};

std::string limit(const json& j, const char* key, bool bytes) {
  if (!j.contains(key) || !j[key].is_number()) return "unlimited";
  const int64_t v = j[key].get<int64_t>();
  if (v < 0) return "unlimited";
  return bytes ? ibytes(uint64_t(v)) : with_commas(uint64_t(v));
}

int run_info(const GlobalFlags& g, const AccountFlags& f) {
  auto nc = connect(g);
  if (!nc) return 1;
  const client::ServerInfo info = nc->server_info();
  auto rtt = nc->rtt(g.timeout_ms());

  // Who we are, from servers that answer it (nats-server 2.10+, natsd).
  json user_info;
  if (auto r = nc->request(kUserInfoSubject, "", kUserInfoTimeout); r && r->status() == 0) {
    json j = json::parse(r->data(), nullptr, false);
    if (j.is_object() && j.contains("data") && !j.contains("error")) user_info = j["data"];
  }

  json js;
  std::string js_problem;
  auto r = nc->request(kJsInfoSubject, "", g.timeout_ms());
  if (!r) {
    js_problem = r.code() == client::Errc::kNoResponders
                     ? "JetStream is not supported in this account"
                 : r.code() == client::Errc::kTimeout
                     ? "No response from JetStream server"
                     : "Could not obtain account information: " + r.status().message();
  } else {
    js = json::parse(r->data(), nullptr, false);
    if (!js.is_object()) {
      js_problem = "Could not obtain account information: invalid response";
    } else if (js.contains("error")) {
      const json& e = js["error"];
      js_problem = e.value("err_code", 0) == kJsNotEnabledForAccount
                       ? "JetStream is not supported in this account"
                       : "Could not obtain account information: " + e.value("description", "");
    }
  }

  if (f.json) {
    json out;
    out["client_id"] = info.client_id;
    out["client_ip"] = info.client_ip;
    out["rtt"] = rtt ? int64_t(rtt->count()) * 1000 : 0;
    out["connected_url"] = nc->connected_url();
    out["server_id"] = info.server_id;
    out["server_name"] = info.server_name;
    out["server_version"] = info.version;
    out["max_payload"] = info.max_payload;
    if (!user_info.is_null()) out["user_info"] = user_info;
    if (js_problem.empty()) {
      out["jetstream"] = js;
    } else {
      out["jetstream_error"] = js_problem;
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }

  Columns cols("Account Information");
  if (user_info.is_object()) {
    const std::string user = user_info.value("user", "");
    cols.add_row("User", user);
    cols.add_row("Account", user_info.value("account", ""));
  }
  cols.add_row("Client ID", std::to_string(info.client_id));
  cols.add_row("Client IP", info.client_ip);
  cols.add_row("RTT", rtt ? go_duration(*rtt) : "unknown");
  cols.add_row("Headers Supported", info.headers ? "true" : "false");
  cols.add_row("Maximum Payload", ibytes(uint64_t(info.max_payload)));
  cols.add_row("Connected URL", nc->connected_url());
  cols.add_row("Connected Server ID", info.server_id);
  cols.add_row("Connected Server Version", info.version);
  if (info.server_name != info.server_id) cols.add_row("Connected Server Name", info.server_name);
  cols.add_row("TLS Connection", "no");

  if (!js_problem.empty()) {
    cols.add_line();
    cols.add_line("   " + js_problem);
  } else {
    const std::string domain = js.value("domain", "");
    cols.add_section_title(domain.empty() ? "JetStream Account Information"
                                          : "JetStream Account Information for domain " + domain);
    cols.add_section_title("Account Usage");
    cols.add_row_if_not_empty("Domain", domain);
    cols.add_row("Storage", ibytes(js.value("storage", uint64_t(0))));
    cols.add_row("Memory", ibytes(js.value("memory", uint64_t(0))));
    cols.add_row("Streams", with_commas(js.value("streams", uint64_t(0))));
    cols.add_row("Consumers", with_commas(js.value("consumers", uint64_t(0))));
    const json limits = js.value("limits", json::object());
    cols.add_section_title("Account Limits");
    cols.add_row("Max Message Payload", ibytes(uint64_t(info.max_payload)));
    cols.add_row("Max Memory", limit(limits, "max_memory", true));
    cols.add_row("Max Storage", limit(limits, "max_storage", true));
    cols.add_row("Max Streams", limit(limits, "max_streams", false));
    cols.add_row("Max Consumers", limit(limits, "max_consumers", false));
  }
  fmt::print("{}", cols.render());
  return 0;
}

}  // namespace

void add_account_command(CLI::App& app, GlobalFlags& g) {
  CLI::App* account = app.add_subcommand("account", "Account information");
  account->require_subcommand(1);
  auto f = std::make_shared<AccountFlags>();
  CLI::App* info = account->add_subcommand("info", "Account information");
  info->add_flag("-j,--json", f->json, "Produce JSON output");
  info->footer(
      "Shows the connection (client id, server, rtt) and, when $JS.API.INFO answers, the\n"
      "account's JetStream usage and limits.");
  info->callback([&g, f] { g.exit_code = run_info(g, *f); });
}

}  // namespace nats::cli
