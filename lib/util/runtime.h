// Device selection, thread count and workspace paths for every program.
//
// Executables turn their --device, --threads, --data_dir and --out flags into
// values with these functions; library code receives the results.
//
//   OTGAN_ASSIGN_OR_RETURN(torch::Device device, otgan::ParseDevice("cpu"));
//   OTGAN_RETURN_IF_ERROR(otgan::ConfigureThreads(0));  // 0 = all cores
//   std::string data = otgan::DefaultDataDir();          // <workspace>/data
//
//   int main(int argc, char** argv) {
//     otgan::PrepareCpuRuntime(argc, argv);  // first line: before any LibTorch call
//     ...
#ifndef OTGAN_LIB_UTIL_RUNTIME_H_
#define OTGAN_LIB_UTIL_RUNTIME_H_

#include <string>
#include <utility>
#include <vector>

#include <c10/core/Device.h>
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otgan {

// "cpu", "cuda" or "cuda:N". CUDA is refused with a clear message when the
// linked LibTorch was built without it or no GPU is visible.
absl::StatusOr<c10::Device> ParseDevice(const std::string& name);

// Number of hardware threads of this machine (at least 1).
int NumCores();

// The CPU runtime settings every executable applies to itself, so that users
// need not prefix environment variables; each is left alone when the user's
// environment already sets it. Call it first in main(), before any LibTorch
// call (ATen reads ATEN_CPU_CAPABILITY at its first kernel dispatch).
//  - OMP_WAIT_POLICY=PASSIVE: idle OpenMP workers sleep instead of spinning
//    (spinning workers take the cores from OpenBLAS's own threads and from
//    other processes). libgomp, which Debian's LibTorch uses, reads the
//    variable only when it is loaded, before main(); so when it is unset this
//    sets it and re-executes the program once (/proc/self/exe, same argv).
//    OTGAN_NO_REEXEC=1 disables the re-execution (the variable is then set
//    for child processes only).
//  - glibc keeps freed memory in the process (mallopt: no block is mmapped,
//    whatever its size, trim threshold 1 GiB, top pad 64 MiB). By default
//    glibc hands blocks above its mmap threshold back to the OS on free and
//    trims the heap top, so every batch's activations were fresh,
//    page-faulting memory, and a page fault is dear in this machine's VM:
//    page faults were ~20% of an assigner loop's profile and its generator
//    forward ran 3x slower (0.95 s -> 0.30 s per 400 samples). The mmap
//    threshold alone (its largest is 32 MiB) still left OT-GAN's larger
//    activations (a critic layer's input at batch 256 is 63 MB) to mmap:
//    with no mmap at all a bench process timing OT-GAN MNIST made half the
//    page faults (1.00 M -> 0.49 M) in 22% less CPU time, and one OT-GAN
//    iteration took 3.06-3.12 s instead of 3.30-3.41 s (two threads, two
//    alternated runs each). The cost: the process keeps its peak heap.
//  - OPENBLAS_THREAD_TIMEOUT=18: after each matrix product OpenBLAS's idle
//    workers spin 2^18 cycles (~0.1 ms) in sched_yield before they sleep,
//    instead of its default 2^28 (~0.1 s), in which they took a core from
//    ATen's OpenMP threads between two products (a perf profile of the bf16
//    OT-GAN step: 19% of samples in sched_yield and the kernel's syscall
//    path). Read by OpenBLAS when it loads, so set and re-executed as above.
//    bench/train_step, default / 4 / 18, two alternated rounds (2 threads,
//    ms per iteration): wgan_gp_mnist 1504, 1307 / 1165, 1121 / 1122, 1133;
//    wgan_mnist 925, 923 / 917, 916 / 777, 769; otgan_mog 24, 34 / 40, 35 /
//    27, 27 (2^4 sleeps after every one of the toy's small products). A
//    second pair of rounds, 14 / 18 / 22: wgan_gp_mnist 1081, 965 / 999,
//    960 / 1118, 1167; wgan_mnist 838, 783 / 823, 767 / 888, 898.
void PrepareCpuRuntime(int argc, char** argv);

// PrepareCpuRuntime's settings as environment variables, name -> value, in
// this order: OMP_WAIT_POLICY, OPENBLAS_THREAD_TIMEOUT, then glibc's
// MALLOC_MMAP_THRESHOLD_, MALLOC_MMAP_MAX_, MALLOC_TRIM_THRESHOLD_,
// MALLOC_TOP_PAD_ (bench/train_step unsets these names to run its Python
// reference at Python's own defaults).
std::vector<std::pair<std::string, std::string>> CpuRuntimeVariables();

// CpuRuntimeVariables as environment assignments for a program that
// does not call it (bench/train_step's Python reference), so that both sides
// of a comparison run under the same runtime: "OMP_WAIT_POLICY=PASSIVE
// OPENBLAS_THREAD_TIMEOUT=18 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_MMAP_MAX_=0
// MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864" (glibc reads the
// MALLOC_* variables as the mallopt settings of the same names). Without the
// malloc part, PyTorch's [256,256] x [256,12544] product took 41.6 ms instead
// of 8.7 ms here, faulting in its fresh output on every call.
std::string CpuRuntimeEnvironment();

// The ATen CPU kernel level in force ("AVX2", "AVX512", ...) as LibTorch's
// build summary reports it, the OpenMP wait policy and OpenBLAS's thread
// count and spin timeout (as the library read it), e.g.
// "ATen AVX2, OMP_WAIT_POLICY=PASSIVE, OpenBLAS threads 1, spin 2^18 cycles".
std::string CpuRuntimeDescription();

// Sets the intra-op thread count, `threads` > 0 or all cores for 0, in both
// pools a LibTorch step runs on: ATen's (OpenMP: convolutions through oneDNN,
// element-wise kernels) and OpenBLAS's own pthreads pool (Debian's LibTorch
// does its matrix products, so Linear layers, cost matrices and assignments,
// in OpenBLAS). at::set_num_threads does not reach the second pool, which is
// sized to all cores when the library loads and whose idle workers spin in
// sched_yield, so without this a --threads=1 run took two cores. Negative
// values are an InvalidArgument error. Returns the count in force.
absl::StatusOr<int> ConfigureThreads(int threads);

// OpenBLAS's thread count, or 0 when the linked BLAS is not OpenBLAS.
int BlasThreads();

// The OPENBLAS_THREAD_TIMEOUT OpenBLAS read when it loaded (0: unset, its
// default 28 in force), or -1 when the linked BLAS is not OpenBLAS.
int BlasThreadTimeout();

// The workspace root: $BUILD_WORKSPACE_DIRECTORY under `bazel run`, else the
// nearest ancestor of the working directory holding a WORKSPACE file, else "".
std::string WorkspaceRoot();

// Where datasets live: $OTGAN_DATA_DIR if set, else <workspace>/data (the
// folder scripts/setup.sh fills), else "data".
std::string DefaultDataDir();

// Resolves a relative output path against the workspace root (so that
// `bazel run` writes into the checkout); absolute paths are returned as is.
std::string ResolveOutputPath(const std::string& path);

}  // namespace otgan

#endif  // OTGAN_LIB_UTIL_RUNTIME_H_
