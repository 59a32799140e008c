// Regression test for a crash found by fuzz/json_fuzzer: a number beyond the
// double range made nlohmann throw out_of_range (not parse_error), which
// ParseJson did not catch, so the program terminated. It is an error now.
#include <string>

#include "gtest/gtest.h"
#include "lib/io/json.h"

namespace otgan::io {
namespace {

TEST(JsonOverflowTest, NumberBeyondDoubleRangeIsAnErrorNotACrash) {
  for (const std::string text : {"-2e308", "[1e999]", "{\"a\": [-2e308]}"}) {
    absl::StatusOr<Json> j = ParseJson(text);
    ASSERT_FALSE(j.ok()) << text;
    EXPECT_EQ(j.status().code(), absl::StatusCode::kInvalidArgument) << j.status();
    EXPECT_NE(j.status().message().find("number overflow"), std::string::npos) << j.status();
  }
  EXPECT_TRUE(ParseJson("[1e308, -1.7e308]").ok());
}

}  // namespace
}  // namespace otgan::io
