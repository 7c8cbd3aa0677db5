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
  std::string token;  // only from a context (natscli: --user without --password is a token)
  std::string creds;
  std::string nkey;  // path to a file holding an nkey seed, as in natscli
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  bool tls_first = false;
  std::string inbox_prefix;
  std::string timeout = "5s";
  std::string connection_name;
  std::string context;  // --context: a context by name instead of the selected one
  int exit_code = 0;

  // Set by apply_context(): the context in use ("" for none) and why it could not be loaded.
  std::string context_used;
  std::string context_error;

  // The flags a context may supply, and whether each was given (flag or environment).
  struct Given {
    bool server = false, user = false, password = false, creds = false, nkey = false,
         tls_cert = false, tls_key = false, tls_ca = false, inbox_prefix = false;
  };
  Given given() const;

  std::chrono::milliseconds timeout_ms() const;

 private:
  friend void add_global_flags(CLI::App& app, GlobalFlags& g);
  struct Options {
    CLI::Option *server = nullptr, *user = nullptr, *password = nullptr, *creds = nullptr,
                *nkey = nullptr, *tls_cert = nullptr, *tls_key = nullptr, *tls_ca = nullptr,
                *inbox_prefix = nullptr;
  } opts_;
};

// Adds -s/--server, --user, --password, --creds, --nkey, --tlscert, --tlskey, --tlsca,
// --tlsfirst, --inbox-prefix, --timeout, --connection-name and --context. Once the command line is parsed
// (before any verb runs) the context (--context, else the selected one) fills every connection
// flag that was not given.
void add_global_flags(CLI::App& app, GlobalFlags& g);

// Loads the context named by --context (an error when unknown) or the selected one (silently
// none when missing) into the flags that were not given. Called by add_global_flags' hook.
void apply_context(GlobalFlags& g);

// The client options the global flags (and context) describe; nullopt with a message when they
// cannot be used (unknown context, unreadable nkey file, TLS files).
std::optional<client::Options> connection_options(const GlobalFlags& g, std::string* error,
                                                  client::Options base = client::Options());

// Connects with the global flags; prints the error and returns nullptr on failure.
std::unique_ptr<client::Connection> connect(const GlobalFlags& g,
                                            client::Options base = client::Options());

// One request, many answers (discovery: $SRV.PING, $SYS.REQ.SERVER.PING, ...). Collects replies
// until `expect` arrived (0: no limit), `timeout` passed, or, once something arrived, nothing
// more came for `quiet` (0: wait the whole timeout). Stops at a no-responders status. Each
// answer comes with the time it took.
struct Reply {
  client::Message msg;
  std::chrono::nanoseconds rtt;
};
std::vector<Reply> gather_replies(client::Connection& nc, std::string_view subject,
                                  std::string_view body, std::chrono::milliseconds timeout,
                                  int expect = 0,
                                  std::chrono::milliseconds quiet = std::chrono::milliseconds(0),
                                  bool* no_responders = nullptr);

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
