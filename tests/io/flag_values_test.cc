#include "lib/io/flag_values.h"

#include <string>

#include "absl/flags/flag.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, io_test_zeta, 3, "a flag defined in tests/io");
ABSL_FLAG(std::string, io_test_alpha, "x", "another flag defined in tests/io");
ABSL_FLAG(double, io_test_mid, 0.5, "a third one");

namespace otgan::io {
namespace {

TEST(FlagValuesTest, KeepsFlagsFromMatchingFilesSortedWithCurrentValues) {
  absl::SetFlag(&FLAGS_io_test_zeta, 7);
  absl::SetFlag(&FLAGS_io_test_alpha, std::string("hello world"));
  auto flags = AllFlagValues({"tests/io/"});
  const std::vector<std::pair<std::string, std::string>> want = {
      {"io_test_alpha", "hello world"}, {"io_test_mid", "0.5"}, {"io_test_zeta", "7"}};
  EXPECT_EQ(flags, want);
  EXPECT_EQ(AllFlagValues({"replications/", "tests/io/flag_values_test.cc"}), want);
  EXPECT_TRUE(AllFlagValues({"no_such_folder/"}).empty());
  EXPECT_TRUE(AllFlagValues({}).empty());
}

}  // namespace
}  // namespace otgan::io
