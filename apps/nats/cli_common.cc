#include "cli_common.h"

#include <csignal>
#include <ctime>
#include <fstream>

#include <fmt/format.h>

#include "base/clock.h"
#include "config/duration.h"
#include "context_store.h"

namespace nats::cli {

namespace {
std::atomic<bool> g_interrupted{false};
}  // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  return config::parse_go_duration(text);
}

std::chrono::nanoseconds duration_flag(const std::string& flag, const std::string& text) {
  auto d = parse_duration(text);
  if (!d || d->count() < 0) {
    throw CLI::ValidationError(flag, "'" + text + "' is not a duration (like 5s, 250ms, 1m)");
  }
  return *d;
}

std::chrono::milliseconds GlobalFlags::timeout_ms() const {
  const auto d = parse_duration(timeout).value_or(std::chrono::seconds(5));
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

GlobalFlags::Given GlobalFlags::given() const {
  auto set = [](const CLI::Option* o) { return o != nullptr && o->count() > 0; };
  Given g;
  g.server = set(opts_.server);
  g.user = set(opts_.user);
  g.password = set(opts_.password);
  g.creds = set(opts_.creds);
  g.nkey = set(opts_.nkey);
  g.tls_cert = set(opts_.tls_cert);
  g.tls_key = set(opts_.tls_key);
  g.tls_ca = set(opts_.tls_ca);
  g.inbox_prefix = set(opts_.inbox_prefix);
  return g;
}

void apply_context(GlobalFlags& g) {
  const ContextStore store = ContextStore::from_environment();
  std::string name = g.context;
  if (name.empty()) {
    name = store.selected();
    if (name.empty() || !store.exists(name)) return;
  }
  std::string error;
  auto ctx = store.load(name, &error);
  if (!ctx) {
    g.context_error = error;
    return;
  }
  g.context_used = name;
  const GlobalFlags::Given given = g.given();
  auto fill = [](bool was_given, std::string& flag, const std::string& value) {
    if (!was_given && !value.empty()) flag = value;
  };
  fill(given.server, g.server, ctx->url);
  // A context's credentials come as a set: explicit credentials of any kind replace them all.
  const bool creds_given = given.user || given.password || given.creds || given.nkey;
  if (!creds_given) {
    fill(false, g.user, ctx->user);
    fill(false, g.password, ctx->password);
    fill(false, g.token, ctx->token);
    fill(false, g.creds, ctx->creds);
    fill(false, g.nkey, ctx->nkey);
  }
  fill(given.tls_cert, g.tls_cert, ctx->cert);
  fill(given.tls_key, g.tls_key, ctx->key);
  fill(given.tls_ca, g.tls_ca, ctx->ca);
  fill(given.inbox_prefix, g.inbox_prefix, ctx->inbox_prefix);
}

void add_global_flags(CLI::App& app, GlobalFlags& g) {
  g.opts_.server = app.add_option("-s,--server", g.server, "NATS server URLs, separated by commas")
                       ->envname("NATS_URL")
                       ->capture_default_str();
  g.opts_.user = app.add_option("--user", g.user, "Username or token")->envname("NATS_USER");
  g.opts_.password = app.add_option("--password", g.password, "Password")->envname("NATS_PASSWORD");
  g.opts_.creds = app.add_option("--creds", g.creds, "User credentials file (JWT and nkey seed)")
                      ->envname("NATS_CREDS");
  g.opts_.nkey = app.add_option("--nkey", g.nkey, "User nkey seed file")->envname("NATS_NKEY");
  g.opts_.tls_cert =
      app.add_option("--tlscert", g.tls_cert, "TLS client certificate file")->envname("NATS_CERT");
  g.opts_.tls_key =
      app.add_option("--tlskey", g.tls_key, "TLS client private key file")->envname("NATS_KEY");
  g.opts_.tls_ca = app.add_option("--tlsca", g.tls_ca, "TLS certificate authority chain file")
                       ->envname("NATS_CA");
  app.add_flag("--tlsfirst", g.tls_first,
               "Start TLS before the server's INFO (servers with handshake_first)");
  g.opts_.inbox_prefix =
      app.add_option("--inbox-prefix", g.inbox_prefix, "Custom inbox prefix for replies")
          ->envname("NATS_INBOX_PREFIX");
  app.add_option("--context", g.context, "Configuration context to use (see `nats context`)")
      ->envname("NATS_CONTEXT");
  app.add_option("--timeout", g.timeout, "Time to wait on responses from NATS")
      ->envname("NATS_TIMEOUT")
      ->capture_default_str()
      ->check([](const std::string& v) {
        auto d = parse_duration(v);
        return d && d->count() > 0 ? std::string() : "'" + v + "' is not a positive duration";
      });
  app.add_option("--connection-name", g.connection_name, "Name shown to the server")
      ->envname("NATS_CONNECTION_NAME");
  // After parsing (flags and environment known), before the verb's callback.
  app.parse_complete_callback([&g] { apply_context(g); });
}

std::optional<client::Options> connection_options(const GlobalFlags& g, std::string* error,
                                                  client::Options o) {
  if (!g.context_error.empty()) {
    *error = g.context_error;
    return std::nullopt;
  }
  o.tls.cert_file = g.tls_cert;
  o.tls.key_file = g.tls_key;
  o.tls.ca_file = g.tls_ca;
  o.tls.handshake_first = g.tls_first;
  o.servers = client::split_server_list(g.server);
  if (!g.inbox_prefix.empty()) o.inbox_prefix = g.inbox_prefix;
  o.name = g.connection_name.empty() ? "NATS CLI (nats-cpp)" : g.connection_name;
  o.connect_timeout = g.timeout_ms();
  o.creds_file = g.creds;
  if (!g.nkey.empty()) {
    std::ifstream in(g.nkey);
    std::string seed;
    if (!in || !std::getline(in, seed)) {
      *error = "cannot read nkey seed file " + g.nkey;
      return std::nullopt;
    }
    while (!seed.empty() && (seed.back() == '\r' || seed.back() == ' ')) seed.pop_back();
    o.nkey_seed = seed;
  }
  // natscli: --user without --password is a token.
  if (!g.user.empty() && g.password.empty()) {
    o.token = g.user;
  } else {
    o.user = g.user;
    o.password = g.password;
  }
  if (!g.token.empty()) o.token = g.token;
  return o;
}

std::unique_ptr<client::Connection> connect(const GlobalFlags& g, client::Options base) {
  std::string error;
  auto o = connection_options(g, &error, std::move(base));
  if (!o) {
    print_error(error);
    return nullptr;
  }
  auto nc = client::Connection::connect(std::move(*o));
  if (!nc) {
    print_error(nc.status());
    return nullptr;
  }
  return std::move(nc.value());
}

std::vector<Reply> gather_replies(client::Connection& nc, std::string_view subject,
                                  std::string_view body, std::chrono::milliseconds timeout,
                                  int expect, std::chrono::milliseconds quiet,
                                  bool* no_responders) {
  std::vector<Reply> out;
  if (no_responders != nullptr) *no_responders = false;
  auto inbox = nc.subscribe_sync(nc.new_inbox());
  if (!inbox) return out;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  if (!nc.publish(subject, inbox->subject(), body)) return out;
  auto last = start;
  while (expect == 0 || int(out.size()) < expect) {
    auto until = deadline;
    if (quiet.count() > 0 && !out.empty()) until = std::min(until, last + quiet);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto m = inbox->next_msg(left);
    if (!m) break;
    if (m->status() == 503) {
      if (no_responders != nullptr) *no_responders = true;
      break;
    }
    last = std::chrono::steady_clock::now();
    out.push_back(Reply{std::move(m.value()), last - start});
  }
  return out;
}

bool parse_header_flags(const std::vector<std::string>& flags, client::Headers& out,
                        std::string* error) {
  for (const std::string& f : flags) {
    const size_t colon = f.find(':');
    if (colon == std::string::npos || colon == 0) {
      *error = "invalid header '" + f + "': use Key:Value";
      return false;
    }
    std::string_view key(f.data(), colon);
    std::string_view value(f.data() + colon + 1, f.size() - colon - 1);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    out.add(key, value);
  }
  if (const char* bad = proto::validate_headers(out)) {
    *error = bad;
    return false;
  }
  return true;
}

int print_error(std::string_view what) {
  fmt::print(stderr, "nats: error: {}\n", what);
  return 1;
}

int print_error(const client::Status& s) { return print_error(s.to_string()); }

client::Status OutgoingMessage::publish(client::Connection& nc, std::string_view subject,
                                        std::string_view reply, std::string_view data) const {
  return with_headers ? nc.publish(subject, reply, headers, data)
                      : nc.publish(subject, reply, data);
}

client::Result<client::Message> OutgoingMessage::request(client::Connection& nc,
                                                         std::string_view subject,
                                                         std::string_view data,
                                                         std::chrono::milliseconds timeout) const {
  return with_headers ? nc.request(subject, headers, data, timeout)
                      : nc.request(subject, data, timeout);
}

std::optional<OutgoingMessage> prepare_message(const std::string& body,
                                               const std::vector<std::string>& header_flags) {
  std::string error;
  auto tmpl = BodyTemplate::parse(body, &error);
  if (!tmpl) {
    print_error(error);
    return std::nullopt;
  }
  OutgoingMessage m{std::move(*tmpl), {}, !header_flags.empty()};
  if (!parse_header_flags(header_flags, m.headers, &error)) {
    print_error(error);
    return std::nullopt;
  }
  return m;
}

void log_line(const std::string& text, FILE* out) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char stamp[16];
  std::strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
  fmt::print(out, "{} {}\n", stamp, text);
  std::fflush(out);
}

std::string go_duration(std::chrono::nanoseconds d) { return nats::go_duration(d.count()); }

void print_headers(const client::Headers& h) {
  if (h.status() != 0) {
    fmt::print("NATS/1.0 {}{}{}\n", h.status(), h.description().empty() ? "" : " ",
               h.description());
  }
  for (const auto& [key, value] : h) fmt::print("{}: {}\n", key, value);
}

void install_interrupt_handler() {
  auto on_signal = [](int) { g_interrupted.store(true); };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool interrupted() { return g_interrupted.load(); }

}  // namespace nats::cli
