#include "lib/util/runfiles.h"

#include <filesystem>
#include <memory>
#include <system_error>

#include "tools/cpp/runfiles/runfiles.h"

namespace otgan {

std::string FindRunfile(const std::string& path) {
  using bazel::tools::cpp::runfiles::Runfiles;
  std::error_code ec;
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  std::string error;
  std::unique_ptr<Runfiles> runfiles(Runfiles::Create(ec ? "" : exe, &error));
  if (runfiles == nullptr) return "";
  const std::string found = runfiles->Rlocation("otgan/" + path);
  if (found.empty() || !std::filesystem::exists(found, ec)) return "";
  return found;
}

}  // namespace otgan
