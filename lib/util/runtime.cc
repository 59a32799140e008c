#include "lib/util/runtime.h"

#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include <ATen/Parallel.h>
#include <ATen/Context.h>
#include <ATen/Version.h>

namespace otgan {
namespace fs = std::filesystem;

absl::StatusOr<c10::Device> ParseDevice(const std::string& name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!at::hasCUDA()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--device=", name,
          ": the linked LibTorch has no CUDA support or no GPU is visible. "
          "Use --device=cpu, or build with LIBTORCH=<a CUDA LibTorch root>."));
    }
    try {
      return c10::Device(name);
    } catch (const std::exception&) {
      return absl::InvalidArgumentError(
          absl::StrCat("--device=", name, ": expected cuda or cuda:N"));
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--device=", name, ": expected cpu, cuda or cuda:N"));
}

namespace {
// OpenBLAS's workers spin 2^n cycles after each call before they sleep
// (OpenBLAS 0.3.21 blas_server.c; its default n = 28 is ~0.1 s of
// sched_yield on this CPU). Chosen by bench/train_step: runtime.h.
constexpr char kOpenBlasThreadTimeout[] = "18";
// Read by their libraries when they load, before main().
constexpr std::pair<const char*, const char*> kLibraryVariables[] = {
    {"OMP_WAIT_POLICY", "PASSIVE"}, {"OPENBLAS_THREAD_TIMEOUT", kOpenBlasThreadTimeout}};
// glibc's malloc settings (runtime.h), applied by mallopt here and passed to
// other programs as glibc's environment variables of the same meaning.
constexpr int kMmapThreshold = 32 << 20, kMmapMax = 0, kTrimThreshold = 1 << 30, kTopPad = 64 << 20;
}  // namespace

void PrepareCpuRuntime(int argc, char** argv) {
  (void)argc;
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_MMAP_MAX, kMmapMax);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
  mallopt(M_TOP_PAD, kTopPad);
  bool changed = false;
  for (const auto& [name, value] : kLibraryVariables) {
    const char* set = std::getenv(name);
    if (set == nullptr || *set == '\0') {
      setenv(name, value, /*overwrite=*/1);
      changed = true;
    }
  }
  const char* no_reexec = std::getenv("OTGAN_NO_REEXEC");
  if (changed && (no_reexec == nullptr || std::string(no_reexec) != "1")) {
    std::fflush(nullptr);
    execv("/proc/self/exe", argv);
    // execv returns only on failure: carry on with the libraries' defaults.
  }
}

std::vector<std::pair<std::string, std::string>> CpuRuntimeVariables() {
  std::vector<std::pair<std::string, std::string>> v(std::begin(kLibraryVariables),
                                                     std::end(kLibraryVariables));
  for (const auto& [name, value] :
       {std::pair<const char*, int>{"MALLOC_MMAP_THRESHOLD_", kMmapThreshold},
        {"MALLOC_MMAP_MAX_", kMmapMax},
        {"MALLOC_TRIM_THRESHOLD_", kTrimThreshold},
        {"MALLOC_TOP_PAD_", kTopPad}}) {
    v.emplace_back(name, std::to_string(value));
  }
  return v;
}

std::string CpuRuntimeEnvironment() {
  std::vector<std::string> assignments;
  for (const auto& [name, value] : CpuRuntimeVariables()) assignments.push_back(name + "=" + value);
  return absl::StrJoin(assignments, " ");
}

std::string CpuRuntimeDescription() {
  const std::string config = at::show_config();
  const std::string key = "CPU capability usage: ";
  std::string capability = "unknown";
  if (const size_t at = config.find(key); at != std::string::npos) {
    const size_t start = at + key.size();
    capability = config.substr(start, config.find('\n', start) - start);
  }
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  const int blas = BlasThreads();
  const int timeout = BlasThreadTimeout();
  return absl::StrCat("ATen ", capability, ", OMP_WAIT_POLICY=", wait ? wait : "(unset)",
                      blas > 0
                          ? absl::StrCat(", OpenBLAS threads ", blas, ", spin 2^",
                                         timeout > 0 ? std::clamp(timeout, 4, 30) : 28, " cycles")
                          : "");
}

namespace {
// OpenBLAS's thread controls, looked up at run time so that a LibTorch linked
// against another BLAS (MKL, a CUDA build) still loads: null when absent.
using SetBlasThreadsFn = void (*)(int);
using GetBlasThreadsFn = int (*)();
SetBlasThreadsFn SetBlasThreads() {
  return reinterpret_cast<SetBlasThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
}
GetBlasThreadsFn GetBlasThreads() {
  return reinterpret_cast<GetBlasThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
}
}  // namespace

int BlasThreadTimeout() {
  // openblas_env.c: the value it read from OPENBLAS_THREAD_TIMEOUT at load.
  const auto get =
      reinterpret_cast<GetBlasThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_thread_timeout"));
  return get == nullptr ? -1 : get();
}

int BlasThreads() {
  const GetBlasThreadsFn get = GetBlasThreads();
  return get == nullptr ? 0 : get();
}

int NumCores() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

absl::StatusOr<int> ConfigureThreads(int threads) {
  if (threads < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--threads=", threads, ": expected 0 (all cores) or a positive count"));
  }
  int n = threads == 0 ? NumCores() : threads;
  at::set_num_threads(n);
  if (const SetBlasThreadsFn set = SetBlasThreads(); set != nullptr) set(n);
  return n;
}

std::string WorkspaceRoot() {
  if (const char* w = std::getenv("BUILD_WORKSPACE_DIRECTORY"); w && *w) return w;
  std::error_code ec;
  fs::path dir = fs::current_path(ec);
  if (ec) return "";
  for (; !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / "WORKSPACE", ec)) return dir.string();
    if (dir == dir.root_path()) break;
  }
  return "";
}

std::string DefaultDataDir() {
  if (const char* d = std::getenv("OTGAN_DATA_DIR"); d && *d) return d;
  std::string root = WorkspaceRoot();
  return root.empty() ? "data" : (fs::path(root) / "data").string();
}

std::string ResolveOutputPath(const std::string& path) {
  fs::path p(path);
  if (p.is_absolute()) return path;
  std::string root = WorkspaceRoot();
  return root.empty() ? path : (fs::path(root) / p).string();
}

}  // namespace otgan
