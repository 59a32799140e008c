// Files that travel with a binary as Bazel runfiles (e.g. the committed
// classifier weights, data = ["//eval:weights"]), found from any working
// directory: through the RUNFILES_DIR / RUNFILES_MANIFEST_FILE environment
// that `bazel run` and `bazel test` set, else next to the executable
// (<binary>.runfiles/, located through /proc/self/exe).
//
//   std::string p = otgan::FindRunfile("eval/weights/lenet_mnist.pt");
//   if (p.empty()) { ... not shipped with this binary ... }
#ifndef OTGAN_LIB_UTIL_RUNFILES_H_
#define OTGAN_LIB_UTIL_RUNFILES_H_

#include <string>

namespace otgan {

// The absolute path of `path` (relative to this workspace's root, e.g.
// "eval/weights/lenet_mnist.pt") among this binary's runfiles, or "" when
// the binary has no runfiles or the file is not among them.
std::string FindRunfile(const std::string& path);

}  // namespace otgan

#endif  // OTGAN_LIB_UTIL_RUNFILES_H_
