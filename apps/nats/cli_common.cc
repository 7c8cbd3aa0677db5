#include "cli_common.h"

#include <csignal>
#include <ctime>
#include <fstream>

#include <fmt/format.h>

#include "base/clock.h"
#include "config/duration.h"

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

void add_global_flags(CLI::App& app, GlobalFlags& g) {
  app.add_option("-s,--server", g.server, "NATS server URLs, separated by commas")
      ->envname("NATS_URL")
      ->capture_default_str();
  app.add_option("--user", g.user, "Username or token")->envname("NATS_USER");
  app.add_option("--password", g.password, "Password")->envname("NATS_PASSWORD");
  app.add_option("--creds", g.creds, "User credentials file (JWT and nkey seed)")
      ->envname("NATS_CREDS");
  app.add_option("--nkey", g.nkey, "User nkey seed file")->envname("NATS_NKEY");
  app.add_option("--tlscert", g.tls_cert, "TLS client certificate file")->envname("NATS_CERT");
  app.add_option("--tlskey", g.tls_key, "TLS client private key file")->envname("NATS_KEY");
  app.add_option("--tlsca", g.tls_ca, "CA file to verify the server's certificate with")
      ->envname("NATS_CA");
  app.add_flag("--tlsfirst", g.tls_first,
               "Start TLS before the server's INFO (servers with handshake_first)");
  app.add_option("--timeout", g.timeout, "Time to wait on responses from NATS")
      ->envname("NATS_TIMEOUT")
      ->capture_default_str()
      ->check([](const std::string& v) {
        auto d = parse_duration(v);
        return d && d->count() > 0 ? std::string() : "'" + v + "' is not a positive duration";
      });
  app.add_option("--connection-name", g.connection_name, "Name shown to the server")
      ->envname("NATS_CONNECTION_NAME");
}

std::unique_ptr<client::Connection> connect(const GlobalFlags& g, client::Options o) {
  o.servers = client::split_server_list(g.server);
  o.name = g.connection_name.empty() ? "NATS CLI (nats-cpp)" : g.connection_name;
  o.connect_timeout = g.timeout_ms();
  o.creds_file = g.creds;
  o.tls.cert_file = g.tls_cert;
  o.tls.key_file = g.tls_key;
  o.tls.ca_file = g.tls_ca;
  o.tls.handshake_first = g.tls_first;
  if (!g.nkey.empty()) {
    std::ifstream in(g.nkey);
    std::string seed;
    if (!in || !std::getline(in, seed)) {
      print_error("cannot read nkey seed file " + g.nkey);
      return nullptr;
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
  auto nc = client::Connection::connect(std::move(o));
  if (!nc) {
    print_error(nc.status());
    return nullptr;
  }
  return std::move(nc.value());
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
