#include "lib/data/shuffler.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <random>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace otgan::data {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Uniform integer in [0, bound) without modulo bias (rejection sampling).
uint64_t Bounded(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit = std::numeric_limits<uint64_t>::max() -
                         std::numeric_limits<uint64_t>::max() % bound;
  uint64_t r;
  do {
    r = rng();
  } while (r >= limit);
  return r % bound;
}

}  // namespace

std::vector<int64_t> SeededPermutation(int64_t n, uint64_t seed, uint64_t stream) {
  std::vector<int64_t> perm(static_cast<size_t>(std::max<int64_t>(n, 0)));
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(i);
  std::mt19937_64 rng(SplitMix64(SplitMix64(seed) ^ stream));
  for (size_t i = perm.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(Bounded(rng, i));
    std::swap(perm[i - 1], perm[j]);
  }
  return perm;
}

EpochShuffler::EpochShuffler(int64_t n, uint64_t seed) : n_(n), seed_(seed) {
  TORCH_CHECK(n > 0, "EpochShuffler: expected n > 0 items, found ", n);
  StartEpoch();
}

void EpochShuffler::StartEpoch() {
  perm_ = SeededPermutation(n_, seed_, static_cast<uint64_t>(epoch_));
}

at::Tensor EpochShuffler::NextBatch(int64_t batch_size) {
  TORCH_CHECK(batch_size > 0, "EpochShuffler::NextBatch: expected batch_size > 0, found ",
              batch_size);
  at::Tensor out = at::empty({batch_size}, at::kLong);
  int64_t* p = out.data_ptr<int64_t>();
  int64_t filled = 0;
  while (filled < batch_size) {
    int64_t take = std::min(batch_size - filled, n_ - position_);
    std::memcpy(p + filled, perm_.data() + position_, sizeof(int64_t) * take);
    filled += take;
    position_ += take;
    if (position_ == n_) {
      ++epoch_;
      position_ = 0;
      StartEpoch();
    }
  }
  return out;
}

at::Tensor EpochShuffler::State() const {
  int64_t seed_bits;
  std::memcpy(&seed_bits, &seed_, sizeof(seed_bits));
  at::Tensor s = at::empty({4}, at::kLong);
  int64_t* p = s.data_ptr<int64_t>();
  p[0] = n_;
  p[1] = seed_bits;
  p[2] = epoch_;
  p[3] = position_;
  return s;
}

absl::Status EpochShuffler::Restore(const at::Tensor& state) {
  if (!state.defined() || state.scalar_type() != at::kLong || state.dim() != 1 ||
      state.size(0) != 4) {
    std::string found = !state.defined()
                            ? std::string("an undefined tensor")
                            : absl::StrFormat("%s tensor of shape [%s]",
                                              std::string(c10::toString(state.scalar_type())),
                                              absl::StrJoin(state.sizes(), ", "));
    return absl::InvalidArgumentError(absl::StrFormat(
        "EpochShuffler::Restore: expected an int64 tensor of shape [4] "
        "{n, seed, epoch, position}, found %s",
        found));
  }
  at::Tensor s = state.to(at::kCPU).contiguous();
  const int64_t* p = s.data_ptr<int64_t>();
  if (p[0] != n_) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "EpochShuffler::Restore: the saved state is for n = %d items, this shuffler has n = %d",
        p[0], n_));
  }
  if (p[2] < 0 || p[3] < 0 || p[3] >= n_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "EpochShuffler::Restore: expected epoch >= 0 and position in [0, %d), found epoch %d, "
        "position %d",
        n_, p[2], p[3]));
  }
  std::memcpy(&seed_, &p[1], sizeof(seed_));
  epoch_ = p[2];
  position_ = p[3];
  StartEpoch();
  return absl::OkStatus();
}

}  // namespace otgan::data
