// A tiny WGAN-GP on the 8 Gaussians for the Trainer tests: MLP generator and
// critic (2 -> 16 -> 2 and 2 -> 16 -> 1), Adam, a shuffler over a fixed pool
// of data points, latents from LibTorch's default CPU generator and the
// penalty's interpolation weights from a registered generator. A few
// milliseconds per step. TinyRunConfig is the Trainer settings both Trainer
// tests run it under.
#ifndef OTGAN_TESTS_TRAIN_TINY_GAN_H_
#define OTGAN_TESTS_TRAIN_TINY_GAN_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include "gtest/gtest.h"
#include "lib/data/shuffler.h"
#include "lib/data/toy.h"
#include "lib/train/losses.h"
#include "lib/train/trainer.h"

namespace otgan::train::testing {

// A run folder <test tmpdir>/<name> (emptied unless `resume`), `total`
// steps, a metrics row every step, a checkpoint every 5, no progress line.
inline TrainerConfig TinyRunConfig(const std::string& name, int64_t total, bool resume = false) {
  TrainerConfig c;
  c.run_dir = (std::filesystem::path(::testing::TempDir()) / name).string();
  if (!resume) std::filesystem::remove_all(c.run_dir);
  c.total_steps = total;
  c.log_every = 1;
  c.checkpoint_every = 5;
  c.resume = resume;
  c.show_progress = false;
  return c;
}

struct TinyGan {
  // Everything is built from `seed`; two TinyGans with different seeds start
  // from different weights and random states.
  explicit TinyGan(uint64_t seed)
      : pool(data::ToyDistribution::Make(data::ToyKind::k8Gaussians)
                 .Sample(256, at::make_generator<at::CPUGeneratorImpl>(1000))),
        shuffler(256, seed),
        gp_gen(at::make_generator<at::CPUGeneratorImpl>(seed + 1)) {
    at::manual_seed(seed);
    gen = torch::nn::Sequential(torch::nn::Linear(2, 16), torch::nn::ReLU(), torch::nn::Linear(16, 2));
    critic =
        torch::nn::Sequential(torch::nn::Linear(2, 16), torch::nn::ReLU(), torch::nn::Linear(16, 1));
    gen_opt = std::make_unique<torch::optim::Adam>(
        gen->parameters(), torch::optim::AdamOptions(1e-3).betas(std::make_tuple(0.5, 0.9)));
    critic_opt = std::make_unique<torch::optim::Adam>(
        critic->parameters(), torch::optim::AdamOptions(1e-3).betas(std::make_tuple(0.5, 0.9)));
    fixed_z = at::randn({16, 2});
  }

  void Register(Trainer& trainer) {
    trainer.AddModule("generator", gen.ptr());
    trainer.AddModule("critic", critic.ptr());
    trainer.AddOptimizer("gen_opt", gen_opt.get());
    trainer.AddOptimizer("critic_opt", critic_opt.get());
    trainer.AddGenerator("gp", gp_gen);
    trainer.AddShuffler("data", &shuffler);
  }

  // One generator iteration with 2 critic steps.
  StepLosses Step() {
    double critic_loss = 0;
    for (int k = 0; k < 2; ++k) {
      at::Tensor real = pool.index_select(0, shuffler.NextBatch(32));
      at::Tensor fake = gen->forward(at::randn({32, 2})).detach();
      critic_opt->zero_grad();
      at::Tensor loss = WganCriticLoss(critic->forward(real), critic->forward(fake)) +
                        GradientPenalty([&](const at::Tensor& x) { return critic->forward(x); },
                                        real, fake, 0.1, gp_gen);
      loss.backward();
      critic_opt->step();
      critic_loss = loss.item<double>();
    }
    gen_opt->zero_grad();
    at::Tensor g_loss = WganGeneratorLoss(critic->forward(gen->forward(at::randn({32, 2}))));
    g_loss.backward();
    gen_opt->step();
    return {{"critic_loss", critic_loss}, {"gen_loss", g_loss.item<double>()}};
  }

  at::Tensor pool;
  data::EpochShuffler shuffler;
  at::Generator gp_gen;
  torch::nn::Sequential gen{nullptr};
  torch::nn::Sequential critic{nullptr};
  std::unique_ptr<torch::optim::Adam> gen_opt;
  std::unique_ptr<torch::optim::Adam> critic_opt;
  at::Tensor fixed_z;
};

}  // namespace otgan::train::testing

#endif  // OTGAN_TESTS_TRAIN_TINY_GAN_H_
