#pragma once
// natscli's configuration contexts, in natscli's files so both tools share them:
//   <root>/nats/context/<name>.json   one context (JSON; natscli's field names)
//   <root>/nats/context.txt           the selected context's name
//   <root>/nats/previous-context.txt  the one selected before it
// where <root> is $XDG_CONFIG_HOME, else ~/.config. Fields this tool does not use (socks_proxy,
// jetstream_domain, ...) are kept as they are when a context is rewritten.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nats::cli {

struct NatsContext {
  std::string name;
  std::string description;
  std::string url;
  std::string user;
  std::string password;
  std::string token;
  std::string creds;
  std::string nkey;
  std::string cert;
  std::string key;
  std::string ca;
  std::string inbox_prefix;
  nlohmann::ordered_json other = nlohmann::ordered_json::object();  // fields kept verbatim

  nlohmann::ordered_json to_json() const;
  static NatsContext from_json(std::string name, const nlohmann::ordered_json& j);
};

class ContextStore {
 public:
  explicit ContextStore(std::filesystem::path root) : root_(std::move(root)) {}
  // $XDG_CONFIG_HOME, else $HOME/.config.
  static ContextStore from_environment();

  // Names natscli accepts: not empty, no "..", no '/' or '\'.
  static bool valid_name(const std::string& name, std::string* error);

  std::filesystem::path path(const std::string& name) const;
  bool exists(const std::string& name) const;
  // Sorted names.
  std::vector<std::string> list() const;
  std::optional<NatsContext> load(const std::string& name, std::string* error) const;
  // Written whole to a temporary file, then renamed (readers never see half a file); mode 0600.
  bool save(const NatsContext& ctx, std::string* error) const;
  bool remove(const std::string& name, std::string* error) const;

  // "" when none is selected.
  std::string selected() const;
  std::string previous() const;
  bool select(const std::string& name, std::string* error) const;
  bool unselect(std::string* error) const;

 private:
  bool write_file(const std::filesystem::path& p, const std::string& text,
                  std::string* error) const;
  std::string read_name(const char* file) const;

  std::filesystem::path root_;
};

}  // namespace nats::cli
