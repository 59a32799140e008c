// Deterministic epoch shuffler for minibatch indices, with a 4-number state.
//
// Epoch e visits 0..n-1 in the order of a permutation derived only from
// (seed, e): a std::mt19937_64 seeded from a SplitMix64 hash of both drives a
// Fisher-Yates shuffle with unbiased bounded draws, so the stream does not
// depend on LibTorch's global generator, the standard library's distributions
// or anything else in the process. Batches run across epoch boundaries: a batch
// that reaches the end of epoch e continues with the first indices of epoch
// e+1. The whole state is {n, seed, epoch, position}, so a checkpoint stores
// State() and a resumed run calls Restore() and sees the same batches as an
// uninterrupted one.
//
//   otgan::data::EpochShuffler shuffler(dataset.images.size(0), /*seed=*/0);
//   at::Tensor idx = shuffler.NextBatch(64);            // int64 [64]
//   at::Tensor batch = dataset.images.index_select(0, idx);
//   at::Tensor state = shuffler.State();                 // save with the model
//   OTGAN_RETURN_IF_ERROR(resumed.Restore(state));
#ifndef OTGAN_LIB_DATA_SHUFFLER_H_
#define OTGAN_LIB_DATA_SHUFFLER_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/status.h"

namespace otgan::data {

// A permutation of 0..n-1 that depends only on (n, seed, stream): Fisher-Yates
// driven by std::mt19937_64 seeded with a SplitMix64 hash of seed and stream.
// The shuffler uses stream = epoch; LoadImageDataset uses it for subsets.
std::vector<int64_t> SeededPermutation(int64_t n, uint64_t seed, uint64_t stream);

class EpochShuffler {
 public:
  // n > 0 items. A non-positive n throws c10::Error (a programming error:
  // callers validate dataset sizes, which are positive, before getting here).
  EpochShuffler(int64_t n, uint64_t seed);

  // The next batch_size (> 0) indices as an int64 tensor; may span epochs
  // (and several of them when batch_size > n).
  at::Tensor NextBatch(int64_t batch_size);

  int64_t n() const { return n_; }
  uint64_t seed() const { return seed_; }
  // Completed epochs so far (0 during the first pass).
  int64_t epoch() const { return epoch_; }
  // Index into the current epoch's permutation of the next item, in [0, n).
  int64_t position() const { return position_; }

  // int64 tensor [4] = {n, seed (bits as int64), epoch, position}.
  at::Tensor State() const;

  // Resumes from State(). Refuses a tensor that is not int64 of shape [4], a
  // different n (naming both), a negative epoch or a position outside [0, n).
  // The seed is taken from the state (a resumed run continues the saved stream).
  absl::Status Restore(const at::Tensor& state);

 private:
  void StartEpoch();

  int64_t n_;
  uint64_t seed_;
  int64_t epoch_ = 0;
  int64_t position_ = 0;
  std::vector<int64_t> perm_;  // permutation of the current epoch
};

}  // namespace otgan::data

#endif  // OTGAN_LIB_DATA_SHUFFLER_H_
