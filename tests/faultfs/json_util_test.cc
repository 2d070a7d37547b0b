// The shared JSON guards: the nesting pre-scan and the UTF-8-safe dump.

#include "faultfs/json_util.h"

#include <gtest/gtest.h>

#include <string>

namespace crashlab::faultfs {
namespace {

std::string Nested(size_t n, char open = '[', char close = ']') {
  return std::string(n, open) + std::string(n, close);
}

TEST(JsonTooDeepAt, AcceptsUpToTheLimit) {
  EXPECT_FALSE(JsonTooDeepAt(Nested(kMaxJsonDepth)).has_value());
  EXPECT_FALSE(JsonTooDeepAt("{\"a\":[1,{\"b\":2}]}").has_value());
  EXPECT_FALSE(JsonTooDeepAt("").has_value());
}

TEST(JsonTooDeepAt, RefusesOneLevelMoreAtTheOpeningBracket) {
  auto at = JsonTooDeepAt(Nested(kMaxJsonDepth + 1));
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(*at, kMaxJsonDepth);
  EXPECT_EQ(JsonTooDeepMessage(*at), "nesting deeper than 64 at byte 65");
}

TEST(JsonTooDeepAt, CountsObjectsAndArraysTogether) {
  std::string s;
  for (size_t i = 0; i < 40; ++i) s += "{\"k\":[";
  auto at = JsonTooDeepAt(s);  // unterminated: still refused by depth
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(s[*at], '{');  // level 65 is the 33rd object
}

TEST(JsonTooDeepAt, IgnoresBracketsInsideStringsAndEscapes) {
  std::string brackets(500, '[');
  std::string s = "{\"k\":\"" + brackets + "\\\"" + brackets + "\"}";
  EXPECT_FALSE(JsonTooDeepAt(s).has_value());
  EXPECT_FALSE(JsonTooDeepAt("[\"\\\\\", [1]]", 2).has_value());
  EXPECT_TRUE(JsonTooDeepAt("[\"\\\\\", [[1]]]", 2).has_value());
}

TEST(JsonTooDeepAt, HundredThousandLevelsIsFastAndRefused) {
  std::string s = "{\"catalog\":" + Nested(100000) + ",\"sha256\":\"x\"}";
  auto at = JsonTooDeepAt(s);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(*at, 11u + kMaxJsonDepth - 1);  // the outer { is level 1
}

TEST(DumpJson, ReplacesInvalidUtf8InsteadOfThrowing) {
  nlohmann::json j = {{"error", std::string("bad \xff\xfe{ byte")}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);
  std::string out;
  ASSERT_NO_THROW(out = DumpJson(j));
  EXPECT_EQ(out, "{\"error\":\"bad \xEF\xBF\xBD\xEF\xBF\xBD{ byte\"}");
  EXPECT_TRUE(nlohmann::json::parse(out).is_object());
}

TEST(DumpJson, IdenticalToDumpForValidText) {
  nlohmann::json j = {{"a", {1, 2, "\xC3\xA9t\xC3\xA9"}}, {"b", nullptr}};
  EXPECT_EQ(DumpJson(j), j.dump());
  EXPECT_EQ(DumpJson(j, 2), j.dump(2));
  nlohmann::ordered_json o = {{"z", 1}, {"a", "\xff"}};
  EXPECT_EQ(DumpJson(o), "{\"z\":1,\"a\":\"\xEF\xBF\xBD\"}");
}

TEST(SanitizeUtf8, KeepsValidAndReplacesEachInvalidByte) {
  EXPECT_EQ(SanitizeUtf8("plain \xC3\xA9 \xF0\x9F\x98\x80"),
            "plain \xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(SanitizeUtf8("\xff"), "\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("a\xC3"), "a\xEF\xBF\xBD");                // truncated
  EXPECT_EQ(SanitizeUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"),  // surrogate U+D800
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // Whatever comes out is accepted by a strict serialiser.
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_NO_THROW((void)nlohmann::json(SanitizeUtf8(all)).dump());
}

}  // namespace
}  // namespace crashlab::faultfs
