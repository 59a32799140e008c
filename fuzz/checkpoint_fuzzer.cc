// libFuzzer target: lib/train/checkpoint LoadCheckpoint (and VerifyCheckpoint)
// on arbitrary bytes. The first byte picks the mode:
//   even: the bytes as a whole file (integrity header parsing, checksum);
//   odd:  the bytes after it as the payload, wrapped in a header with the
//         correct checksum, so that the input reaches LibTorch's archive
//         reader and our header/fingerprint checks behind it.
// Any input must give CheckpointInfo or a Status; crashes are bugs.
#include <cstdint>
#include <string>

#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_util.h"
#include "lib/train/checkpoint.h"
#include "lib/util/sha256.h"

namespace {

struct Target {
  Target()
      : net(torch::nn::Linear(2, 3)),
        opt(net->parameters(), torch::optim::AdamOptions(1e-3)) {
    state.AddModule("net", net.ptr());
    state.AddOptimizer("opt", &opt);
  }
  torch::nn::Linear net;
  torch::optim::Adam opt;
  otgan::train::TrainingState state;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Target* target = new Target;
  if (size == 0) return 0;
  std::string file;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    file = rest;
  } else {
    file = absl::StrCat("otgan-train-checkpoint ", otgan::train::kCheckpointFormatVersion,
                        "\nsha256 ", otgan::Sha256Hex(rest), "\nbytes ", rest.size(), "\n\n", rest);
  }
  const std::string path = otgan::fuzz::BytesToFile(
      reinterpret_cast<const uint8_t*>(file.data()), file.size(), "ckpt_1.pt");
  (void)otgan::train::VerifyCheckpoint(path);
  (void)otgan::train::LoadCheckpoint(path, target->state);
  return 0;
}
