#include "context_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace nats::cli {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

// The JSON keys this tool reads, in natscli's order, and where they go.
struct Field {
  const char* key;
  std::string NatsContext::*member;
};
constexpr Field kFields[] = {
    {"description", &NatsContext::description},
    {"url", &NatsContext::url},
    {"token", &NatsContext::token},
    {"user", &NatsContext::user},
    {"password", &NatsContext::password},
    {"creds", &NatsContext::creds},
    {"nkey", &NatsContext::nkey},
    {"cert", &NatsContext::cert},
    {"key", &NatsContext::key},
    {"ca", &NatsContext::ca},
    {"inbox_prefix", &NatsContext::inbox_prefix},
};

}  // namespace

ojson NatsContext::to_json() const {
  ojson j = ojson::object();
  for (const Field& f : kFields) j[f.key] = this->*f.member;
  for (const auto& [k, v] : other.items()) j[k] = v;
  return j;
}

NatsContext NatsContext::from_json(std::string name, const ojson& j) {
  NatsContext c;
  c.name = std::move(name);
  if (!j.is_object()) return c;
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const Field& f : kFields) {
      if (k == f.key) {
        known = true;
        if (v.is_string()) c.*f.member = v.get<std::string>();
      }
    }
    if (!known && k != "name") c.other[k] = v;
  }
  return c;
}

ContextStore ContextStore::from_environment() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    return ContextStore(xdg);
  }
  const char* home = std::getenv("HOME");
  return ContextStore(fs::path(home != nullptr ? home : ".") / ".config");
}

bool ContextStore::valid_name(const std::string& name, std::string* error) {
  if (name.empty()) {
    *error = "invalid context name: name is empty";
  } else if (name.find("..") != std::string::npos) {
    *error = "invalid context name: \"" + name + "\" must not contain \"..\"";
  } else if (name.find_first_of("/\\") != std::string::npos) {
    *error = "invalid context name: \"" + name + "\" must not contain \"/\" or \"\\\"";
  } else {
    return true;
  }
  return false;
}

fs::path ContextStore::path(const std::string& name) const {
  return root_ / "nats" / "context" / (name + ".json");
}

bool ContextStore::exists(const std::string& name) const {
  std::string ignored;
  std::error_code ec;
  return valid_name(name, &ignored) && fs::is_regular_file(path(name), ec);
}

std::vector<std::string> ContextStore::list() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ / "nats" / "context", ec)) {
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<NatsContext> ContextStore::load(const std::string& name, std::string* error) const {
  if (!valid_name(name, error)) return std::nullopt;
  std::ifstream in(path(name));
  if (!in) {
    *error = "unknown context \"" + name + "\"";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  const ojson j = ojson::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "context \"" + name + "\" (" + path(name).string() + ") is not a JSON object";
    return std::nullopt;
  }
  return NatsContext::from_json(name, j);
}

bool ContextStore::write_file(const fs::path& p, const std::string& text,
                              std::string* error) const {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  if (ec) {
    *error = "cannot create " + p.parent_path().string() + ": " + ec.message();
    return false;
  }
  const fs::path tmp = p.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.flush()) {
      *error = "cannot write " + tmp.string();
      return false;
    }
  }
  ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, p, ec);
  if (ec) {
    *error = "cannot write " + p.string() + ": " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

bool ContextStore::save(const NatsContext& ctx, std::string* error) const {
  if (!valid_name(ctx.name, error)) return false;
  return write_file(path(ctx.name), ctx.to_json().dump(2) + "\n", error);
}

bool ContextStore::remove(const std::string& name, std::string* error) const {
  if (!valid_name(name, error)) return false;
  std::error_code ec;
  fs::remove(path(name), ec);
  if (ec) {
    *error = "cannot remove " + path(name).string() + ": " + ec.message();
    return false;
  }
  return true;
}

std::string ContextStore::read_name(const char* file) const {
  std::ifstream in(root_ / "nats" / file);
  std::string name;
  std::getline(in, name);
  while (!name.empty() && (name.back() == '\r' || name.back() == ' ')) name.pop_back();
  return name;
}

std::string ContextStore::selected() const { return read_name("context.txt"); }
std::string ContextStore::previous() const { return read_name("previous-context.txt"); }

bool ContextStore::select(const std::string& name, std::string* error) const {
  if (!exists(name)) {
    *error = "unknown context \"" + name + "\"";
    return false;
  }
  const std::string current = selected();
  if (!current.empty() && current != name &&
      !write_file(root_ / "nats" / "previous-context.txt", current, error)) {
    return false;
  }
  return write_file(root_ / "nats" / "context.txt", name, error);
}

bool ContextStore::unselect(std::string* error) const {
  const std::string current = selected();
  if (current.empty()) return true;
  if (!write_file(root_ / "nats" / "previous-context.txt", current, error)) return false;
  return write_file(root_ / "nats" / "context.txt", "", error);
}

}  // namespace nats::cli
