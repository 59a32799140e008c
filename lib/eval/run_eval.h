// The evaluation of one replication run folder: reads its manifest.json and
// samples_eval.npy, computes every metric of the common evaluation protocol
// (SPEC.md) that applies to the run's target, and writes <run_dir>/eval.json.
//
// The manifest's facts (lib/io/manifest.h) say what the samples are:
//   eval_dataset  "mnist" | "fashion"  -> image metrics, or
//                 "8gaussians" | "25gaussians" | "swissroll" | "ring10" -> toy metrics;
//   sample_range  "0,1" | "-1,1" (images only; toy points are not range-checked);
//   image_size    optional "28" | "32"; when given it must match the samples.
// samples_eval.npy holds [N,1,H,W] images or [N,2] toy points (float32/64).
//
// Images: FID-LeNet, KID, classifier IS, label KL and k-NN precision/recall
// with the dataset's committed classifier (lib/eval/image_metrics.h): the
// first min(N, 10000) generated images against as many real test images (a
// seeded subset; equal counts because k-NN precision/recall depend on them),
// and the Laschos exact pixel W1
// (lib/eval/pixel_w1.h) with its real-vs-real floor: with N >= 5000 the
// published protocol (5000 real training images, each block of 5000
// generated; a trailing partial block is left out and said so); with N < 5000
// W1 of N generated against N real training images and the floor of N vs N
// real, marked "laschos_protocol": false, since W1 of small samples is biased
// upwards and not comparable with the paper's numbers.
// Toys: high-quality fraction and modes covered (lib/eval/toy_metrics.h; not
// for the Swiss roll, which has no modes), exact W2 to N fresh target samples
// and the same W2 between two fresh target samples (the floor).
//
// Every number sits beside its protocol (counts, split, resize, range,
// classifier SHA-256, seed); eval.json also records the wall time, the command
// that reproduces it and the evaluator's git revision. eval.json is written
// atomically, through the typed EvalReport (lib/eval/eval_report.h), with
// paths under the workspace root recorded relative to it. Missing or malformed inputs give a Status naming the file and
// the defect; nothing is written then.
//
//   otgan::eval::RunEvalOptions opt;
//   opt.data_dir = "data";
//   OTGAN_ASSIGN_OR_RETURN(otgan::eval::EvalReport e,
//                          otgan::eval::EvaluateRunDir("runs/wgan_gp_mnist/cpu", opt));
//   std::cout << otgan::eval::EvalSummary(e) << "\n";  // "FID-LeNet 12.3, IS 8.9, ..."
#ifndef OTGAN_LIB_EVAL_RUN_EVAL_H_
#define OTGAN_LIB_EVAL_RUN_EVAL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "lib/eval/eval_report.h"

namespace otgan::eval {

// Sample count from which the Laschos pixel W1 protocol (5000 real) applies.
inline constexpr int64_t kLaschosNumReal = 5000;

// Where lenet_<dataset>.pt ("mnist" | "fashion") lives: weights_dir when
// given (a folder holding it, or the file itself); else the binary's runfiles
// (data = ["//eval:weights"]), <workspace>/eval/weights, "eval/weights".
absl::StatusOr<std::string> FindWeights(const std::string& weights_dir, const std::string& dataset);

struct RunEvalOptions {
  std::string data_dir;     // empty = otgan::DefaultDataDir()
  // Folder holding lenet_<dataset>.pt, or that file itself (--classifier_weights).
  // Empty = the binary's runfiles (any working directory), else
  // <workspace>/eval/weights, else "eval/weights" (tests, smoke runs).
  std::string weights_dir;
  int64_t max_samples = 0;  // 0 = all of samples_eval.npy, else its first max_samples
  bool pixel_w1 = true;     // images: compute the Laschos pixel W1 and its floor
  uint64_t seed = 0;        // real subsets, KID subsets, fresh toy target samples
  // Recorded as eval.json's "command"; empty = the equivalent
  // `bazel run //eval:evaluate -- --run=... ` command line.
  std::string command;
};

// See the file comment. Returns the report written to <run_dir>/eval.json
// (EvalSummary in lib/eval/eval_report.h gives its one-line summary).
absl::StatusOr<EvalReport> EvaluateRunDir(const std::string& run_dir,
                                          const RunEvalOptions& options);

}  // namespace otgan::eval

#endif  // OTGAN_LIB_EVAL_RUN_EVAL_H_
