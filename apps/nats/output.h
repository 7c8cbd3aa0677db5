#pragma once
// natscli's two ways of showing things, as plain strings: a Table (go-pretty's rounded style,
// "╭─┬─╮") for lists, and Columns ("   Key: value" rows under a heading) for one item. Plus
// the small humanisers natscli uses in them. Pure functions; no terminal handling.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nats::cli {

class Table {
 public:
  explicit Table(std::string title = {}) : title_(std::move(title)) {}
  void add_headers(std::vector<std::string> cells) { headers_ = std::move(cells); }
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  void add_footer(std::vector<std::string> cells) { footer_ = std::move(cells); }
  bool empty() const { return rows_.empty(); }
  // Every line ends with '\n'.
  std::string render() const;

 private:
  std::string title_;
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::string> footer_;
};

class Columns {
 public:
  explicit Columns(std::string heading = {}) : heading_(std::move(heading)) {}
  void add_row(std::string key, std::string value);
  void add_row_if_not_empty(std::string key, std::string value) {
    if (!value.empty()) add_row(std::move(key), std::move(value));
  }
  // A section title, set apart by blank lines.
  void add_section_title(std::string title);
  void add_line(std::string text = {});
  // Spaces in front of what follows.
  void indent(int spaces);
  std::string render() const;

 private:
  enum class Kind { kRow, kTitle, kLine, kIndent };
  struct Item {
    Kind kind;
    std::string a;
    std::string b;
  };
  std::string heading_;
  std::vector<Item> items_;
};

// Characters on screen (UTF-8 code points).
size_t display_width(std::string_view s);
// humanize.IBytes: "0 B", "512 B", "1.5 KiB", "64 MiB".
std::string ibytes(uint64_t n);
// A Go duration rounded for people: "1.23ms", "15µs", "2.5s".
std::string short_duration(int64_t nanos);

}  // namespace nats::cli
