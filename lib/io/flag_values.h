// The current values of a program's own command-line flags, for run
// manifests: every Abseil flag defined in a source file under one of the
// given path prefixes (e.g. "replications/"), so library and third-party
// flags stay out. For executables only; library code never reads flags.
//
//   // in replications/wgan_mnist.cc, after absl::ParseCommandLine:
//   std::vector<std::pair<std::string, std::string>> flags =
//       otgan::io::AllFlagValues({"replications/"});
//   // {{"batch", "64"}, {"budget", "cpu"}, {"lr", "5e-05"}, ...}
//   OTGAN_RETURN_IF_ERROR(otgan::io::CheckFloatFlagsFinite({"replications/"}));
#ifndef OTGAN_LIB_IO_FLAG_VALUES_H_
#define OTGAN_LIB_IO_FLAG_VALUES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace otgan::io {

// (name, current value as Abseil prints it) of every non-retired flag whose
// defining file starts with one of `path_prefixes` (or contains "/" + prefix,
// for absolute file names), sorted by name. No prefixes: no flags.
std::vector<std::pair<std::string, std::string>> AllFlagValues(
    const std::vector<std::string>& path_prefixes);

// InvalidArgument "--<name>=<value>: expected a finite number (inf and nan
// are not accepted)" for the first float or double flag, among those that
// AllFlagValues(path_prefixes) selects, whose value is infinite or NaN.
// Called right after flag parsing, before any other check, by every
// executable (replications/common.cc, tools/ot.cc, eval/evaluate.cc).
absl::Status CheckFloatFlagsFinite(const std::vector<std::string>& path_prefixes);

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_FLAG_VALUES_H_
