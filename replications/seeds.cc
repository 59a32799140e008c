#include "replications/seeds.h"

#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"

namespace otgan::replications {
namespace {

constexpr uint64_t kEvalOffset = 0x5EED0E7A1ull;

}  // namespace

uint64_t StreamSeed(uint64_t seed, Stream stream) {
  switch (stream) {
    case Stream::kInit:
    case Stream::kDataOrder: return seed;
    case Stream::kToyData: return seed + 1;
    case Stream::kMogData: return seed + 0xda7a;
    case Stream::kLatentCentres: return seed + 0xCE47E5ull;
    case Stream::kSampleGrid: return seed + 17;
    case Stream::kOtSampleGrid: return seed + 0x9d1d;
    case Stream::kEvalSamples: return seed + kEvalOffset;
    case Stream::kOtEvalSamples: return seed + 0x5eed;
    case Stream::kEvalCurve:
    case Stream::kEvalCentrePick: return seed + kEvalOffset + 1;
    case Stream::kToyCurveTarget: return seed + kEvalOffset + 2;
  }
  return seed;
}

at::Generator StreamGenerator(uint64_t seed, Stream stream) {
  return at::make_generator<at::CPUGeneratorImpl>(StreamSeed(seed, stream));
}

const char* StreamName(Stream stream) {
  switch (stream) {
    case Stream::kInit: return "init";
    case Stream::kDataOrder: return "data_order";
    case Stream::kToyData: return "toy_data";
    case Stream::kMogData: return "mog_data";
    case Stream::kLatentCentres: return "latent_centres";
    case Stream::kSampleGrid: return "sample_grid";
    case Stream::kOtSampleGrid: return "sample_grid";
    case Stream::kEvalSamples: return "eval_samples";
    case Stream::kOtEvalSamples: return "eval_samples";
    case Stream::kEvalCurve: return "eval_curve";
    case Stream::kEvalCentrePick: return "eval_centre_pick";
    case Stream::kToyCurveTarget: return "toy_curve_target";
  }
  return "unknown";
}

std::pair<std::string, std::string> SeedsFact(uint64_t seed, std::initializer_list<Stream> streams) {
  std::string s;
  for (Stream stream : streams) {
    absl::StrAppend(&s, s.empty() ? "" : " ", StreamName(stream), "=", StreamSeed(seed, stream));
  }
  return {"seeds", s};
}

}  // namespace otgan::replications
