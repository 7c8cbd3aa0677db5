#include "output.h"

#include <gtest/gtest.h>

namespace nats::cli {
namespace {

TEST(Output, TableWithTitleHeadersAndFooter) {
  Table t("All");
  t.add_headers({"Name", "N"});
  t.add_row({"calc", "1"});
  t.add_row({"µs", "22"});
  t.add_footer({"", "23"});
  EXPECT_EQ(t.render(),
            "╭───────────╮\n"
            "│    All    │\n"
            "├──────┬────┤\n"
            "│ Name │ N  │\n"
            "├──────┼────┤\n"
            "│ calc │ 1  │\n"
            "│ µs   │ 22 │\n"
            "├──────┼────┤\n"
            "│      │ 23 │\n"
            "╰──────┴────╯\n");
}

TEST(Output, LongTitleWidensTheTable) {
  Table t("A much longer title");
  t.add_row({"a", "b"});
  const std::string out = t.render();
  EXPECT_NE(out.find("│ A much longer title │"), std::string::npos) << out;
  EXPECT_NE(out.find("╰───┴"), std::string::npos) << out;
}

TEST(Output, ColumnsAlignKeys) {
  Columns c("Heading");
  c.add_row("A", "1");
  c.add_row("Longer", "2");
  c.add_section_title("Section");
  c.indent(2);
  c.add_row("K", "v");
  EXPECT_EQ(c.render(),
            "Heading\n\n"
            "       A: 1\n"
            "  Longer: 2\n"
            "\n"
            "Section\n\n"
            "         K: v\n");
}

TEST(Output, Humanisers) {
  EXPECT_EQ(ibytes(0), "0 B");
  EXPECT_EQ(ibytes(512), "512 B");
  EXPECT_EQ(ibytes(1536), "1.5 KiB");
  EXPECT_EQ(ibytes(1024 * 1024), "1.0 MiB");
  EXPECT_EQ(ibytes(64ull * 1024 * 1024), "64 MiB");
  EXPECT_EQ(short_duration(500), "500ns");
  EXPECT_EQ(short_duration(15000), "15µs");
  EXPECT_EQ(short_duration(1234567), "1.23ms");
  EXPECT_EQ(short_duration(2500000000), "2.5s");
  EXPECT_EQ(short_duration(int64_t(125) * 1000000000), "2m5s");
}

}  // namespace
}  // namespace nats::cli
