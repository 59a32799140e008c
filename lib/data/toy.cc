#include "lib/data/toy.h"

#include <c10/util/Exception.h>

#include <cmath>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace otgan::data {
namespace {

constexpr double kPi = 3.14159265358979323846;

at::Tensor CentersTensor(const std::vector<double>& xy, double scale) {
  const int64_t k = static_cast<int64_t>(xy.size() / 2);
  at::Tensor c = at::empty({k, 2}, at::kFloat);
  float* p = c.data_ptr<float>();
  for (size_t i = 0; i < xy.size(); ++i) p[i] = static_cast<float>(xy[i] / scale);
  return c;
}

}  // namespace

absl::StatusOr<ToyKind> ParseToyKind(const std::string& name) {
  ToyKind kind = ToyKind::k8Gaussians;
  std::string error;
  if (ParseEnumName(name, kToyKindNames, &kind, &error)) return kind;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown toy distribution '", name, "': ", error));
}

std::string ToyKindName(ToyKind kind) { return EnumNameOf(kind, kToyKindNames); }

bool AbslParseFlag(absl::string_view text, ToyKind* kind, std::string* error) {
  return ParseEnumName(text, kToyKindNames, kind, error);
}

std::string AbslUnparseFlag(ToyKind kind) { return ToyKindName(kind); }

ToyDistribution ToyDistribution::Make(ToyKind kind) {
  switch (kind) {
    case ToyKind::k8Gaussians: {
      const double r = 1.0 / std::sqrt(2.0);
      const std::vector<double> unit = {1, 0, -1, 0, 0, 1, 0, -1, r, r, r, -r, -r, r, -r, -r};
      std::vector<double> xy;
      for (double v : unit) xy.push_back(2.0 * v);
      return ToyDistribution(kind, CentersTensor(xy, 1.414), 0.02 / 1.414, 1.414);
    }
    case ToyKind::k25Gaussians: {
      std::vector<double> xy;
      for (int i = -2; i <= 2; ++i) {
        for (int j = -2; j <= 2; ++j) {
          xy.push_back(2.0 * i);
          xy.push_back(2.0 * j);
        }
      }
      return ToyDistribution(kind, CentersTensor(xy, 2.828), 0.05 / 2.828, 2.828);
    }
    case ToyKind::kSwissRoll:
      return ToyDistribution(kind, at::empty({0, 2}, at::kFloat), 0.25 / 7.5, 7.5);
    case ToyKind::kRing10: {
      std::vector<double> xy;
      for (int k = 0; k < 10; ++k) {
        xy.push_back(2.0 * std::cos(2.0 * kPi * k / 10.0));
        xy.push_back(2.0 * std::sin(2.0 * kPi * k / 10.0));
      }
      return ToyDistribution(kind, CentersTensor(xy, 1.414), 0.02 / 1.414, 1.414);
    }
    case ToyKind::k8GaussiansOtgan: {
      const double r = 1.0 / std::sqrt(2.0);
      const std::vector<double> unit = {1, 0, -1, 0, 0, 1, 0, -1, r, r, r, -r, -r, r, -r, -r};
      std::vector<double> xy;
      for (double v : unit) xy.push_back(2.0 * v);
      return ToyDistribution(kind, CentersTensor(xy, 1.0), 0.2, 1.0);
    }
  }
  TORCH_CHECK(false, "ToyDistribution::Make: unknown ToyKind ", static_cast<int>(kind));
}

std::string ToyDistribution::name() const { return ToyKindName(kind_); }

at::Tensor ToyDistribution::Sample(int64_t n, at::Generator gen) const {
  TORCH_CHECK(n >= 0, "ToyDistribution::Sample: expected n >= 0, found ", n);
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  if (kind_ == ToyKind::kSwissRoll) {
    // Same draws as sklearn: t from U[0,1], then the 3-D noise of which we keep
    // the x and z coordinates (the y coordinate 21 * U[0,1] is dropped).
    at::Tensor u = at::rand({n}, gen, f32);
    at::Tensor t = 1.5 * kPi * (1.0 + 2.0 * u);
    at::Tensor noise = at::randn({n, 2}, gen, f32);
    at::Tensor roll = at::stack({t * at::cos(t), t * at::sin(t)}, 1);
    return (roll + 0.25 * noise) / scale_;
  }
  const int64_t k = centers_.size(0);
  at::Tensor mode = at::randint(k, {n}, gen);
  at::Tensor noise = at::randn({n, 2}, gen, f32);
  return centers_.index_select(0, mode) + sigma_ * noise;
}

}  // namespace otgan::data
