// The replications' enum-like flag types: each is an Abseil custom flag type
// (AbslParseFlag / AbslUnparseFlag, found by argument-dependent lookup), so a
// bad value is refused by the flag parser itself with the list of valid ones:
//
//   $ wgan_mnist --schedule=sometimes
//   ERROR: Illegal value 'sometimes' specified for flag 'schedule'; expected one of code | paper
//
// The names come from one table per type (lib/util/named_enum.h); --budget's
// type is train::Budget (lib/train/schedule.h) and --dataset's of wgan_gp_toy
// data::ToyKind (lib/data/toy.h). The flag vocabulary shared by every target
// is documented once, in replications/README.md ("Flags").
//
//   ABSL_FLAG(otgan::replications::SettingsSource, betas,
//             otgan::replications::SettingsSource::kCode, "...");
//   if (absl::GetFlag(FLAGS_betas) == SettingsSource::kPaper) ...
#ifndef OTGAN_REPLICATIONS_FLAG_TYPES_H_
#define OTGAN_REPLICATIONS_FLAG_TYPES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "lib/util/named_enum.h"

namespace otgan::replications {

// Where a setting comes from when the paper and the authors' code differ:
// --betas (WGAN-GP's Adam) and --schedule (wgan_mnist's critic schedule).
enum class SettingsSource { kCode, kPaper };
inline constexpr EnumName<SettingsSource> kSettingsSourceNames[] = {
    {SettingsSource::kCode, "code"}, {SettingsSource::kPaper, "paper"}};

// --init of the WGAN mains: tflib's schemes with zero biases (the authors'
// code) or LibTorch's defaults.
enum class NetInit { kTflib, kTorch };
inline constexpr EnumName<NetInit> kNetInitNames[] = {{NetInit::kTflib, "tflib"},
                                                      {NetInit::kTorch, "torch"}};

// --optimizer of wgan_mnist: TF1's RMSPropOptimizer (gan_mnist.py) or
// LibTorch's RMSprop (Arjovsky's PyTorch code).
enum class RmspropKind { kTf, kTorch };
inline constexpr EnumName<RmspropKind> kRmspropKindNames[] = {
    {RmspropKind::kTf, "tf_rmsprop"}, {RmspropKind::kTorch, "torch_rmsprop"}};

// --cost of the assigner mains (Laschos et al. 2019).
enum class AssignerCost { kSquare, kSsim };
inline constexpr EnumName<AssignerCost> kAssignerCostNames[] = {{AssignerCost::kSquare, "square"},
                                                                {AssignerCost::kSsim, "ssim"}};

// --wn_init of otgan_mnist: weight norm's data-dependent initialisation
// (utils/nn.py's init pass) or g = 1, b = 0 (what train.py runs).
enum class WeightNormInit { kData, kCode };
inline constexpr EnumName<WeightNormInit> kWeightNormInitNames[] = {
    {WeightNormInit::kData, "data"}, {WeightNormInit::kCode, "code"}};

// --device: "cpu", "cuda" or "cuda:N" as text. The parser checks the
// spelling; whether the device exists is checked after parsing
// (ParseDevice in lib/util/runtime.h, with a message saying what to do).
struct DeviceName {
  std::string name = "cpu";
};

std::string Name(SettingsSource v);
std::string Name(NetInit v);
std::string Name(RmspropKind v);
std::string Name(AssignerCost v);
std::string Name(WeightNormInit v);

bool AbslParseFlag(absl::string_view text, SettingsSource* v, std::string* error);
bool AbslParseFlag(absl::string_view text, NetInit* v, std::string* error);
bool AbslParseFlag(absl::string_view text, RmspropKind* v, std::string* error);
bool AbslParseFlag(absl::string_view text, AssignerCost* v, std::string* error);
bool AbslParseFlag(absl::string_view text, WeightNormInit* v, std::string* error);
bool AbslParseFlag(absl::string_view text, DeviceName* v, std::string* error);
std::string AbslUnparseFlag(SettingsSource v);
std::string AbslUnparseFlag(NetInit v);
std::string AbslUnparseFlag(RmspropKind v);
std::string AbslUnparseFlag(AssignerCost v);
std::string AbslUnparseFlag(WeightNormInit v);
std::string AbslUnparseFlag(const DeviceName& v);

}  // namespace otgan::replications

#endif  // OTGAN_REPLICATIONS_FLAG_TYPES_H_
