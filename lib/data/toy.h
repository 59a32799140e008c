// Toy 2-D target distributions of the WGAN-GP authors' toy code (SPEC.md s.4),
// with their mode centres exposed for mode-coverage metrics.
//
//   8gaussians:  centres 2 * {(+-1,0), (0,+-1), (+-1/sqrt2, +-1/sqrt2)}, per-coordinate
//                std 0.02, every point divided by 1.414.
//   25gaussians: centres (2i, 2j) for i, j in -2..2, std 0.05, divided by 2.828.
//   swissroll:   sklearn make_swiss_roll(noise=0.25): t = 1.5 pi (1 + 2u), u ~ U[0,1],
//                point (t cos t, t sin t) + 0.25 N(0, I), divided by 7.5. No modes.
//   ring10:      10 centres on the circle of radius 2 at angles 2 pi k / 10, std
//                0.02, divided by 1.414. The spec does not fix this scale; we use
//                the 8 Gaussians' (same radius, std and divisor), so the two
//                targets differ only in the number of modes.
//   8gaussians_otgan: the OT-GAN authors' toy (openai/ot-gan@e0673f0,
//                toy_example/med_gan_toy_example2.ipynb, gaussians_8mode): the same
//                8 directions at radius 2, per-coordinate std 0.2, no divisor.
// Mode k is chosen uniformly at random for each sample. All randomness comes
// from the at::Generator passed to Sample (never LibTorch's global one).
//
//   auto toy = otgan::data::ToyDistribution::Make(otgan::data::ToyKind::k8Gaussians);
//   at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(/*seed=*/1);
//   at::Tensor x = toy.Sample(256, gen);   // float32 [256, 2]
//   const at::Tensor& c = toy.centers();   // float32 [8, 2]; toy.sigma() = 0.02 / 1.414
#ifndef OTGAN_LIB_DATA_TOY_H_
#define OTGAN_LIB_DATA_TOY_H_

#include <cstdint>
#include <string>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/util/named_enum.h"

namespace otgan::data {

enum class ToyKind { k8Gaussians, k25Gaussians, kSwissRoll, kRing10, k8GaussiansOtgan };

inline constexpr EnumName<ToyKind> kToyKindNames[] = {
    {ToyKind::k8Gaussians, "8gaussians"},   {ToyKind::k25Gaussians, "25gaussians"},
    {ToyKind::kSwissRoll, "swissroll"},     {ToyKind::kRing10, "ring10"},
    {ToyKind::k8GaussiansOtgan, "8gaussians_otgan"}};

// The name of `kind` in kToyKindNames ("8gaussians", ...).
std::string ToyKindName(ToyKind kind);

// A flag of type ToyKind (wgan_gp_toy's --dataset): a name of kToyKindNames,
// else refused by the flag parser with the list.
bool AbslParseFlag(absl::string_view text, ToyKind* kind, std::string* error);
std::string AbslUnparseFlag(ToyKind kind);

// "8gaussians" | "25gaussians" | "swissroll" | "ring10" | "8gaussians_otgan".
absl::StatusOr<ToyKind> ParseToyKind(const std::string& name);

class ToyDistribution {
 public:
  static ToyDistribution Make(ToyKind kind);

  // n >= 0 samples, float32 [n, 2] on the CPU.
  at::Tensor Sample(int64_t n, at::Generator gen) const;

  // Mode centres after scaling, float32 [K, 2]; an empty [0, 2] tensor for the
  // Swiss roll.
  const at::Tensor& centers() const { return centers_; }
  // Per-coordinate std of each mode after scaling. For the Swiss roll: the std
  // of the noise around the roll after scaling (0.25 / 7.5).
  double sigma() const { return sigma_; }
  // The name ParseToyKind accepts.
  std::string name() const;
  ToyKind kind() const { return kind_; }

 private:
  ToyDistribution(ToyKind kind, at::Tensor centers, double sigma, double scale)
      : kind_(kind), centers_(std::move(centers)), sigma_(sigma), scale_(scale) {}

  ToyKind kind_;
  at::Tensor centers_;  // after scaling
  double sigma_;        // after scaling
  double scale_;        // the divisor applied to raw points
};

}  // namespace otgan::data

#endif  // OTGAN_LIB_DATA_TOY_H_
