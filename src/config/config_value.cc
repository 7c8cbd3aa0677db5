#include "config/config_value.h"

#include "base/ascii.h"

#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "base/go_quote.h"

namespace nats::config {

namespace {

size_t saturating_add(size_t a, size_t b) {
  return a > std::numeric_limits<size_t>::max() - b ? std::numeric_limits<size_t>::max() : a + b;
}

void append_debug(std::string& out, const Value& v);

void append_float(std::string& out, double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  std::string_view text(buf, ec == std::errc() ? size_t(end - buf) : 0);
  out += text;
  if (text.find_first_of(".eni") == std::string_view::npos) out += ".0";
}

void append_debug(std::string& out, const Value& v) {
  switch (v.type()) {
    case Value::Type::kString:
      out += go_quote(*v.as_string());
      break;
    case Value::Type::kInteger:
      out += fmt::format("{}", *v.as_int());
      break;
    case Value::Type::kFloat:
      append_float(out, *v.as_float());
      break;
    case Value::Type::kBool:
      out += *v.as_bool() ? "true" : "false";
      break;
    case Value::Type::kDatetime: {
      const Datetime t = *v.as_datetime();
      const auto day = std::chrono::floor<std::chrono::days>(t);
      const std::chrono::year_month_day ymd(day);
      const std::chrono::hh_mm_ss hms(t - day);
      out += fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", int(ymd.year()),
                         unsigned(ymd.month()), unsigned(ymd.day()), hms.hours().count(),
                         hms.minutes().count(), hms.seconds().count());
      break;
    }
    case Value::Type::kMap: {
      out += '{';
      bool first = true;
      for (const MapEntry& e : *v.as_map()) {
        if (!first) out += ',';
        first = false;
        out += go_quote(e.key);
        out += ':';
        append_debug(out, e.value);
      }
      out += '}';
      break;
    }
    case Value::Type::kArray: {
      out += '[';
      bool first = true;
      for (const Value& e : *v.as_array()) {
        if (!first) out += ',';
        first = false;
        append_debug(out, e);
      }
      out += ']';
      break;
    }
  }
}

}  // namespace

std::string Position::to_string() const {
  if (line == 0) return std::string(file_name());
  return fmt::format("{}:{}:{}", file_name(), line, column);
}

Value Value::string(std::string s, Position pos) { return Value(std::move(s), std::move(pos), 1); }
Value Value::integer(int64_t v, Position pos) { return Value(v, std::move(pos), 1); }
Value Value::floating(double v, Position pos) { return Value(v, std::move(pos), 1); }
Value Value::boolean(bool v, Position pos) { return Value(v, std::move(pos), 1); }
Value Value::datetime(Datetime v, Position pos) { return Value(v, std::move(pos), 1); }

Value Value::map(std::shared_ptr<const Map> m, Position pos) {
  if (!m) m = std::make_shared<const Map>();
  const size_t n = saturating_add(1, m->expanded_size());
  return Value(std::move(m), std::move(pos), n);
}

Value Value::array(std::shared_ptr<const Array> a, Position pos) {
  if (!a) a = std::make_shared<const Array>();
  size_t n = 1;
  for (const Value& e : *a) n = saturating_add(n, e.expanded_size());
  return Value(std::move(a), std::move(pos), n);
}

std::string_view Value::type_name() const {
  switch (type()) {
    case Type::kString:
      return "string";
    case Type::kInteger:
      return "integer";
    case Type::kFloat:
      return "float";
    case Type::kBool:
      return "bool";
    case Type::kDatetime:
      return "datetime";
    case Type::kMap:
      return "map";
    case Type::kArray:
      return "array";
  }
  return "unknown";
}

std::optional<std::string_view> Value::as_string() const {
  if (const auto* s = std::get_if<std::string>(&data_)) return std::string_view(*s);
  return std::nullopt;
}

std::optional<int64_t> Value::as_int() const {
  if (const auto* v = std::get_if<int64_t>(&data_)) return *v;
  return std::nullopt;
}

std::optional<double> Value::as_float() const {
  if (const auto* v = std::get_if<double>(&data_)) return *v;
  return std::nullopt;
}

std::optional<bool> Value::as_bool() const {
  if (const auto* v = std::get_if<bool>(&data_)) return *v;
  return std::nullopt;
}

std::optional<Datetime> Value::as_datetime() const {
  if (const auto* v = std::get_if<Datetime>(&data_)) return *v;
  return std::nullopt;
}

const Map* Value::as_map() const {
  if (const auto* v = std::get_if<std::shared_ptr<const Map>>(&data_)) return v->get();
  return nullptr;
}

const Array* Value::as_array() const {
  if (const auto* v = std::get_if<std::shared_ptr<const Array>>(&data_)) return v->get();
  return nullptr;
}

std::optional<double> Value::as_number() const {
  if (const auto* v = std::get_if<int64_t>(&data_)) return static_cast<double>(*v);
  return as_float();
}

const Value* Value::find(std::string_view key) const {
  const Map* m = as_map();
  return m ? m->find(key) : nullptr;
}

Value Value::with_position(Position pos) const {
  Value v = *this;
  v.pos_ = std::move(pos);
  return v;
}

std::string Value::debug_string() const {
  std::string out;
  append_debug(out, *this);
  return out;
}

const Value* Map::find(std::string_view key) const {
  const MapEntry* e = find_entry(key);
  return e ? &e->value : nullptr;
}

const MapEntry* Map::find_entry(std::string_view key) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (ascii_iequals(it->key, key)) return &*it;
  }
  return nullptr;
}

const MapEntry* Map::find_exact(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

MapEntry* Map::find_exact(std::string_view key) {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

void Map::set(MapEntry entry) {
  if (auto it = index_.find(entry.key); it != index_.end()) {
    const size_t old = it->second;
    expanded_size_ -= entries_[old].value.expanded_size();
    entries_.erase(entries_.begin() + static_cast<ptrdiff_t>(old));
    index_.erase(it);
    // Redefinitions are rare: renumbering what followed the old entry is fine.
    for (size_t i = old; i < entries_.size(); ++i) index_[entries_[i].key] = i;
  }
  expanded_size_ = saturating_add(expanded_size_, entry.value.expanded_size());
  index_.emplace(entry.key, entries_.size());
  entries_.push_back(std::move(entry));
}

}  // namespace nats::config
