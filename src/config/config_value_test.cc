#include "config/config_value.h"

#include <memory>

#include <gtest/gtest.h>

namespace nats::config {
namespace {

Position at(int line, int column) {
  return Position{std::make_shared<const std::string>("v.conf"), line, column};
}

TEST(ConfigValue, TypedAccessorsOnlyMatchTheirType) {
  const Value s = Value::string("10", at(1, 1));
  EXPECT_EQ(s.type(), Value::Type::kString);
  EXPECT_EQ(s.type_name(), "string");
  EXPECT_EQ(s.as_string(), "10");
  EXPECT_FALSE(s.as_int());
  EXPECT_FALSE(s.as_number());
  EXPECT_EQ(s.as_map(), nullptr);

  const Value i = Value::integer(10, at(1, 1));
  EXPECT_EQ(i.as_int(), 10);
  EXPECT_FALSE(i.as_float());
  EXPECT_EQ(i.as_number(), 10.0);
  EXPECT_FALSE(i.as_string());

  const Value f = Value::floating(0.5, at(1, 1));
  EXPECT_EQ(f.as_float(), 0.5);
  EXPECT_EQ(f.as_number(), 0.5);
  EXPECT_FALSE(f.as_int());

  const Value b = Value::boolean(false, at(1, 1));
  EXPECT_EQ(b.as_bool(), false);
  EXPECT_EQ(b.type_name(), "bool");
}

TEST(ConfigValue, DefaultIsAnEmptyStringWithoutPosition) {
  const Value v;
  EXPECT_EQ(v.as_string(), "");
  EXPECT_EQ(v.position().line, 0);
  EXPECT_EQ(v.position().to_string(), "");
}

TEST(ConfigValue, MapSetReplacesAndMovesToTheEnd) {
  auto m = std::make_shared<Map>();
  m->set(MapEntry{"a", at(1, 1), Value::integer(1, at(1, 5)), false});
  m->set(MapEntry{"b", at(2, 1), Value::integer(2, at(2, 5)), false});
  m->set(MapEntry{"c", at(3, 1), Value::integer(3, at(3, 5)), false});
  m->set(MapEntry{"a", at(4, 1), Value::integer(4, at(4, 5)), false});
  EXPECT_EQ(Value::map(m, at(1, 1)).debug_string(), R"({"b":2,"c":3,"a":4})");
  EXPECT_EQ(m->find_exact("b")->value.as_int(), 2);
  EXPECT_EQ(m->find_exact("c")->value.as_int(), 3);
  EXPECT_EQ(m->find_exact("a")->key_position.line, 4);
  EXPECT_EQ(m->expanded_size(), 3u);
}

TEST(ConfigValue, FindIsCaseInsensitiveFindExactIsNot) {
  auto m = std::make_shared<Map>();
  m->set(MapEntry{"Max_Payload", at(1, 1), Value::integer(1, at(1, 1)), false});
  const Value v = Value::map(m, at(1, 1));
  EXPECT_EQ(v.find("max_payload")->as_int(), 1);
  EXPECT_EQ(v.find("MAX_PAYLOAD")->as_int(), 1);
  EXPECT_EQ(m->find_exact("max_payload"), nullptr);
  EXPECT_EQ(v.find("max_payloads"), nullptr);
  EXPECT_EQ(Value::integer(1, at(1, 1)).find("x"), nullptr);
}

TEST(ConfigValue, ExpandedSizeCountsSharedValuesEachTime) {
  auto inner = std::make_shared<Array>();
  inner->push_back(Value::integer(1, at(1, 1)));
  inner->push_back(Value::integer(2, at(1, 1)));
  const Value a = Value::array(inner, at(1, 1));
  EXPECT_EQ(a.expanded_size(), 3u);
  auto outer = std::make_shared<Array>();
  outer->push_back(a);
  outer->push_back(a.with_position(at(2, 1)));
  const Value o = Value::array(outer, at(1, 1));
  EXPECT_EQ(o.expanded_size(), 7u);
  EXPECT_EQ((*o.as_array())[1].position().line, 2);
  EXPECT_EQ((*o.as_array())[1].as_array(), a.as_array());  // shared, not copied
}

TEST(ConfigValue, DebugString) {
  auto m = std::make_shared<Map>();
  m->set(MapEntry{"s", at(1, 1), Value::string("a\"b\n\x01", at(1, 1)), false});
  m->set(MapEntry{"f", at(1, 1), Value::floating(2, at(1, 1)), false});
  m->set(MapEntry{"g", at(1, 1), Value::floating(1e300, at(1, 1)), false});
  m->set(MapEntry{"d", at(1, 1),
                  Value::datetime(Datetime(std::chrono::seconds(1462388021)), at(1, 1)), false});
  m->set(MapEntry{"e", at(1, 1), Value::array(nullptr, at(1, 1)), false});
  EXPECT_EQ(Value::map(m, at(1, 1)).debug_string(),
            R"({"s":"a\"b\n\x01","f":2.0,"g":1e+300,"d":2016-05-04T18:53:41Z,"e":[]})");
}

TEST(ConfigValue, PositionToString) {
  EXPECT_EQ(at(3, 7).to_string(), "v.conf:3:7");
  EXPECT_EQ(at(0, 0).to_string(), "v.conf");
}

}  // namespace
}  // namespace nats::config
