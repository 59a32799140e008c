// Every random stream of the replications and its seed, in one place. A run's
// --seed s feeds each stream through a fixed offset, so streams never share
// draws, a resumed run redraws exactly what it drew before, and the manifest
// says which seed fed what (the "seeds" fact, SeedsFact).
//
// The offsets are the ones the committed runs used (they were written inline
// in each main before this table), so every committed run stays reproducible.
//
//   at::Generator g = StreamGenerator(config.seed, Stream::kSampleGrid);
//   StartRun(config, {..., SeedsFact(config, {Stream::kInit, Stream::kSampleGrid})});
#ifndef OTGAN_REPLICATIONS_SEEDS_H_
#define OTGAN_REPLICATIONS_SEEDS_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include <ATen/core/Generator.h>

namespace otgan::replications {

enum class Stream {
  kInit,             // s: at::manual_seed before the nets are built; LibTorch's default
                     // generator then also draws the training latents and penalty weights
  kDataOrder,        // s: the MNIST mains' epoch shuffler (data order)
  kToyData,          // s + 1: wgan_gp_toy's target samples
  kMogData,          // s + 0xda7a: otgan_mog's target samples
  kLatentCentres,    // s + 0xCE47E5: the assigner's fixed latent centres
  kSampleGrid,       // s + 17: the sample grid's fixed latents (WGAN family, assigner)
  kOtSampleGrid,     // s + 0x9d1d: the sample grid's fixed latents (otgan_mnist, otgan_mog)
  kEvalSamples,      // s + 0x5EED0E7A1 (EvalSeed): latents of samples_eval.npy
  kOtEvalSamples,    // s + 0x5eed: latents of samples_eval.npy of the OT mains (own latent laws)
  kEvalCurve,        // s + 0x5EED0E7A2: the evaluation curve's fixed latents
  kEvalCentrePick,   // s + 0x5EED0E7A2: the assigner's centre picks for samples_eval.npy
  kToyCurveTarget,   // s + 0x5EED0E7A3: the toys' evaluation-curve target samples
};

// The seed of stream `stream` for a run of --seed `seed`.
uint64_t StreamSeed(uint64_t seed, Stream stream);

// A CPU generator seeded with StreamSeed(seed, stream).
at::Generator StreamGenerator(uint64_t seed, Stream stream);

// "init", "data_order", ... as the manifest names them.
const char* StreamName(Stream stream);

// The manifest fact ("seeds", "init=0 data_order=0 sample_grid=17 ...") for
// the streams a main uses, in the given order.
std::pair<std::string, std::string> SeedsFact(uint64_t seed, std::initializer_list<Stream> streams);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_SEEDS_H_
