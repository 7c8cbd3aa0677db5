#pragma once
// The value tree a NATS configuration file parses into (see config_parser.h): maps, arrays,
// strings, integers, floats, booleans and datetimes, each remembering where it was written so
// the options layer can report "file:line:col: ..." like nats-server does.
//
// A parsed tree is immutable and cheap to copy: maps and arrays are shared, because a variable
// reference ($name) to a map or array stands for the same value again (nats-server shares it
// too). Any thread may read a tree; nothing in it changes after parsing.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/string_map.h"

namespace nats::config {

// Where a key or value was written. Lines and columns count from 1; a column counts bytes
// (a tab is one column). Line 0 means "the file as a whole" (it could not be read).
struct Position {
  std::shared_ptr<const std::string> file;  // shared by every position in one file
  int line = 0;
  int column = 0;

  std::string_view file_name() const { return file ? std::string_view(*file) : std::string_view(); }
  // "file:line:col", the prefix nats-server puts on configuration errors; just "file" when
  // line is 0.
  std::string to_string() const;
};

class Value;
class Map;
using Array = std::vector<Value>;

// A datetime value, written unquoted as 2016-05-04T18:53:41Z (UTC, whole seconds).
using Datetime = std::chrono::sys_seconds;

class Value {
 public:
  enum class Type { kString, kInteger, kFloat, kBool, kDatetime, kMap, kArray };

  Value() = default;  // an empty string with no position
  static Value string(std::string s, Position pos);
  static Value integer(int64_t v, Position pos);
  static Value floating(double v, Position pos);
  static Value boolean(bool v, Position pos);
  static Value datetime(Datetime v, Position pos);
  static Value map(std::shared_ptr<const Map> m, Position pos);
  static Value array(std::shared_ptr<const Array> a, Position pos);

  Type type() const { return static_cast<Type>(data_.index()); }
  // "string", "integer", "float", "bool", "datetime", "map" or "array", for error messages.
  std::string_view type_name() const;
  const Position& position() const { return pos_; }

  bool is_string() const { return type() == Type::kString; }
  bool is_integer() const { return type() == Type::kInteger; }
  bool is_float() const { return type() == Type::kFloat; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_datetime() const { return type() == Type::kDatetime; }
  bool is_map() const { return type() == Type::kMap; }
  bool is_array() const { return type() == Type::kArray; }

  // Each returns the value when it has exactly that type, else nullopt / nullptr. No
  // conversions: "10" is a string, 10 an integer; durations are strings (parse_go_duration).
  std::optional<std::string_view> as_string() const;
  std::optional<int64_t> as_int() const;
  std::optional<double> as_float() const;
  std::optional<bool> as_bool() const;
  std::optional<Datetime> as_datetime() const;
  const Map* as_map() const;
  const Array* as_array() const;
  // An integer or a float as a double (some nats-server options accept either).
  std::optional<double> as_number() const;

  // Map lookup (case-insensitive, see Map::find); nullptr when this is not a map or the key is
  // absent.
  const Value* find(std::string_view key) const;

  // How many values this one stands for, counting itself and, recursively, every element and
  // map value, each time it appears (a map referenced twice counts twice). The parser caps a
  // document's total (kMaxExpandedValues) so that walking a tree always ends quickly.
  size_t expanded_size() const { return expanded_size_; }

  // The same value, written somewhere else (what a variable reference produces).
  Value with_position(Position pos) const;

  // Compact one-line rendering for tests and debugging: maps keep their order,
  // {"a":1,"b":[1.5,true,"x",2016-05-04T18:53:41Z]}. Strings and keys are quoted like Go's %q;
  // floats always show a '.' or an exponent so they differ from integers.
  std::string debug_string() const;

 private:
  using Data = std::variant<std::string, int64_t, double, bool, Datetime,
                            std::shared_ptr<const Map>, std::shared_ptr<const Array>>;
  Value(Data data, Position pos, size_t expanded_size)
      : pos_(std::move(pos)), data_(std::move(data)), expanded_size_(expanded_size) {}

  Position pos_;
  Data data_;
  size_t expanded_size_ = 1;
};

struct MapEntry {
  std::string key;  // exactly as written (quotes removed); nats-server keeps case
  Position key_position;
  Value value;
  // The key was read back through a variable reference ($key) somewhere in the document.
  // nats-server's pedantic check skips such keys instead of calling them unknown fields.
  bool used_as_variable = false;
};

// A map keeps its entries in the order they were (last) assigned.
class Map {
 public:
  // Looks a key up ASCII case-insensitively, the way nats-server's option processing compares
  // lower-cased keys. If several keys differ only in case ("Port" and "port"), the one assigned
  // last wins. Linear in the map's size.
  const Value* find(std::string_view key) const;
  const MapEntry* find_entry(std::string_view key) const;
  // Exact (case-sensitive) lookup, the way variable references ($name) resolve.
  const MapEntry* find_exact(std::string_view key) const;
  MapEntry* find_exact(std::string_view key);

  // Assigns entry.key. An existing entry with exactly that key is replaced and moves to the end:
  // the last definition wins, as in nats-server.
  void set(MapEntry entry);

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<MapEntry>& entries() const { return entries_; }
  std::vector<MapEntry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<MapEntry>::const_iterator end() const { return entries_.end(); }
  // Sum of the entries' Value::expanded_size().
  size_t expanded_size() const { return expanded_size_; }

 private:
  std::vector<MapEntry> entries_;
  StringMap<size_t> index_;  // exact key -> position in entries_
  size_t expanded_size_ = 0;
};

}  // namespace nats::config
