#pragma once
// What the JetStream verbs (stream, consumer, bench --js) share: a connection with a JetStream
// context on it, natscli-style error lines that say plainly when JetStream is not there, and
// the policy names natscli shows.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli_common.h"
#include "nats/jetstream.h"

namespace nats::cli {

// Owns the connection and the JetStream that borrows it (destroyed first).
struct JsSession {
  std::unique_ptr<client::Connection> nc;
  std::unique_ptr<client::JetStream> js;
};
// Connects with the global flags (--timeout bounds every API request); prints the error and
// returns nullopt when it cannot.
std::optional<JsSession> connect_jetstream(const GlobalFlags& g);

// "nats: error: <doing>: <why>" on stderr, returning exit status 1. When JetStream did not
// answer the reason says so: "JetStream is not enabled on this server or account".
int print_js_error(std::string_view doing, const client::Status& s);

// natscli's words for the policies: "Limits", "File", "Old", "Explicit", "Instant", ...
std::string retention_name(client::RetentionPolicy p);
std::string storage_name(client::StorageType s);
std::string discard_name(client::DiscardPolicy d);
std::string ack_name(client::AckPolicy a);
std::string replay_name(client::ReplayPolicy r);

// "5 minutes ago"-free: natscli's "1h2m3s" since an RFC 3339 time until now; "never" for the
// zero time.
std::string since(std::string_view rfc3339);

// Asks "Really ...?" unless forced; natscli refuses without a terminal, and so do we: the
// non-interactive answer is "pass -f".
bool confirmed(bool force, std::string_view question);

}  // namespace nats::cli
