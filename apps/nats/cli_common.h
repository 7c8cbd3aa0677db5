#pragma once
// What every verb of the `nats` tool shares: the connection flags (natscli's names and
// environment variables), connecting with them, Go-style durations, header flags, and the
// "15:04:05 ..." log lines natscli prints.

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "body_template.h"
#include "nats/client.h"

namespace nats::cli {

struct GlobalFlags {
  std::string server = "nats://127.0.0.1:4222";
  std::string user;
  std::string password;
  std::string creds;
  std::string nkey;      // path to a file holding an nkey seed, as in natscli
  std::string tls_cert;  // client certificate
  std::string tls_key;
  std::string tls_ca;  // CA the server certificate must lead to
  bool tls_first = false;
  std::string timeout = "5s";
  std::string connection_name;
  int exit_code = 0;

  std::chrono::milliseconds timeout_ms() const;
};

// Adds -s/--server, --user, --password, --creds, --nkey, --tlscert, --tlskey, --tlsca,
// --tlsfirst, --timeout, --connection-name.
void add_global_flags(CLI::App& app, GlobalFlags& g);

// Connects with the global flags; prints the error and returns nullptr on failure.
std::unique_ptr<client::Connection> connect(const GlobalFlags& g,
                                            client::Options base = client::Options());

// "5s", "250ms", "1m": Go duration syntax; nullopt when it does not parse.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);
// Throws CLI::ValidationError naming the flag when it does not parse (for flag callbacks).
std::chrono::nanoseconds duration_flag(const std::string& flag, const std::string& text);

// "Key:Value" (natscli's -H) into headers; false with a message for a malformed one.
bool parse_header_flags(const std::vector<std::string>& flags, client::Headers& out,
                        std::string* error);

// Prints "nats: error: <what>" to stderr, as natscli does, and returns the exit status 1.
int print_error(std::string_view what);
int print_error(const client::Status& s);

// What pub, req and reply send: a body template and the -H headers, checked before connecting.
struct OutgoingMessage {
  BodyTemplate body;
  client::Headers headers;
  bool with_headers = false;

  client::Status publish(client::Connection& nc, std::string_view subject, std::string_view reply,
                         std::string_view data) const;
  client::Result<client::Message> request(client::Connection& nc, std::string_view subject,
                                          std::string_view data,
                                          std::chrono::milliseconds timeout) const;
};
// Prints the error and returns nullopt for a bad template or header.
std::optional<OutgoingMessage> prepare_message(const std::string& body,
                                               const std::vector<std::string>& header_flags);

// natscli prints log lines with the local time of day: "15:04:05 Published 5 bytes ...".
// `out` is stderr where stdout must hold nothing but data (sub --raw).
void log_line(const std::string& text, FILE* out = stdout);
// A duration the way Go prints it ("1.234ms"), as natscli shows rtt.
std::string go_duration(std::chrono::nanoseconds d);
// Prints headers ("Key: Value" lines) and the status line if any.
void print_headers(const client::Headers& h);

// Ctrl-C: installed by long-running verbs (sub, reply); true once SIGINT or SIGTERM arrived.
void install_interrupt_handler();
bool interrupted();

}  // namespace nats::cli
