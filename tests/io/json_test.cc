#include "lib/io/json.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/io/atomic_file.h"

namespace otgan::io {
namespace {

TEST(JsonTest, FileRoundTripKeepsKeyOrderAndValues) {
  Json j = Json::object();
  j["zeta"] = 1;
  j["alpha"] = "sinkhorn \"eps\"\n\ttab\\slash";
  j["third"] = 1.0 / 3.0;
  j["big"] = uint64_t{18446744073709551557ull};
  j["list"] = Json::array({1, "two", Json::array(), Json::object()});
  j["nested"]["x"] = 0.5;
  const std::string path = ::testing::TempDir() + "/rt.json";
  ASSERT_TRUE(WriteJsonFile(path, j).ok());
  absl::StatusOr<Json> back = ReadJsonFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, j);
  std::vector<std::string> keys;
  for (const auto& [k, v] : back->items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"zeta", "alpha", "third", "big", "list", "nested"}));
  EXPECT_EQ((*back)["third"].get<double>(), 1.0 / 3.0);  // shortest round-trip digits
  EXPECT_EQ((*back)["big"].get<uint64_t>(), 18446744073709551557ull);
  absl::StatusOr<std::string> text = ReadFileToString(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->back(), '\n');
  EXPECT_NE(text->find("\n  \"zeta\": 1,\n"), std::string::npos) << *text;  // 2-space indent
}

TEST(JsonTest, DumpNeverThrows) {
  Json j = Json::object();
  j["nan"] = std::nan("");
  j["inf"] = -std::numeric_limits<double>::infinity();
  j["bad_utf8"] = std::string("a\xff" "b");
  std::string s;
  ASSERT_NO_THROW(s = DumpJson(j, -1));
  EXPECT_EQ(s, "{\"nan\":null,\"inf\":null,\"bad_utf8\":\"a\xEF\xBF\xBD" "b\"}");
}

TEST(JsonTest, ParseErrorsNameLineAndColumn) {
  absl::StatusOr<Json> bad = ParseJson("{\n  \"a\": 1,\n  \"b\": }\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("JSON parse error at line 3, column"), std::string::npos)
      << bad.status();
  EXPECT_FALSE(ParseJson("{\"a\": 1,}").ok());         // trailing comma
  EXPECT_FALSE(ParseJson("// comment\n{}").ok());      // comments
  EXPECT_FALSE(ParseJson("").ok());
  EXPECT_TRUE(ParseJson(" [1, 2.5e-3, true, null] ").ok());
}

TEST(JsonTest, ReadJsonFileNamesTheFile) {
  const std::string path = ::testing::TempDir() + "/broken.json";
  ASSERT_TRUE(WriteFileAtomically(path, "{\"a\": [1, 2}").ok());
  absl::StatusOr<Json> j = ReadJsonFile(path);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().message().rfind(path + ": JSON parse error at line 1", 0), 0u) << j.status();
  EXPECT_FALSE(ReadJsonFile(::testing::TempDir() + "/absent.json").ok());
}

TEST(JsonFieldsTest, ReadsTypedMembers) {
  absl::StatusOr<Json> j = ParseJson(
      R"({"n": 5000, "x": 0.25, "s": "mnist", "b": true, "nan": null, "v": [1.5, 2],
          "sub": {"k": 3}})");
  ASSERT_TRUE(j.ok());
  JsonFields f(*j, "eval.json");
  int64_t n = 0;
  double x = 0, nan = 0;
  std::string s;
  bool b = false;
  std::vector<double> v;
  std::optional<double> absent = 1.0, present;
  f.Required("n", &n);
  f.Required("x", &x);
  f.Required("s", &s);
  f.Required("b", &b);
  f.Required("nan", &nan);
  f.Required("v", &v);
  f.Optional("absent", &absent);
  f.Optional("x", &present);
  JsonFields sub = f.Object("sub");
  int k = 0;
  sub.Required("k", &k);
  f.Absorb(sub);
  ASSERT_TRUE(f.status().ok()) << f.status();
  EXPECT_EQ(n, 5000);
  EXPECT_EQ(x, 0.25);
  EXPECT_EQ(s, "mnist");
  EXPECT_TRUE(b);
  EXPECT_TRUE(std::isnan(nan));
  EXPECT_EQ(v, (std::vector<double>{1.5, 2}));
  EXPECT_FALSE(absent.has_value());
  EXPECT_EQ(present, 0.25);
  EXPECT_EQ(k, 3);
  EXPECT_TRUE(f.Has("s"));
  EXPECT_FALSE(f.Has("nan"));
  EXPECT_FALSE(f.Has("absent"));
}

TEST(JsonFieldsTest, ErrorsNameThePathAndTheTypes) {
  absl::StatusOr<Json> j = ParseJson(R"({"s": 3, "i": 2.5, "sub": {"k": "three"}, "o": 1})");
  ASSERT_TRUE(j.ok());
  {
    JsonFields f(*j, "eval.json");
    std::string s;
    f.Required("s", &s);
    EXPECT_EQ(f.status().message(), "eval.json: s: expected a string, found number 3");
    int64_t later = 7;
    f.Required("missing", &later);  // inert after the first error
    EXPECT_EQ(later, 7);
    EXPECT_EQ(f.status().message(), "eval.json: s: expected a string, found number 3");
  }
  {
    JsonFields f(*j, "eval.json");
    int64_t i = 0;
    f.Required("i", &i);
    EXPECT_EQ(f.status().message(), "eval.json: i: expected an integer, found number 2.5");
  }
  {
    JsonFields f(*j, "eval.json");
    JsonFields sub = f.Object("sub");
    int k = 0;
    sub.Required("k", &k);
    f.Absorb(sub);
    EXPECT_EQ(f.status().message(), "eval.json: sub.k: expected a number, found string \"three\"");
  }
  {
    JsonFields f(*j, "eval.json");
    JsonFields sub = f.Object("o");
    f.Absorb(sub);
    EXPECT_EQ(f.status().message(), "eval.json: o: expected an object, found number 1");
    JsonFields g(*j, "eval.json");
    double d = 0;
    g.Required("nope", &d);
    EXPECT_EQ(g.status().message(), "eval.json: nope: missing");
  }
  JsonFields top(Json::array(), "x.json");
  EXPECT_EQ(top.status().message(), "x.json: expected a JSON object, found array");
}

}  // namespace
}  // namespace otgan::io
