#include "output.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace nats::cli {

size_t display_width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // count lead bytes only
  }
  return n;
}

namespace {

std::string pad(std::string_view s, size_t width) {
  std::string out(s);
  const size_t w = display_width(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

std::string repeat(std::string_view piece, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += piece;
  return out;
}

}  // namespace

std::string Table::render() const {
  size_t cols = headers_.size();
  for (const auto& r : rows_) cols = std::max(cols, r.size());
  cols = std::max(cols, footer_.size());
  if (cols == 0) return title_.empty() ? "" : title_ + "\n";
  std::vector<size_t> width(cols, 0);
  auto measure = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i)
      width[i] = std::max(width[i], display_width(cells[i]));
  };
  measure(headers_);
  for (const auto& r : rows_) measure(r);
  measure(footer_);
  // The title spans the table: widen the last column if it is longer than the cells.
  size_t inner = 0;
  for (size_t w : width) inner += w + 3;
  inner -= 1;  // "│ a │ b │": each cell adds " x │", the first border is outside
  if (display_width(title_) + 2 > inner) {
    width.back() += display_width(title_) + 2 - inner;
    inner = display_width(title_) + 2;
  }

  auto rule = [&](std::string_view left, std::string_view mid, std::string_view right) {
    std::string line(left);
    for (size_t i = 0; i < cols; ++i) {
      line += repeat("─", width[i] + 2);
      line += i + 1 < cols ? mid : right;
    }
    return line + "\n";
  };
  auto row = [&](const std::vector<std::string>& cells) {
    std::string line = "│";
    for (size_t i = 0; i < cols; ++i) {
      line += " " + pad(i < cells.size() ? cells[i] : "", width[i]) + " │";
    }
    return line + "\n";
  };

  std::string out;
  if (!title_.empty()) {
    out += "╭" + repeat("─", inner) + "╮\n";
    const size_t space = inner - display_width(title_);
    out += "│" + std::string(space / 2, ' ') + title_ + std::string(space - space / 2, ' ') + "│\n";
    out += rule("├", "┬", "┤");
  } else {
    out += rule("╭", "┬", "╮");
  }
  if (!headers_.empty()) {
    out += row(headers_);
    out += rule("├", "┼", "┤");
  }
  for (const auto& r : rows_) out += row(r);
  if (!footer_.empty()) {
    out += rule("├", "┼", "┤");
    out += row(footer_);
  }
  out += rule("╰", "┴", "╯");
  return out;
}

void Columns::add_row(std::string key, std::string value) {
  items_.push_back({Kind::kRow, std::move(key), std::move(value)});
}
void Columns::add_section_title(std::string title) {
  items_.push_back({Kind::kTitle, std::move(title), {}});
}
void Columns::add_line(std::string text) { items_.push_back({Kind::kLine, std::move(text), {}}); }
void Columns::indent(int spaces) {
  items_.push_back({Kind::kIndent, std::string(size_t(std::max(0, spaces)), ' '), {}});
}

std::string Columns::render() const {
  size_t longest = 0;
  for (const Item& it : items_) {
    if (it.kind == Kind::kRow) longest = std::max(longest, display_width(it.a));
  }
  std::string out;
  if (!heading_.empty()) out += heading_ + "\n\n";
  std::string indent;
  bool first = true;
  Kind prev = Kind::kIndent;
  bool prev_blank = false;
  for (const Item& it : items_) {
    switch (it.kind) {
      case Kind::kIndent:
        indent = it.a;
        continue;
      case Kind::kTitle:
        if ((!first && prev != Kind::kTitle && prev != Kind::kLine) ||
            (prev == Kind::kLine && !prev_blank)) {
          out += "\n";
        }
        out += indent + it.a + "\n\n";
        prev_blank = false;
        break;
      case Kind::kRow: {
        const size_t padding = longest - display_width(it.a) + 2;
        out += indent + std::string(padding, ' ') + it.a + ": " + it.b + "\n";
        prev_blank = false;
        break;
      }
      case Kind::kLine:
        if (prev == Kind::kTitle && it.a.empty()) continue;
        out += indent + it.a + "\n";
        prev_blank = it.a.empty();
        break;
    }
    prev = it.kind;
    first = false;
  }
  return out;
}

std::string ibytes(uint64_t n) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (n < 10) return fmt::format("{} B", n);
  const double e = std::floor(std::log(double(n)) / std::log(1024.0));
  const size_t unit = std::min<size_t>(size_t(e), 6);
  const double v = std::floor(double(n) / std::pow(1024.0, double(unit)) * 10 + 0.5) / 10;
  return v < 10 ? fmt::format("{:.1f} {}", v, kUnits[unit])
                : fmt::format("{:.0f} {}", v, kUnits[unit]);
}

std::string short_duration(int64_t nanos) {
  const double n = double(nanos);
  auto trim = [](std::string s) {
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  };
  if (nanos < 1000) return fmt::format("{}ns", nanos);
  if (nanos < 1000000) return trim(fmt::format("{:.2f}", n / 1e3)) + "µs";
  if (nanos < 1000000000) return trim(fmt::format("{:.2f}", n / 1e6)) + "ms";
  if (nanos < 60 * int64_t(1000000000)) return trim(fmt::format("{:.2f}", n / 1e9)) + "s";
  const int64_t secs = nanos / 1000000000;
  if (secs < 3600) return fmt::format("{}m{}s", secs / 60, secs % 60);
  return fmt::format("{}h{}m{}s", secs / 3600, secs % 3600 / 60, secs % 60);
}

}  // namespace nats::cli
