#include "lib/io/json.h"

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "lib/io/atomic_file.h"

namespace otgan::io {
namespace {

Json Sample() {
  Json j = Json::Object();
  j.Set("name", "sinkhorn \"eps\"\n\ttab\\slash")
      .Set("step", 200000)
      .Set("neg", -17)
      .Set("lr", 5e-5)
      .Set("third", 1.0 / 3.0)
      .Set("big", 1e300)
      .Set("tiny", -2.5e-310)
      .Set("ok", true)
      .Set("none", nullptr)
      .Set("ctrl", std::string("a\x01\x1f b", 5))
      .Set("utf8", "\xC3\xA9\xE2\x82\xAC");
  j["list"] = Json::Array().Push(1).Push("two").Push(Json::Array()).Push(Json::Object());
  j["nested"]["deeper"]["x"] = 0.5;
  return j;
}

TEST(JsonTest, RoundTripPrettyAndCompact) {
  Json j = Sample();
  for (int indent : {2, 0, 4}) {
    auto back = Json::Parse(j.Dump(indent));
    ASSERT_TRUE(back.ok()) << back.status() << "\n" << j.Dump(indent);
    EXPECT_EQ(*back, j) << indent;
    EXPECT_EQ(back->Dump(indent), j.Dump(indent));  // key order is kept
  }
}

TEST(JsonTest, RandomNumbersRoundTripExactly) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(-300, 300);
  std::normal_distribution<double> mantissa;
  Json arr = Json::Array();
  for (int i = 0; i < 2000; ++i) arr.Push(mantissa(rng) * std::pow(10.0, exponent(rng)));
  for (int i = 0; i < 200; ++i) arr.Push(static_cast<double>(static_cast<int64_t>(rng() >> 12)));
  auto back = Json::Parse(arr.Dump(0));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), arr.size());
  for (size_t i = 0; i < arr.size(); ++i) EXPECT_EQ(back->at(i).as_number(), arr.at(i).as_number());
}

TEST(JsonTest, DumpFormat) {
  Json j = Json::Object();
  j.Set("a", 3).Set("b", 2.5).Set("c", Json::Array().Push(true).Push(nullptr));
  j.Set("e", Json::Object()).Set("nan", std::nan("")).Set("inf", -std::numeric_limits<double>::infinity());
  j.Set("a", 4);  // replaces in place
  EXPECT_EQ(j.Dump(0), R"({"a":4,"b":2.5,"c":[true,null],"e":{},"nan":null,"inf":null})");
  EXPECT_EQ(j.Dump(),
            "{\n  \"a\": 4,\n  \"b\": 2.5,\n  \"c\": [\n    true,\n    null\n  ],\n  \"e\": {},\n"
            "  \"nan\": null,\n  \"inf\": null\n}");
  EXPECT_EQ(Json(1e15).Dump(), "1e+15");
  EXPECT_EQ(Json(123456789012345.0).Dump(), "123456789012345");
  EXPECT_EQ(Json(0.1).Dump(), "0.1");
  EXPECT_EQ(Json(std::string("q\"\\\n\x01", 5)).Dump(), R"("q\"\\\n\u0001")");
}

TEST(JsonTest, ParsesEscapesAndUnicode) {
  auto j = Json::Parse(R"( {"s": "a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00", "n": -0.5e+2, "z": 0} )");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(j->Get("s")->as_string(),
            "a\"b\\c/d\b\f\n\r\t\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_EQ(*j->GetNumber("n"), -50.0);
  EXPECT_EQ(*j->GetNumber("z"), 0.0);
  EXPECT_EQ(j->Get("missing"), nullptr);
  auto wrong = j->GetNumber("s");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("\"s\": expected a number, found string"), std::string::npos);
  EXPECT_FALSE(j->GetBool("nothing").ok());
  EXPECT_TRUE(std::isnan(j->Get("s")->as_number()));
}

void ExpectParseError(std::string_view text, const std::string& where, const std::string& what) {
  auto j = Json::Parse(text);
  ASSERT_FALSE(j.ok()) << text;
  const std::string msg(j.status().message());
  EXPECT_NE(msg.find(where), std::string::npos) << text << " -> " << msg;
  EXPECT_NE(msg.find(what), std::string::npos) << text << " -> " << msg;
}

TEST(JsonTest, MalformedInputsReportLineAndColumn) {
  ExpectParseError("", "line 1, column 1", "end of input");
  ExpectParseError("{\"a\": 1,}", "line 1, column 9", "expected a string key");
  ExpectParseError("[1, 2,]", "line 1, column 7", "expected a value");
  ExpectParseError("{\n  \"a\": tru\n}", "line 2, column 8", "expected a value");
  ExpectParseError("{\"a\" 1}", "line 1, column 6", "expected ':'");
  ExpectParseError("[1 2]", "line 1, column 4", "expected ',' or ']'");
  ExpectParseError("{\"a\":1 \"b\":2}", "line 1, column 8", "expected ',' or '}'");
  ExpectParseError("\"abc", "line 1, column 1", "unterminated string");
  ExpectParseError("\"a\nb\"", "line 1, column 3", "control character");
  ExpectParseError("\"\\x\"", "line 1, column 2", "invalid escape");
  ExpectParseError("\"\\u12G4\"", "line 1, column 6", "hex digit");
  ExpectParseError("\"\\ud83d\"", "line 1, column 2", "high surrogate");
  ExpectParseError("\"\\ude00\"", "line 1, column 2", "lone low surrogate");
  ExpectParseError("012", "line 1, column 2", "leading zeros");
  ExpectParseError("-", "line 1, column 2", "expected a digit");
  ExpectParseError("1.", "line 1, column 3", "after '.'");
  ExpectParseError("1e+", "line 1, column 4", "exponent");
  ExpectParseError("1e999", "line 1, column 1", "out of range");
  ExpectParseError("NaN", "line 1, column 1", "expected a value");
  ExpectParseError("{} x", "line 1, column 4", "unexpected text");
  ExpectParseError("{\"k\":1,\n\"k\":2}", "line 2, column 1", "duplicate key \"k\"");
  ExpectParseError("// c\n1", "line 1, column 1", "expected a value");
  ExpectParseError(std::string(100000, '['), "line 1, column 514", "nesting deeper");
}

TEST(JsonTest, EqualityIgnoresKeyOrderButNotValues) {
  auto a = Json::Parse(R"({"x": 1, "y": [1, 2]})");
  auto b = Json::Parse(R"({"y": [1, 2], "x": 1.0})");
  auto c = Json::Parse(R"({"y": [2, 1], "x": 1})");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_NE(Json(1), Json("1"));
  EXPECT_NE(Json(), Json(false));
}

TEST(JsonTest, FileRoundTripAndErrorsNameTheFile) {
  std::string path = ::testing::TempDir() + "/j.json";
  Json j = Sample();
  ASSERT_TRUE(WriteJsonFile(path, j).ok());
  auto back = ReadJsonFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, j);
  std::string bad = ::testing::TempDir() + "/bad.json";
  ASSERT_TRUE(WriteFileAtomically(bad, "{\n  \"a\": [1,\n}").ok());
  auto err = ReadJsonFile(bad);
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.status().message().find(bad + ": JSON parse error at line 3, column 1"), std::string::npos)
      << err.status();
  EXPECT_FALSE(ReadJsonFile(::testing::TempDir() + "/absent.json").ok());
}

TEST(JsonDeathTest, BuildersOnWrongTypeAbort) {
  Json n(3);
  EXPECT_DEATH(n.Push(1), "Push called on a number");
}

}  // namespace
}  // namespace otgan::io
