// nats context add|ls|select|unselect|show|edit|rm: natscli's configuration contexts, in
// natscli's files (context_store.h), so one set of contexts serves both tools. `add` takes the
// connection flags given with it (--server, --user, --creds, ...) and keeps what an existing
// context has for the rest.

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "context_store.h"
#include "output.h"

namespace nats::cli {

namespace {

struct ContextFlags {
  std::string name;
  std::string description;
  bool select = false;
  bool json = false;
  bool names = false;
  bool force = false;
  bool connect = false;
};

std::string file_state(const std::string& file) {
  if (file.empty()) return {};
  return file + (::access(file.c_str(), R_OK) == 0 ? " (OK)" : " (ERROR)");
}

int show(const GlobalFlags& g, const ContextStore& store, std::string name, bool as_json,
         bool check_connection) {
  if (name.empty()) name = store.selected();
  if (name.empty()) return print_error("no default context and no name supplied");
  std::string error;
  auto ctx = store.load(name, &error);
  if (!ctx) return print_error(error);
  if (as_json) {
    nlohmann::ordered_json j;
    j["name"] = ctx->name;
    const nlohmann::ordered_json fields = ctx->to_json();
    for (const auto& [k, v] : fields.items()) j[k] = v;
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  Columns cols(fmt::format("NATS Configuration Context \"{}\"", name));
  cols.add_row_if_not_empty("Description", ctx->description);
  cols.add_row_if_not_empty("Server URLs", ctx->url);
  cols.add_row_if_not_empty("Username", ctx->user);
  cols.add_row_if_not_empty("Password", std::string(ctx->password.size(), '*'));
  cols.add_row_if_not_empty("Token", ctx->token);
  cols.add_row_if_not_empty("Credentials", file_state(ctx->creds));
  cols.add_row_if_not_empty("NKey", file_state(ctx->nkey));
  cols.add_row_if_not_empty("Certificate", file_state(ctx->cert));
  cols.add_row_if_not_empty("Key", file_state(ctx->key));
  cols.add_row_if_not_empty("CA", file_state(ctx->ca));
  cols.add_row_if_not_empty("Inbox Prefix", ctx->inbox_prefix);
  cols.add_row("Path", store.path(name).string());
  int status = 0;
  if (check_connection) {
    GlobalFlags cg;
    cg.server = ctx->url.empty() ? cg.server : ctx->url;
    cg.user = ctx->user;
    cg.password = ctx->password;
    cg.token = ctx->token;
    cg.creds = ctx->creds;
    cg.nkey = ctx->nkey;
    cg.tls_cert = ctx->cert;
    cg.tls_key = ctx->key;
    cg.tls_ca = ctx->ca;
    cg.timeout = g.timeout;
    std::string why;
    auto opts = connection_options(cg, &why);
    if (opts) {
      opts->allow_reconnect = false;
      auto nc = client::Connection::connect(std::move(*opts));
      if (!nc) why = nc.status().to_string();
    }
    cols.add_row("Connection", why.empty() ? "OK" : why);
    if (!why.empty()) status = 1;
  }
  fmt::print("{}\n", cols.render());
  return status;
}

int run_add(const GlobalFlags& g, const ContextFlags& f) {
  const ContextStore store = ContextStore::from_environment();
  std::string error;
  if (!ContextStore::valid_name(f.name, &error)) return print_error(error);
  NatsContext ctx;
  if (store.exists(f.name)) {
    auto loaded = store.load(f.name, &error);
    if (!loaded) return print_error(error);
    ctx = std::move(*loaded);
  }
  ctx.name = f.name;
  // Only what was given on this command line (or in the environment) changes the context.
  const GlobalFlags::Given given = g.given();
  if (given.server) ctx.url = g.server;
  if (given.user && !given.password) {  // natscli: a user without password is a token
    ctx.token = g.user;
    ctx.user.clear();
    ctx.password.clear();
  } else if (given.user || given.password) {
    ctx.user = g.user;
    ctx.password = g.password;
    ctx.token.clear();
  }
  if (given.creds) ctx.creds = g.creds;
  if (given.nkey) ctx.nkey = g.nkey;
  if (given.tls_cert) ctx.cert = g.tls_cert;
  if (given.tls_key) ctx.key = g.tls_key;
  if (given.tls_ca) ctx.ca = g.tls_ca;
  if (given.inbox_prefix) ctx.inbox_prefix = g.inbox_prefix;
  if (!f.description.empty()) ctx.description = f.description;
  if (ctx.url.empty()) ctx.url = g.server;
  if (!store.save(ctx, &error)) return print_error(error);
  if (f.select && !store.select(f.name, &error)) return print_error(error);
  return show(g, store, f.name, false, false);
}

int run_ls(const ContextFlags& f) {
  const ContextStore store = ContextStore::from_environment();
  const std::vector<std::string> names = store.list();
  const std::string current = store.selected();
  if (f.names) {
    for (const auto& n : names) fmt::print("{}\n", n);
    return 0;
  }
  std::vector<NatsContext> contexts;
  for (const auto& n : names) {
    std::string error;
    auto c = store.load(n, &error);
    if (!c) {
      fmt::print(stderr, "Could not load context {}: {}\n", n, error);
      continue;
    }
    contexts.push_back(std::move(*c));
  }
  if (f.json) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const auto& c : contexts) {
      nlohmann::ordered_json j;
      j["name"] = c.name;
      const nlohmann::ordered_json fields = c.to_json();
      for (const auto& [k, v] : fields.items()) j[k] = v;
      all.push_back(std::move(j));
    }
    fmt::print("{}\n", all.dump(2));
    return 0;
  }
  if (contexts.empty()) {
    fmt::print("No known contexts\n");
    return 0;
  }
  Table t("Known Contexts");
  t.add_headers({"Name", "Description"});
  for (const auto& c : contexts)
    t.add_row({c.name == current ? c.name + "*" : c.name, c.description});
  fmt::print("{}", t.render());
  return 0;
}

int run_select(const GlobalFlags& g, const ContextFlags& f) {
  const ContextStore store = ContextStore::from_environment();
  if (store.list().empty()) return print_error("no context defined");
  if (f.name.empty()) return print_error("give the name of the context to select");
  std::string error;
  if (!store.select(f.name, &error)) return print_error(error);
  return show(g, store, f.name, false, false);
}

int run_unselect() {
  const ContextStore store = ContextStore::from_environment();
  const std::string current = store.selected();
  if (current.empty()) {
    fmt::print("No context currently selected\n");
    return 0;
  }
  std::string error;
  if (!store.unselect(&error)) return print_error(error);
  fmt::print("Unselected the \"{}\" context\n", current);
  return 0;
}

int run_rm(const ContextFlags& f) {
  const ContextStore store = ContextStore::from_environment();
  if (!store.exists(f.name)) return print_error("unknown context \"" + f.name + "\"");
  std::string error;
  if (store.selected() == f.name) {
    if (!f.force) {
      return print_error(
          "cannot remove the selected context, select another one or use the unselect command");
    }
    if (!store.unselect(&error)) return print_error(error);
  }
  if (!f.force) {
    if (::isatty(STDIN_FILENO) != 1) return print_error("use --force to remove without prompting");
    fmt::print("? Really delete context \"{}\" (y/N) ", f.name);
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") return 0;
  }
  if (!store.remove(f.name, &error)) return print_error(error);
  return 0;
}

int run_edit(const GlobalFlags& g, const ContextFlags& f) {
  const ContextStore store = ContextStore::from_environment();
  if (!store.exists(f.name)) return print_error("unknown context \"" + f.name + "\"");
  const char* editor = std::getenv("EDITOR");
  if (editor == nullptr || *editor == '\0') return print_error("set EDITOR to edit contexts");
  // The file is edited in place; a result that is not a JSON object is reported, not used.
  const std::string path = store.path(f.name).string();
  const std::string cmd = std::string(editor) + " '" + path + "'";
  if (std::system(cmd.c_str()) != 0) return print_error("the editor failed: " + cmd);
  std::string error;
  if (!store.load(f.name, &error)) return print_error(error);
  return show(g, store, f.name, false, false);
}

}  // namespace

void add_context_command(CLI::App& app, GlobalFlags& g) {
  CLI::App* cmd = app.add_subcommand("context", "Manage nats configuration contexts");
  cmd->alias("ctx");
  cmd->require_subcommand(1);
  cmd->footer(
      "Contexts are JSON files in $XDG_CONFIG_HOME/nats/context/<name>.json (else\n"
      "~/.config/nats/context), shared with natscli; the selected one is named in\n"
      "$XDG_CONFIG_HOME/nats/context.txt. The selected context (or --context NAME) supplies the\n"
      "connection flags that are not given explicitly.");
  auto f = std::make_shared<ContextFlags>();

  CLI::App* add = cmd->add_subcommand("add", "Update or create a context");
  add->alias("create");
  add->alias("save");
  add->add_option("name", f->name, "The context name to act on")->required();
  add->add_option("--description", f->description, "Set a friendly description for this context");
  add->add_flag("--select", f->select, "Select the saved context as the default one");
  add->footer(
      "The connection flags given with it are stored: nats context add dev --server "
      "nats://dev:4222 --user u --password p");
  add->callback([&g, f] { g.exit_code = run_add(g, *f); });

  CLI::App* ls = cmd->add_subcommand("ls", "List known contexts");
  ls->alias("list");
  ls->add_flag("-j,--json", f->json, "Show the list in JSON format");
  ls->add_flag("--names", f->names, "List just the names of known contexts");
  ls->callback([&g, f] { g.exit_code = run_ls(*f); });

  CLI::App* sel = cmd->add_subcommand("select", "Select the default context");
  sel->alias("switch");
  sel->alias("set");
  sel->add_option("name", f->name, "The context name to select");
  sel->callback([&g, f] { g.exit_code = run_select(g, *f); });

  CLI::App* unsel = cmd->add_subcommand("unselect", "Ensures that no context is the default");
  unsel->callback([&g] { g.exit_code = run_unselect(); });

  CLI::App* info =
      cmd->add_subcommand("show", "Display information on the current or named context");
  info->alias("info");
  info->alias("view");
  info->add_option("name", f->name, "The context name to show");
  info->add_flag("-j,--json", f->json, "Show the context in JSON format");
  info->add_flag("--connect", f->connect, "Attempts to connect to NATS using the context");
  info->callback([&g, f] {
    g.exit_code = show(g, ContextStore::from_environment(), f->name, f->json, f->connect);
  });

  CLI::App* edit = cmd->add_subcommand("edit", "Edit a context in your EDITOR");
  edit->add_option("name", f->name, "The context name to edit")->required();
  edit->callback([&g, f] { g.exit_code = run_edit(g, *f); });

  CLI::App* rm = cmd->add_subcommand("rm", "Remove a context");
  rm->alias("remove");
  rm->add_option("name", f->name, "The context name to remove")->required();
  rm->add_flag("-f,--force", f->force, "Force remove without prompting");
  rm->callback([&g, f] { g.exit_code = run_rm(*f); });
}

}  // namespace nats::cli
