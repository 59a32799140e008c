// A run's eval_curve.csv (lib/eval/eval_curve.h) as the columns the figures
// use: the compute-matched comparison (compute_matched.cc) and the OT-GAN
// batch sweep's quality-against-time figure (sweeps.cc).
#ifndef OTGAN_TOOLS_FIGURES_EVAL_CURVE_H_
#define OTGAN_TOOLS_FIGURES_EVAL_CURVE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace otgan::figures {

struct EvalCurve {
  std::vector<double> step, seconds, w1, floor, fid;
};

// InvalidArgument for a missing column, no rows, or training seconds that
// are not finite, non-negative and non-decreasing.
absl::StatusOr<EvalCurve> ReadEvalCurve(const std::string& path);

// `values` at training time t, linear in seconds between the two points
// around t (finite values only); nullopt when t is outside the curve.
std::optional<double> ValueAt(const std::vector<double>& seconds,
                              const std::vector<double>& values, double t);

// The colour of the k-th curve in a figure of several (a palette of 8,
// repeating), as a gnuplot rgb string.
const char* CurveColour(size_t k);

}  // namespace otgan::figures

#endif  // OTGAN_TOOLS_FIGURES_EVAL_CURVE_H_
