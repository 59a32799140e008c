// Training throughput: the wall time of one generator iteration (with its
// critic or assigner updates) of every method at its cpu-budget settings,
// built from the project's own layers (lib/nn), losses (lib/train) and
// transport code (lib/ot), next to the same nets and steps in Python PyTorch
// (bench/train_step_reference.py, Debian's python3-torch, the same LibTorch
// build) run by this binary at the same thread count (ATen's pool and
// OpenBLAS's own, see lib/util/runtime.h ConfigureThreads, in both).
//
//   bazel run //bench:train_step -- --out=results/bench/train_step.jsonl
//   bazel run //bench:train_step -- --methods=wgan_gp_mnist --iters=5 --no_reference
//
// Prints (and with --out writes) one JSON object per line:
//   {"kind": "env", ...}     threads, load average before and after, ATen CPU
//                            capability, OpenMP wait policy, date
//   {"kind": "layer", ...}   each transposed convolution of the WGAN-GP and
//                            Laschos generators, forward + backward at batch
//                            50: LibTorch's ConvTranspose2d vs
//                            lib/nn/conv_transpose.h's polyphase form
//   {"kind": "method", ...}  per method: cpp_ms (median of --iters timed
//                            iterations after --warmup), python_ms, ratio
//                            cpp/python, and gflop / gflops where counted:
//                            conv and linear multiply-adds x 2 x passes, with
//                            passes 1 for a forward without autograd, 3 for a
//                            trained forward + backward, 2 for the critic's
//                            forward + input gradient in a generator step, 6
//                            for the gradient penalty's double backward.
//
// The data are random tensors of the real shapes and ranges (timing does not
// depend on the pixel values; every loop runs a fixed iteration count).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/nn/modules/conv.h>
#include <torch/optim/optimizer.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/io/json.h"
#include "lib/nn/batched.h"
#include "lib/nn/conv_transpose.h"
#include "lib/nn/laschos_nets.h"
#include "lib/nn/mlp.h"
#include "lib/nn/otgan_nets.h"
#include "lib/nn/wgan_nets.h"
#include "lib/ot/cost.h"
#include "lib/ot/divergence.h"
#include "lib/ot/semidiscrete.h"
#include "lib/ot/sinkhorn.h"
#include "lib/train/losses.h"
#include "lib/train/optim.h"
#include "lib/train/precision.h"
#include "lib/util/runtime.h"
#include "lib/util/status.h"

ABSL_FLAG(int, threads, 2, "intra-op threads of both the C++ and the Python runs");
ABSL_FLAG(int, iters, 5, "timed iterations per method (the median is reported)");
ABSL_FLAG(int, warmup, 1, "untimed iterations per method before timing");
ABSL_FLAG(double, max_seconds, 60,
          "stop timing a method once its timed iterations took this long (at least 1 runs)");
ABSL_FLAG(std::string, methods,
          "wgan_gp_mnist,wgan_mnist,otgan_mnist,sinkhorn_gan_mnist,assigner_mnist,wgan_gp_toy,"
          "otgan_mog",
          "comma-separated methods to time");
ABSL_FLAG(bool, otgan_one_call, false,
          "also time the OT-GAN updates with the four batches through the critic in one call "
          "and Y, Y' from one generator call (lib/nn/batched.h): keys *_one_call");
ABSL_FLAG(std::vector<std::string>, otgan_chunks, {},
          "also time the OT-GAN updates with each batch of 256 through the nets in chunks of "
          "these many rows (lib/nn/batched.h ApplyChunked), e.g. 128,64,32: keys *_chunkN");
ABSL_FLAG(bool, otgan_phase_conv_backward, false,
          "also time the OT-GAN updates with the input gradient of the critic's strided "
          "convolutions computed one output phase at a time (lib/nn/strided_conv.h) instead of "
          "by ATen: keys *_phase_backward");
ABSL_FLAG(otgan::train::Precision, precision, otgan::train::Precision::kFp32,
          "fp32 | bf16: the nets' forward passes (and their backward) under bfloat16 autocast, "
          "as the replications' --precision (lib/train/precision.h); the Python reference "
          "gets the same setting (torch.autocast) unless --reference_precision says otherwise");
ABSL_FLAG(std::string, reference_precision, "",
          "fp32 | bf16: the Python reference's precision when it should differ from "
          "--precision (empty: the same), e.g. --precision=bf16 --reference_precision=fp32 "
          "gives the ratio of C++ in bf16 over Python in fp32");
ABSL_FLAG(int, rounds, 1,
          "time every method (C++), then run the Python reference, this many times in "
          "alternation, and report the medians with each round's values: this machine's "
          "run-to-run spread (~20%, both sides) is larger than the differences the ratio is "
          "read for");
ABSL_FLAG(bool, layers, true, "time the transposed-convolution layers too");
ABSL_FLAG(bool, no_reference, false, "skip the Python PyTorch reference run");
ABSL_FLAG(bool, reference_defaults, false,
          "also run the Python reference at its own runtime defaults (no OMP_WAIT_POLICY, "
          "OPENBLAS_THREAD_TIMEOUT or glibc malloc settings; what a plain `python3` gets), "
          "reported as python_defaults_ms and ratio_cpp_over_python_defaults beside the "
          "same-runtime python_ms");
ABSL_FLAG(std::string, python, "/usr/bin/python3",
          "interpreter with Debian's python3-torch for the reference run");
ABSL_FLAG(std::string, profile, "",
          "after timing, run one step of this method under LibTorch's autograd profiler and "
          "print its top operators by self time (kind \"profile\")");
ABSL_FLAG(bool, profile_shapes, false,
          "with --profile: one row per operator and input shapes, to tell which tensors an "
          "operator's time goes to");
ABSL_FLAG(std::string, out, "",
          "also write the JSON lines to this file (relative to the workspace)");

namespace otgan::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Median wall milliseconds of fn over `iters` runs after `warmup` runs; the
// timed runs stop early once they took max_seconds in all (at least one runs).
double TimeMs(const std::function<void()>& fn, int warmup, int iters, double max_seconds = 1e30) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> ms;
  double total = 0;
  for (int i = 0; i < iters && total < max_seconds * 1e3; ++i) {
    const auto t0 = Clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    total += ms.back();
  }
  return Median(ms);
}

// The roofline's rates in `dtype` at the run's threads, median of 5 after 2
// warm-ups, in GFLOP/s: a 2048^3 matrix product (OpenBLAS in fp32, oneDNN in
// bf16) and a 3x3 convolution of 256 -> 256 channels on 64 maps of 16x16
// (oneDNN, which runs the nets' convolutions: in fp32 it measured ~3x
// OpenBLAS's GEMM here, 290 against 90 GFLOP/s at 2 threads, so the GEMM alone
// would put the nets above their "roofline").
struct PeakRates {
  double gemm = 0, conv = 0;
  double best() const { return std::max(gemm, conv); }
};
PeakRates MeasurePeakRates(at::ScalarType dtype) {
  PeakRates r;
  constexpr int64_t n = 2048;
  at::Tensor a = at::randn({n, n}).to(dtype), b = at::randn({n, n}).to(dtype);
  r.gemm = 2.0 * n * n * n / (TimeMs([&] { at::mm(a, b); }, 2, 5) * 1e-3) / 1e9;
  at::Tensor x = at::randn({64, 256, 16, 16}).to(dtype), w = at::randn({256, 256, 3, 3}).to(dtype);
  const double conv_flop = 2.0 * 64 * 256 * 256 * 9 * 16 * 16;
  r.conv = conv_flop / (TimeMs([&] { at::conv2d(x, w, {}, 1, 1); }, 2, 5) * 1e-3) / 1e9;
  return r;
}

std::vector<double> LoadAverage() {
  double l[3] = {0, 0, 0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3) l[0] = l[1] = l[2] = -1;
    std::fclose(f);
  }
  return {l[0], l[1], l[2]};
}

// ---- multiply-add counts (per sample) ----
double ConvMacs(int64_t cin, int64_t cout, int64_t k, int64_t out_hw) {
  return static_cast<double>(cin) * cout * k * k * out_hw * out_hw;
}
// A transposed conv's true MACs: every input pixel meets every tap once.
double DeconvMacs(int64_t cin, int64_t cout, int64_t k, int64_t in_hw) {
  return static_cast<double>(cin) * cout * k * k * in_hw * in_hw;
}
double WganGpGenMacs(int64_t d, int64_t latent) {
  return latent * 64.0 * d + DeconvMacs(4 * d, 2 * d, 5, 4) + DeconvMacs(2 * d, d, 5, 7) +
         DeconvMacs(d, 1, 5, 14);
}
double WganGpCriticMacs(int64_t d) {
  return ConvMacs(1, d, 5, 14) + ConvMacs(d, 2 * d, 5, 7) + ConvMacs(2 * d, 4 * d, 5, 4) + 64.0 * d;
}
double MlpMacs(int64_t in, const std::vector<int64_t>& hidden, int64_t out) {
  double m = 0;
  int64_t prev = in;
  for (int64_t h : hidden) {
    m += static_cast<double>(prev) * h;
    prev = h;
  }
  return m + static_cast<double>(prev) * out;
}

// ---- one method = a step closure plus its FLOP count ----
struct Method {
  std::function<void()> step;
  double gflop = 0;  // 0 = not counted
  std::string what;  // one line: what one step is
};

// A net's forward in --precision (float32 output either way).
template <typename Net>
train::TensorFn Forward(std::shared_ptr<Net> net) {
  return train::InPrecision(absl::GetFlag(FLAGS_precision),
                            [net](const at::Tensor& x) { return (*net)->forward(x); });
}

template <typename Module>
void SetRequiresGrad(Module& m, bool on) {
  for (at::Tensor& p : m->parameters()) p.requires_grad_(on);
}

std::unique_ptr<torch::optim::Optimizer> Opt(const train::OptimizerSpec& spec,
                                             const std::vector<at::Tensor>& params) {
  auto o = train::MakeOptimizer(spec, params);
  TORCH_CHECK(o.ok(), o.status().ToString());
  return std::move(o).value();
}

// WGAN-GP (lambda 10, Adam (0.5, 0.9)) or WGAN (clip 0.01, TF1 RMSProp, batch
// norm in both nets, the critic run on real and fake separately) on MNIST
// with the WGAN-GP MNIST nets: n_critic critic steps + 1 generator step, as in
// replications/wgan_gp_mnist.cc and wgan_mnist.cc at their defaults.
Method WganMnist(bool gp) {
  const int64_t batch = gp ? 50 : 64, dim = 64, latent = 128;
  const int n_critic = 5;
  const bool bn = !gp;
  auto g = std::make_shared<nn::WganGpGenerator>(dim, latent, bn);
  auto d = std::make_shared<nn::WganGpCritic>(dim, bn);
  const train::OptimizerSpec spec = gp ? train::WganGpAdamMnistCode() : train::WganTfRmsProp();
  std::shared_ptr<torch::optim::Optimizer> gopt = Opt(spec, (*g)->parameters());
  std::shared_ptr<torch::optim::Optimizer> dopt = Opt(spec, (*d)->parameters());
  const train::TensorFn Gf = Forward(g), Df = Forward(d);
  Method m;
  m.step = [=] {
    auto& D = *d;
    for (int j = 0; j < n_critic; ++j) {
      const at::Tensor real = at::rand({batch, 1, 28, 28});
      at::Tensor fake;
      {
        torch::NoGradGuard no_grad;
        fake = Gf(at::randn({batch, latent}));
      }
      at::Tensor loss;
      if (bn) {
        loss = train::WganCriticLoss(Df(real), Df(fake));
      } else {
        const at::Tensor out = Df(at::cat({real, fake}, 0));
        loss = train::WganCriticLoss(out.narrow(0, 0, batch), out.narrow(0, batch, batch));
      }
      if (gp) {
        loss = loss + train::GradientPenalty(Df, real, fake, 10.0);
      }
      dopt->zero_grad();
      loss.backward();
      dopt->step();
      if (!gp) train::ClipWeights(*D, 0.01);
    }
    SetRequiresGrad(D, false);
    at::Tensor gl = train::WganGeneratorLoss(Df(Gf(at::randn({batch, latent}))));
    gopt->zero_grad();
    gl.backward();
    gopt->step();
    SetRequiresGrad(D, true);
  };
  const double gm = WganGpGenMacs(dim, latent), dm = WganGpCriticMacs(dim);
  const double critic_step = batch * gm + 2 * batch * dm * 3 + (gp ? batch * dm * 6 : 0);
  const double gen_step = batch * gm * 3 + batch * dm * 2;
  m.gflop = 2 * (n_critic * critic_step + gen_step) / 1e9;
  m.what = absl::StrCat(n_critic, " critic steps", gp ? " with gradient penalty" : " with clipping",
                        " + 1 generator step, batch ", batch, ", DIM 64",
                        bn ? ", batch norm, TF1 RMSProp" : ", Adam");
  return m;
}

// OT-GAN (replications/otgan_family.cc): a critic update (Y, Y' generated
// without autograd; L over the embeddings of X, X', Y, Y'; 6 Sinkhorn solves)
// or a generator update. MNIST: dcgan.py nets, cosine cost, eps 1/500, 500
// iterations, batch 256 (the target of the throughput work; otgan_mnist's
// cpu preset now uses 64). Toy (otgan_mog, the official notebook): MLPs
// 256-3x128-2 and 2-3x32-16 on x/4, squared-L2 cost on features / sqrt(32),
// eps 1/50, 10 iterations, batch 256.
// one_call: X, X', Y, Y' through the critic in one call and Y, Y' from one
// generator call (lib/nn/batched.h; --otgan_one_call); else one call per batch,
// what otgan_family runs: on this CPU the one call is slower (oneDNN's
// convolutions at batch 1024 leave the caches; measured in results/bench).
// chunk > 0: each batch of 256 through the critic and the generator in chunks
// of that many rows (ApplyChunked; --otgan_chunks).
// phase_backward: the critic's strided convolutions backpropagate to their
// input one output phase at a time (lib/nn/strided_conv.h) instead of by ATen.
Method Otgan(bool mnist, bool critic_update, bool one_call, int64_t chunk = 0,
             bool phase_backward = false) {
  const int64_t batch = 256;
  ot::SinkhornOptions sk;
  sk.eps = mnist ? 1.0 / 500 : 1.0 / 50;
  sk.max_iter = mnist ? 500 : 10;
  sk.tol = 0;
  // The MNIST critic returns unit rows, so the cost is 1 - <e, e'> as in the
  // Python reference (and the authors' code).
  const ot::CostKind cost = mnist ? ot::CostKind::kCosineOfUnitRows : ot::CostKind::kSqEuclidean;
  std::function<at::Tensor(const at::Tensor&)> generate, embed;
  std::function<at::Tensor()> real, latents;
  std::vector<at::Tensor> gparams, dparams;
  double gm = 0, dm = 0;
  if (mnist) {
    auto g = std::make_shared<nn::OtganGenerator>(32, 100);
    auto d = std::make_shared<nn::OtganCritic>(128);
    (*d)->SetPolyphaseInputGrad(phase_backward);
    generate = Forward(g);
    embed = Forward(d);
    if (chunk > 0) {
      generate = [f = generate, chunk](const at::Tensor& z) {
        return nn::ApplyChunked(f, z, chunk);
      };
      embed = [f = embed, chunk](const at::Tensor& x) { return nn::ApplyChunked(f, x, chunk); };
    }
    real = [batch] { return at::rand({batch, 1, 28, 28}) * 2 - 1; };
    latents = [batch] { return at::rand({batch, 100}) * 2 - 1; };
    gparams = (*g)->parameters();
    dparams = (*d)->parameters();
    gm = 100.0 * 2 * 2 * 32 * 49 + ConvMacs(64, 64, 5, 14) + ConvMacs(32, 32, 5, 28) +
         ConvMacs(16, 1, 5, 28);
    dm = ConvMacs(1, 32, 5, 28) + ConvMacs(64, 64, 5, 14) + ConvMacs(128, 128, 5, 7);
  } else {
    auto g =
        std::make_shared<nn::Mlp>(nn::MlpOptions{.in = 256, .hidden = {128, 128, 128}, .out = 2});
    auto d = std::make_shared<nn::Mlp>(nn::MlpOptions{.in = 2, .hidden = {32, 32, 32}, .out = 16});
    generate = Forward(g);
    const train::TensorFn critic = Forward(d);
    embed = [critic](const at::Tensor& x) { return critic(x / 4) * (1 / std::sqrt(32.0)); };
    real = [batch] { return at::randn({batch, 2}) * 0.2 + 2; };
    latents = [batch] { return at::randn({batch, 256}); };
    gparams = (*g)->parameters();
    dparams = (*d)->parameters();
    gm = MlpMacs(256, {128, 128, 128}, 2);
    dm = MlpMacs(2, {32, 32, 32}, 16);
  }
  std::shared_ptr<torch::optim::Optimizer> gopt = Opt(train::OtGanAdam(), gparams);
  std::shared_ptr<torch::optim::Optimizer> dopt = Opt(train::OtGanAdam(), dparams);
  auto energy = [=](const at::Tensor& x, const at::Tensor& x2, const at::Tensor& y,
                    const at::Tensor& y2) {
    const std::vector<at::Tensor> e =
        one_call ? nn::ApplyBatched(embed, {x, x2, y, y2})
                 : std::vector<at::Tensor>{embed(x), embed(x2), embed(y), embed(y2)};
    return ot::MinibatchEnergyDistance(e[0], e[1], e[2], e[3], cost, sk, ot::GradMode::kEnvelope);
  };
  auto generate_pair = [=] {
    const at::Tensor z = latents(), z2 = latents();
    return one_call ? nn::ApplyBatched(generate, {z, z2})
                    : std::vector<at::Tensor>{generate(z), generate(z2)};
  };
  Method m;
  if (critic_update) {
    m.step = [=] {
      std::vector<at::Tensor> y;
      {
        at::NoGradGuard no_grad;
        y = generate_pair();
      }
      const at::Tensor l = energy(real(), real(), y[0], y[1]);
      dopt->zero_grad();
      (-l).backward();
      dopt->step();
    };
    m.gflop = 2 * batch * (2 * gm + 4 * dm * 3) / 1e9;
  } else {
    // As replications/otgan_family.cc: the critic's parameters are frozen for
    // the generator's forward pass, so its backward neither computes critic
    // weight gradients nor backpropagates through the real batches' embeddings
    // (openai/ot-gan train.py:112 takes tf.gradients of the generated batches'
    // features with respect to the generator's parameters only).
    m.step = [=] {
      const at::Tensor x = real(), x2 = real();
      for (const at::Tensor& p : dparams) p.requires_grad_(false);
      const std::vector<at::Tensor> y = generate_pair();
      const at::Tensor l = energy(x, x2, y[0], y[1]);
      for (const at::Tensor& p : dparams) p.requires_grad_(true);
      gopt->zero_grad();
      l.backward();
      gopt->step();
    };
    m.gflop = 2 * batch * (2 * gm * 3 + 2 * dm * 2 + 2 * dm) / 1e9;
  }
  m.what = absl::StrCat(
      critic_update ? "critic" : "generator", " update: 4 batches of 256 through the critic ",
      one_call ? "in one call" : "in four calls",
      chunk > 0 ? absl::StrCat(" of ", batch / chunk, " chunks of ", chunk) : "",
      mnist && phase_backward ? ", input gradient of its strided convolutions by phases" : "",
      ", 6 Sinkhorn solves (",
      mnist ? "eps 1/500, 500 iterations, cosine" : "eps 1/50, 10 iterations, sq. L2",
      " cost, envelope gradient)");
  return m;
}

// Genevay et al. (replications/sinkhorn_gan_mnist.cc): batch 300, MLP
// 2-500-500-784, W_eps with squared-L2 pixel cost, eps 1, 50 unrolled iterations.
Method SinkhornGanMnist() {
  const int64_t batch = 300;
  auto g = std::make_shared<nn::Mlp>(nn::MlpOptions{.in = 2,
                                                    .hidden = {500, 500},
                                                    .out = 784,
                                                    .activation = nn::Activation::kSoftplus,
                                                    .output = nn::Activation::kSigmoid,
                                                    .xavier_init = true});
  std::shared_ptr<torch::optim::Optimizer> opt = Opt(train::GenevayAdam(), (*g)->parameters());
  ot::SinkhornOptions sk;
  sk.eps = 1.0;
  sk.max_iter = 50;
  sk.tol = 0;
  const train::TensorFn generate = Forward(g);
  Method m;
  m.step = [=] {
    const at::Tensor real = at::rand({batch, 784});
    const at::Tensor fake = generate(at::rand({batch, 2}));
    at::Tensor loss = ot::EntropicTransportCost(fake, real, ot::CostKind::kSqEuclidean, sk,
                                                ot::GradMode::kUnrolled);
    opt->zero_grad();
    loss.backward();
    opt->step();
  };
  m.gflop = 2 * batch * MlpMacs(2, {500, 500}, 784) * 3 / 1e9;  // nets only (cost: + 0.4)
  m.what = "1 generator step: batch 300, 50 unrolled Sinkhorn iterations, eps 1";
  return m;
}

// Laschos et al. (replications/assigner.cc, square cost) at N = M = 5000:
// 5 assigner steps (psi on the M real points; N generated points assigned in
// chunks of 500 without autograd) and 1 pass of generator steps (batch 50)
// over the last step's N pairs.
Method AssignerMnist() {
  const int64_t m_real = 5000, n = 5000, chunk = 500, latent = 250, gen_batch = 50;
  const int assigner_steps = 5;
  auto g = std::make_shared<nn::LaschosGenerator>(latent);
  auto psi_net =
      std::make_shared<nn::Mlp>(nn::MlpOptions{.in = 1024,
                                               .hidden = {512, 512, 512, 512},
                                               .out = 1,
                                               .activation = nn::Activation::kLeakyReLU});
  std::shared_ptr<torch::optim::Optimizer> gopt =
      Opt(train::LaschosGeneratorRmsProp(), (*g)->parameters());
  std::shared_ptr<torch::optim::Optimizer> popt =
      Opt(train::LaschosAssignerRmsProp(), (*psi_net)->parameters());
  const at::Tensor real = at::rand({m_real, 1, 32, 32}) * 2 - 1;
  const at::Tensor real_flat = real.reshape({m_real, -1});
  const at::Tensor centres = at::randn({10000, latent});
  auto draw = [centres](int64_t k) {
    at::Tensor pick = at::randperm(centres.size(0), at::kLong).narrow(0, 0, k);
    return centres.index_select(0, pick) + 0.1 * at::randn({k, centres.size(1)});
  };
  const train::TensorFn generate = Forward(g);
  Method m;
  m.step = [=] {
    std::vector<at::Tensor> zs, idx;
    for (int k = 0; k < assigner_steps; ++k) {
      const bool last = k + 1 == assigner_steps;
      at::Tensor psi_out = (*psi_net)->forward(real_flat).reshape({-1});
      const at::Tensor psi = psi_out.detach();
      at::Tensor counts = at::zeros({m_real}, at::kLong);
      for (int64_t done = 0; done < n; done += chunk) {
        torch::NoGradGuard no_grad;
        at::Tensor z = draw(chunk);
        at::Tensor fake = generate(z);
        ot::SemiDiscreteAssignment s = ot::AssignSemiDiscrete(fake.reshape({chunk, -1}), real_flat,
                                                              psi, ot::CostKind::kSqEuclidean, 0.1);
        counts += s.counts;
        if (last) {
          zs.push_back(z);
          idx.push_back(s.index);
        }
      }
      at::Tensor loss = train::AssignerLoss(psi_out, counts, n);
      popt->zero_grad();
      loss.backward();
      popt->step();
    }
    const at::Tensor z_all = at::cat(zs, 0), idx_all = at::cat(idx, 0);
    for (int64_t s = 0; s + gen_batch <= n; s += gen_batch) {
      at::Tensor x = generate(z_all.narrow(0, s, gen_batch));
      at::Tensor y = real.index_select(0, idx_all.narrow(0, s, gen_batch));
      at::Tensor loss = train::AssignedTransportLoss(x, y);
      gopt->zero_grad();
      loss.backward();
      gopt->step();
    }
  };
  const double gm = latent * 4096.0 + DeconvMacs(256, 128, 5, 4) + DeconvMacs(128, 64, 5, 8) +
                    DeconvMacs(64, 1, 5, 16);
  const double pm = MlpMacs(1024, {512, 512, 512, 512}, 1);
  const double assign = static_cast<double>(n) * m_real * 1024;  // the x y^T of the sq. distances
  m.gflop = 2 * (assigner_steps * (m_real * pm * 3 + n * gm + assign) + n * gm * 3) / 1e9;
  m.what =
      "1 main loop at N = M = 5000: 5 assigner steps (chunks of 500) + 100 generator steps "
      "of batch 50";
  return m;
}

// WGAN-GP toy (replications/wgan_gp_toy.cc): ReLU MLPs 3 x 512, batch 256,
// lambda 0.1, 5 critic steps + 1 generator step, Adam (0.5, 0.9).
Method WganGpToy() {
  const int64_t batch = 256;
  auto g = std::make_shared<nn::Mlp>(nn::MlpOptions{.in = 2, .hidden = {512, 512, 512}, .out = 2});
  auto d = std::make_shared<nn::Mlp>(nn::MlpOptions{.in = 2, .hidden = {512, 512, 512}, .out = 1});
  std::shared_ptr<torch::optim::Optimizer> gopt =
      Opt(train::WganGpAdamMnistCode(), (*g)->parameters());
  std::shared_ptr<torch::optim::Optimizer> dopt =
      Opt(train::WganGpAdamMnistCode(), (*d)->parameters());
  const train::TensorFn Gf = Forward(g), Df = Forward(d);
  Method m;
  m.step = [=] {
    auto& D = *d;
    for (int j = 0; j < 5; ++j) {
      const at::Tensor real = at::randn({batch, 2});
      at::Tensor fake;
      {
        torch::NoGradGuard no_grad;
        fake = Gf(at::randn({batch, 2}));
      }
      const at::Tensor out = Df(at::cat({real, fake}, 0)).reshape({-1});
      at::Tensor loss =
          train::WganCriticLoss(out.narrow(0, 0, batch), out.narrow(0, batch, batch)) +
          train::GradientPenalty(Df, real, fake, 0.1);
      dopt->zero_grad();
      loss.backward();
      dopt->step();
    }
    SetRequiresGrad(D, false);
    at::Tensor gl = train::WganGeneratorLoss(Df(Gf(at::randn({batch, 2}))));
    gopt->zero_grad();
    gl.backward();
    gopt->step();
    SetRequiresGrad(D, true);
  };
  const double gm = MlpMacs(2, {512, 512, 512}, 2), dm = MlpMacs(2, {512, 512, 512}, 1);
  m.gflop = 2 * batch * (5 * (gm + 2 * dm * 3 + dm * 6) + gm * 3 + dm * 2) / 1e9;
  m.what = "5 critic steps with gradient penalty + 1 generator step, batch 256, MLPs 3 x 512";
  return m;
}

// One run of `step` under LibTorch's (legacy) autograd profiler: operators
// by self CPU time (inclusive time minus that of the operators they call),
// the top `top` as JSON lines. Intra-op threads are not separate entries:
// an operator's time includes its parallel section.
std::vector<io::Json> ProfileStep(const std::function<void()>& step, const std::string& name,
                                  int top) {
  namespace prof = torch::autograd::profiler;
  const bool shapes = absl::GetFlag(FLAGS_profile_shapes);
  prof::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(
      torch::profiler::impl::ProfilerState::CPU, /*report_input_shapes=*/shapes));
  const auto t0 = Clock::now();
  step();
  const double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  const prof::thread_event_lists lists = prof::disableProfilerLegacy();
  struct Agg {
    double self_us = 0, total_us = 0;
    int64_t calls = 0;
  };
  std::map<std::string, Agg> agg;
  double self_sum = 0;
  for (const auto& list : lists) {
    struct Open {
      const prof::LegacyEvent* event;
      double child_us;
    };
    std::vector<Open> stack;
    for (const prof::LegacyEvent& e : list) {
      if (e.kind() == prof::EventKind::PushRange) {
        stack.push_back({&e, 0});
      } else if (e.kind() == prof::EventKind::PopRange && !stack.empty()) {
        const Open o = stack.back();
        stack.pop_back();
        const double us = o.event->cpuElapsedUs(e);
        std::string key = o.event->name();
        if (shapes) {
          std::vector<std::string> dims;
          for (const std::vector<int64_t>& d : o.event->shapes()) {
            dims.push_back(absl::StrCat("[", absl::StrJoin(d, ","), "]"));
          }
          absl::StrAppend(&key, " ", absl::StrJoin(dims, " "));
        }
        Agg& a = agg[key];
        a.self_us += us - o.child_us;
        a.total_us += us;
        ++a.calls;
        self_sum += us - o.child_us;
        if (!stack.empty()) stack.back().child_us += us;
      }
    }
  }
  std::vector<std::pair<std::string, Agg>> sorted(agg.begin(), agg.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second.self_us > b.second.self_us; });
  std::vector<io::Json> out;
  out.push_back(io::Json{{"kind", "profile_total"},
                         {"method", name},
                         {"wall_ms", wall_ms},
                         {"self_ms_sum", self_sum / 1e3}});
  for (int i = 0; i < top && i < static_cast<int>(sorted.size()); ++i) {
    const auto& [op, a] = sorted[i];
    out.push_back(io::Json{{"kind", "profile"},
                           {"method", name},
                           {"op", op},
                           {"self_ms", a.self_us / 1e3},
                           {"total_ms", a.total_us / 1e3},
                           {"calls", a.calls},
                           {"self_share", a.self_us / std::max(self_sum, 1e-9)}});
  }
  return out;
}

// ---- the Python reference, run as a subprocess ----
std::string ReferenceScript(const char* argv0) {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates = {
      fs::path("bench/train_step_reference.py"),
      fs::path(std::string(argv0) + ".runfiles") / "otgan" / "bench/train_step_reference.py"};
  const std::string root = WorkspaceRoot();
  if (!root.empty()) candidates.push_back(fs::path(root) / "bench/train_step_reference.py");
  for (const auto& p : candidates) {
    std::error_code ec;
    if (fs::exists(p, ec)) return fs::absolute(p, ec).string();
  }
  return "";
}

// method -> milliseconds from the reference's JSON lines.
absl::StatusOr<std::map<std::string, double>> RunReference(
    const std::string& python, const std::string& script, const std::string& methods, int threads,
    train::Precision precision, int warmup, int iters, double max_seconds, bool same_runtime) {
  // OPENBLAS_NUM_THREADS: Python's torch.set_num_threads, like
  // at::set_num_threads, leaves OpenBLAS's own pool at all cores; the C++
  // side sizes it through ConfigureThreads, so the reference gets the same.
  // same_runtime: CpuRuntimeEnvironment, PrepareCpuRuntime's settings (OpenMP
  // wait policy, OpenBLAS spin, glibc malloc), so both sides run under the
  // same runtime; else Python's defaults (this process's settings removed).
  std::string runtime = same_runtime ? CpuRuntimeEnvironment() : "env";
  if (!same_runtime) {
    for (const auto& variable : CpuRuntimeVariables()) {
      absl::StrAppend(&runtime, " -u ", variable.first);
    }
  }
  const std::string cmd =
      absl::StrCat(runtime, " OPENBLAS_NUM_THREADS=", threads, " '", python, "' '", script,
                   "' --threads=", threads, " --precision=", train::PrecisionName(precision),
                   " --warmup=", warmup, " --iters=", iters, " --max_seconds=", max_seconds,
                   " --methods=", methods);
  std::fprintf(stderr, "reference: %s\n", cmd.c_str());
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return absl::InternalError(absl::StrCat("cannot run ", cmd));
  std::string text;
  char buf[4096];
  while (size_t k = std::fread(buf, 1, sizeof(buf), p)) text.append(buf, k);
  const int rc = pclose(p);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("reference run failed (status ", rc, "): ", cmd));
  }
  std::map<std::string, double> ms;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    OTGAN_ASSIGN_OR_RETURN(io::Json j, io::ParseJson(std::string_view(line.data(), line.size())));
    if (j.contains("method") && j.contains("ms"))
      ms[j["method"].get<std::string>()] = j["ms"].get<double>();
  }
  return ms;
}

absl::Status Run(const char* argv0) {
  const int threads = absl::GetFlag(FLAGS_threads);
  const int iters = absl::GetFlag(FLAGS_iters), warmup = absl::GetFlag(FLAGS_warmup);
  if (threads < 1) return absl::InvalidArgumentError("--threads: expected >= 1");
  if (iters < 1 || warmup < 0) return absl::InvalidArgumentError("--iters >= 1, --warmup >= 0");
  const int rounds = absl::GetFlag(FLAGS_rounds);
  if (rounds < 1) return absl::InvalidArgumentError("--rounds: expected >= 1");
  const std::vector<std::string> names =
      absl::StrSplit(absl::GetFlag(FLAGS_methods), ',', absl::SkipEmpty());
  const std::vector<std::string> known = {"wgan_gp_mnist",      "wgan_mnist",     "otgan_mnist",
                                          "sinkhorn_gan_mnist", "assigner_mnist", "wgan_gp_toy",
                                          "otgan_mog"};
  for (const auto& n : names) {
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--methods: unknown method ", n, "; known: ", absl::StrJoin(known, ",")));
    }
  }
  // --otgan_chunks, parsed once and before any work: the row counts both the timed parts and the
  // per-iteration variants below are built from.
  std::vector<int64_t> otgan_chunks;
  for (const std::string& c : absl::GetFlag(FLAGS_otgan_chunks)) {
    int64_t chunk = 0;
    if (!absl::SimpleAtoi(c, &chunk) || chunk <= 0 || chunk > 256) {
      return absl::InvalidArgumentError(
          absl::StrCat("--otgan_chunks: '", c, "' is not a row count in 1..256"));
    }
    otgan_chunks.push_back(chunk);
  }

  train::Precision reference_precision = absl::GetFlag(FLAGS_precision);
  if (const std::string rp = absl::GetFlag(FLAGS_reference_precision); !rp.empty()) {
    std::string error;
    if (!train::AbslParseFlag(rp, &reference_precision, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("--reference_precision: ", error));
    }
  }

  OTGAN_ASSIGN_OR_RETURN(int n_threads, ConfigureThreads(threads));

  std::vector<io::Json> lines;
  std::string out_path = absl::GetFlag(FLAGS_out);
  std::ofstream out;
  if (!out_path.empty()) {
    out_path = ResolveOutputPath(out_path);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(out_path).parent_path(), ec);
    out.open(out_path);
    if (!out) return absl::InvalidArgumentError(absl::StrCat("--out: cannot write ", out_path));
  }
  auto emit = [&](const io::Json& j) {
    const std::string s = j.dump();
    std::printf("%s\n", s.c_str());
    std::fflush(stdout);
    if (out) out << s << "\n" << std::flush;
  };

  const std::vector<double> load_before = LoadAverage();
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  const char* omp_wait = std::getenv("OMP_WAIT_POLICY");
  emit(io::Json{{"kind", "env"},
                {"date", date},
                {"threads", n_threads},
                {"precision", train::PrecisionName(absl::GetFlag(FLAGS_precision))},
                {"reference_precision", absl::GetFlag(FLAGS_no_reference)
                                            ? "(no reference)"
                                            : train::PrecisionName(reference_precision)},
                {"load_average_before", load_before},
                {"cores", NumCores()},
                {"aten_cpu_capability", CpuRuntimeDescription()},
                {"omp_wait_policy", omp_wait ? omp_wait : "(unset)"},
                {"iters", iters},
                {"warmup", warmup},
                {"rounds", rounds},
                {"max_seconds", absl::GetFlag(FLAGS_max_seconds)}});

  at::manual_seed(0);
  if (absl::GetFlag(FLAGS_layers)) {
    struct L {
      const char* net;
      int64_t cin, cout, hw;
    };
    for (const L& l : {L{"wgan_gp.up1", 256, 128, 4}, L{"wgan_gp.up2", 128, 64, 7},
                       L{"wgan_gp.up3", 64, 1, 14}, L{"laschos.up1", 256, 128, 4},
                       L{"laschos.up2", 128, 64, 8}, L{"laschos.up3", 64, 1, 16}}) {
      auto opts = torch::nn::ConvTranspose2dOptions(l.cin, l.cout, 5)
                      .stride(2)
                      .padding(2)
                      .output_padding(1);
      torch::nn::ConvTranspose2d plain(opts);
      nn::FastConvTranspose2d fast(opts);
      const at::Tensor x = at::randn({50, l.cin, l.hw, l.hw}).requires_grad_(true);
      const at::Tensor g = at::randn({50, l.cout, 2 * l.hw, 2 * l.hw});
      auto fb = [&](auto& mod) {
        return [&] {
          at::Tensor y = mod->forward(x);
          y.backward(g);
        };
      };
      const double t_plain = TimeMs(fb(plain), warmup + 1, std::max(iters, 7));
      const double t_fast = TimeMs(fb(fast), warmup + 1, std::max(iters, 7));
      const double gflop = 2 * 50 * DeconvMacs(l.cin, l.cout, 5, l.hw) * 3 / 1e9;
      emit(io::Json{{"kind", "layer"},
                    {"layer", l.net},
                    {"shape", absl::StrCat(l.cin, "->", l.cout, " at ", l.hw, "x", l.hw,
                                           ", k5 s2 p2 op1, batch 50, forward+backward")},
                    {"libtorch_ms", t_plain},
                    {"polyphase_ms", t_fast},
                    {"speedup", t_plain / t_fast},
                    {"gflop", gflop},
                    {"libtorch_gflops", gflop / t_plain * 1e3},
                    {"polyphase_gflops", gflop / t_fast * 1e3}});
    }
  }

  // Every method's nets and optimisers, built once (seeded per method) and
  // kept for all rounds.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, Method>>>> all;
  for (const auto& name : names) {
    at::manual_seed(0);
    std::vector<std::pair<std::string, Method>> parts;
    if (name == "wgan_gp_mnist") parts = {{name, WganMnist(true)}};
    if (name == "wgan_mnist") parts = {{name, WganMnist(false)}};
    if (name == "otgan_mnist" || name == "otgan_mog") {
      const bool mnist = name == "otgan_mnist";
      parts = {{name + ".critic_update", Otgan(mnist, true, false)},
               {name + ".gen_update", Otgan(mnist, false, false)}};
      if (absl::GetFlag(FLAGS_otgan_one_call)) {
        parts.push_back({name + ".critic_update_one_call", Otgan(mnist, true, true)});
        parts.push_back({name + ".gen_update_one_call", Otgan(mnist, false, true)});
      }
      if (mnist && absl::GetFlag(FLAGS_otgan_phase_conv_backward)) {
        parts.push_back(
            {name + ".critic_update_phase_backward", Otgan(mnist, true, false, 0, true)});
        parts.push_back({name + ".gen_update_phase_backward", Otgan(mnist, false, false, 0, true)});
      }
      for (const int64_t chunk : otgan_chunks) {
        parts.push_back(
            {absl::StrCat(name, ".critic_update_chunk", chunk), Otgan(mnist, true, false, chunk)});
        parts.push_back(
            {absl::StrCat(name, ".gen_update_chunk", chunk), Otgan(mnist, false, false, chunk)});
      }
    }
    if (name == "sinkhorn_gan_mnist") parts = {{name, SinkhornGanMnist()}};
    if (name == "assigner_mnist") parts = {{name, AssignerMnist()}};
    if (name == "wgan_gp_toy") parts = {{name, WganGpToy()}};
    all.push_back({name, std::move(parts)});
  }

  // Per key, one value per round: the C++ median of that round, the Python
  // reference's median of the run that followed it.
  std::map<std::string, std::vector<double>> cpp_ms, py_ms, py_defaults_ms;
  std::map<std::string, Method> methods;
  const std::string script = absl::GetFlag(FLAGS_no_reference) ? "" : ReferenceScript(argv0);
  if (!absl::GetFlag(FLAGS_no_reference) && script.empty()) {
    return absl::NotFoundError("bench/train_step_reference.py not found");
  }
  for (int round = 0; round < rounds; ++round) {
    for (auto& [name, parts] : all) {
      // Every variant warms up before any is timed: the first steps of a process
      // grow its heap and oneDNN's caches, which made whichever variant came
      // first look up to 40% slower (measured: the same update 5.2 s first,
      // 3.0-3.4 s after another variant had run). Later rounds need none.
      if (round == 0) {
        for (auto& [key, m] : parts) {
          for (int i = 0; i < warmup; ++i) m.step();
        }
      }
      std::map<std::string, double> ms;
      for (auto& [key, m] : parts) {
        ms[key] = TimeMs(m.step, /*warmup=*/0, iters, absl::GetFlag(FLAGS_max_seconds));
        std::fprintf(stderr, "round %d/%d: %s: %.1f ms\n", round + 1, rounds, key.c_str(), ms[key]);
        methods[key] = m;
        if (round == 0 && absl::GetFlag(FLAGS_profile) == key) {
          for (const io::Json& j : ProfileStep(m.step, key, 20)) emit(j);
        }
      }
      if (name == "otgan_mnist" || name == "otgan_mog") {
        // One generator iteration: a generator update plus a third of a critic
        // update (otgan_mnist's 3:1 schedule) or a whole one (otgan_mog's 1:1).
        const double share = name == "otgan_mnist" ? 1.0 / 3 : 1.0;
        std::vector<std::string> variants = {""};
        if (name == "otgan_mnist" && absl::GetFlag(FLAGS_otgan_phase_conv_backward))
          variants.push_back("_phase_backward");
        for (const int64_t chunk : otgan_chunks) variants.push_back(absl::StrCat("_chunk", chunk));
        for (const std::string& v : variants) {
          const std::string c = name + ".critic_update" + v, g = name + ".gen_update" + v;
          ms[name + v] = ms[g] + ms[c] * share;
          methods[name + v] =
              Method{nullptr, methods[g].gflop + methods[c].gflop * share,
                     absl::StrCat(name == "otgan_mnist"
                                      ? "one generator iteration of the 3:1 schedule: generator "
                                        "update + critic update / 3"
                                      : "one iteration of the 1:1 schedule: generator update + "
                                        "critic update",
                                  v.empty() ? ""
                                  : v == "_phase_backward"
                                      ? ", input gradient of the strided convolutions by phases"
                                      : absl::StrCat(", batches in chunks of ", v.substr(6)))};
        }
      }
      for (const auto& [key, t] : ms) cpp_ms[key].push_back(t);
    }
    for (const bool same : {true, false}) {
      if (script.empty() || (!same && !absl::GetFlag(FLAGS_reference_defaults))) continue;
      auto r =
          RunReference(absl::GetFlag(FLAGS_python), script, absl::StrJoin(names, ","), threads,
                       reference_precision, warmup, iters, absl::GetFlag(FLAGS_max_seconds), same);
      if (!r.ok()) return r.status();
      for (const auto& [key, t] : *r) (same ? py_ms : py_defaults_ms)[key].push_back(t);
    }
  }

  // The rooflines: each method's FLOPs at the peak rate of its precision (for
  // bf16 the bf16 rates, although losses, Sinkhorn and weight updates stay in
  // fp32, so the bf16 roofline is a lower bound that the step cannot reach).
  // The peak is measured after every round's timings: run first, its 16 MB
  // matrices left glibc's heap in a state that slowed the OT-GAN generator
  // update that followed by ~15% (4.7 s against 4.0 s, one thread), a cost
  // the training binaries, which never run it, do not pay.
  const bool bf16 = absl::GetFlag(FLAGS_precision) == train::Precision::kBf16;
  const PeakRates peak = MeasurePeakRates(bf16 ? at::kBFloat16 : at::kFloat);
  const double roofline_gflops = peak.best();
  emit(io::Json{{"kind", "peak"},
                {"dtype", bf16 ? "bf16" : "fp32"},
                {"gemm", "2048 x 2048 x 2048 matrix product, median of 5"},
                {"gemm_gflops", peak.gemm},
                {"conv", "3x3 convolution 256 -> 256 channels, 64 maps of 16 x 16, median of 5"},
                {"conv_gflops", peak.conv},
                {"roofline_gflops", roofline_gflops}});

  for (const auto& [key, rounds_ms] : cpp_ms) {
    const Method& m = methods[key];
    const double ms = Median(rounds_ms);
    io::Json j{{"kind", "method"},
               {"method", key},
               {"what", m.what},
               {"threads", n_threads},
               {"cpp_ms", ms}};
    if (rounds > 1) j["cpp_ms_rounds"] = rounds_ms;
    using Rounds = std::map<std::string, std::vector<double>>;
    for (const auto& [py, suffix] :
         {std::pair<const Rounds*, std::string>{&py_ms, ""}, {&py_defaults_ms, "_defaults"}}) {
      const auto it = py->find(key);
      if (it == py->end() || it->second.size() != rounds_ms.size()) continue;
      std::vector<double> ratios;
      for (size_t r = 0; r < rounds_ms.size(); ++r) ratios.push_back(rounds_ms[r] / it->second[r]);
      j["python" + suffix + "_ms"] = Median(it->second);
      j["ratio_cpp_over_python" + suffix] = Median(ratios);
      if (rounds > 1) {
        j["python" + suffix + "_ms_rounds"] = it->second;
        j["ratio" + suffix + "_rounds"] = ratios;
      }
    }
    if (m.gflop > 0) {
      j["gflop"] = m.gflop;
      j["cpp_gflops"] = m.gflop / ms * 1e3;
      j["roofline_ms"] = m.gflop / roofline_gflops * 1e3;
      j["share_of_roofline"] = m.gflop / roofline_gflops * 1e3 / ms;
    }
    emit(j);
  }
  emit(io::Json{{"kind", "env_end"}, {"load_average_after", LoadAverage()}});
  return absl::OkStatus();
}

}  // namespace
}  // namespace otgan::bench

int main(int argc, char** argv) {
  otgan::PrepareCpuRuntime(argc, argv);  // before the first ATen call: see lib/util/runtime.h
  absl::ParseCommandLine(argc, argv);
  try {
    const absl::Status s = otgan::bench::Run(argv[0]);
    if (!s.ok()) {
      std::fprintf(stderr, "bench/train_step: %s\n", s.ToString().c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench/train_step: %s\n", e.what());
    return 1;
  }
  return 0;
}
