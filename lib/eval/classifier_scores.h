// Scores computed from a classifier's predicted class probabilities p(y|x)
// ([N, K] rows summing to 1, e.g. LeNet softmax outputs, lib/eval/lenet.h).
//
// Classifier inception score (Salimans et al. 2016, with the LeNet in place of
// Inception): IS = exp(E_x KL(p(y|x) || p(y))), p(y) = mean_x p(y|x). It lies
// in [1, K]: K for confident predictions spread evenly over the K classes, 1
// when every sample gets the same prediction. As in the reference code the N
// samples are cut into `splits` consecutive equal parts (the remainder of
// N / splits is dropped), IS is computed on each, and the mean and (ddof 0)
// std over splits are reported. 0 log 0 = 0.
//
// Label histogram KL: the predicted labels argmax_y p(y|x) are counted,
// h_k = count_k / N, and KL(h || uniform) = sum_k h_k log(K h_k) (nats) is
// reported, 0 for a balanced histogram and log K when one class takes all.
//
//   otgan::eval::InceptionScoreResult is = otgan::eval::InceptionScore(probs, /*splits=*/10);
//   double kl = otgan::eval::LabelHistogramKl(probs);
#ifndef OTGAN_LIB_EVAL_CLASSIFIER_SCORES_H_
#define OTGAN_LIB_EVAL_CLASSIFIER_SCORES_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/statusor.h"

namespace otgan::eval {

struct InceptionScoreResult {
  double mean = 0;
  double std = 0;
  int64_t splits = 0;
  int64_t samples_per_split = 0;
};

// IS of one set of probabilities [N, K] (all rows).
double InceptionScoreOfSet(const at::Tensor& probs);

// IS over `splits` parts (see the file comment). Throws c10::Error on bad input;
// the Checked form validates (rows are non-negative and sum to 1 within 1e-3,
// 1 <= splits <= N).
InceptionScoreResult InceptionScore(const at::Tensor& probs, int64_t splits = 10);
absl::StatusOr<InceptionScoreResult> CheckedInceptionScore(const at::Tensor& probs,
                                                           int64_t splits = 10);

// Predicted-label histogram h [K] (fractions) and its KL to uniform in nats.
std::vector<double> PredictedLabelHistogram(const at::Tensor& probs);
double LabelHistogramKl(const at::Tensor& probs);

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_CLASSIFIER_SCORES_H_
