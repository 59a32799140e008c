// A tiny training program for crash_resume_test.sh: the TinyGan of
// tiny_gan.h under the Trainer, a checkpoint every 5 steps, a sample grid
// function, and at the end <out>/params.npy (every parameter of both nets,
// flattened and concatenated) so that two runs can be compared byte for byte.
//
//   crash_resume_main --out=DIR --steps=N [--resume] [--step_ms=MS]
//
// --step_ms sleeps that long per step, so that a SIGKILL can land mid-run.
// Exit 0 on success, else one line on stderr and exit 1. (A test helper: it
// parses its few arguments itself.)
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "lib/io/npy.h"
#include "lib/train/trainer.h"
#include "tests/train/tiny_gan.h"

int main(int argc, char** argv) {
  std::string out;
  int64_t steps = 0, step_ms = 0;
  bool resume = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    bool ok = true;
    if (absl::StartsWith(a, "--out=")) {
      out = a.substr(6);
    } else if (absl::StartsWith(a, "--steps=")) {
      ok = absl::SimpleAtoi(a.substr(8), &steps);
    } else if (absl::StartsWith(a, "--step_ms=")) {
      ok = absl::SimpleAtoi(a.substr(10), &step_ms);
    } else if (a == "--resume") {
      resume = true;
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "crash_resume_main: bad argument '%s'\n", a.c_str());
      return 2;
    }
  }
  at::set_num_threads(1);
  otgan::train::testing::TinyGan model(/*seed=*/5);
  otgan::train::TrainerConfig c;
  c.run_dir = out;
  c.total_steps = steps;
  c.log_every = 1;
  c.checkpoint_every = 5;
  c.resume = resume;
  c.show_progress = false;
  otgan::train::Trainer trainer(c);
  model.Register(trainer);
  trainer.SetSampleFn([&] { return at::sigmoid(model.gen->forward(model.fixed_z)).view({16, 1, 1, 2}); },
                      otgan::io::GridOptions{});
  absl::Status st = trainer.Run(
      [&](int64_t) -> absl::StatusOr<otgan::train::StepLosses> {
        if (step_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(step_ms));
        return model.Step();
      },
      {"critic_loss", "gen_loss"});
  if (st.ok()) {
    std::vector<at::Tensor> flat;
    for (auto* net : {&model.gen, &model.critic}) {
      for (const auto& p : (*net)->parameters()) flat.push_back(p.detach().flatten());
    }
    st = otgan::io::WriteNpy(out + "/params.npy", at::cat(flat));
  }
  if (!st.ok()) {
    std::fprintf(stderr, "crash_resume_main: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  return 0;
}
