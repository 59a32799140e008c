#include "lib/io/flag_values.h"

#include <limits>
#include <string>

#include "absl/flags/flag.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, io_test_zeta, 3, "a flag defined in tests/io");
ABSL_FLAG(std::string, io_test_alpha, "x", "another flag defined in tests/io");
ABSL_FLAG(double, io_test_mid, 0.5, "a third one");
ABSL_FLAG(float, io_test_single, 1.5f, "a float flag");

namespace otgan::io {
namespace {

TEST(FlagValuesTest, KeepsFlagsFromMatchingFilesSortedWithCurrentValues) {
  absl::SetFlag(&FLAGS_io_test_zeta, 7);
  absl::SetFlag(&FLAGS_io_test_alpha, std::string("hello world"));
  auto flags = AllFlagValues({"tests/io/"});
  const std::vector<std::pair<std::string, std::string>> want = {
      {"io_test_alpha", "hello world"}, {"io_test_mid", "0.5"}, {"io_test_single", "1.5"},
      {"io_test_zeta", "7"}};
  EXPECT_EQ(flags, want);
  EXPECT_EQ(AllFlagValues({"replications/", "tests/io/flag_values_test.cc"}), want);
  EXPECT_TRUE(AllFlagValues({"no_such_folder/"}).empty());
  EXPECT_TRUE(AllFlagValues({}).empty());
}

TEST(FlagValuesTest, FloatFlagsMustBeFinite) {
  EXPECT_TRUE(CheckFloatFlagsFinite({"tests/io/"}).ok());
  for (double bad : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN()}) {
    absl::SetFlag(&FLAGS_io_test_mid, bad);
    absl::Status st = CheckFloatFlagsFinite({"tests/io/"});
    ASSERT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("--io_test_mid="), std::string::npos) << st;
    EXPECT_NE(st.message().find("finite"), std::string::npos) << st;
    EXPECT_TRUE(CheckFloatFlagsFinite({"replications/"}).ok());  // not this program's flag
  }
  absl::SetFlag(&FLAGS_io_test_mid, 0.5);
  absl::SetFlag(&FLAGS_io_test_single, std::numeric_limits<float>::infinity());
  EXPECT_FALSE(CheckFloatFlagsFinite({"tests/io/"}).ok());
  absl::SetFlag(&FLAGS_io_test_single, 1.5f);
  EXPECT_TRUE(CheckFloatFlagsFinite({"tests/io/"}).ok());
}

}  // namespace
}  // namespace otgan::io
