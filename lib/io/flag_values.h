// The current values of a program's own command-line flags, for run
// manifests: every Abseil flag defined in a source file under one of the
// given path prefixes (e.g. "replications/"), so library and third-party
// flags stay out. For executables only; library code never reads flags.
//
//   // in replications/wgan_mnist.cc, after absl::ParseCommandLine:
//   std::vector<std::pair<std::string, std::string>> flags =
//       otgan::io::AllFlagValues({"replications/"});
//   // {{"batch", "64"}, {"budget", "cpu"}, {"lr", "5e-05"}, ...}
#ifndef OTGAN_LIB_IO_FLAG_VALUES_H_
#define OTGAN_LIB_IO_FLAG_VALUES_H_

#include <string>
#include <utility>
#include <vector>

namespace otgan::io {

// (name, current value as Abseil prints it) of every non-retired flag whose
// defining file starts with one of `path_prefixes` (or contains "/" + prefix,
// for absolute file names), sorted by name. No prefixes: no flags.
std::vector<std::pair<std::string, std::string>> AllFlagValues(
    const std::vector<std::string>& path_prefixes);

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_FLAG_VALUES_H_
