#include "lib/train/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <system_error>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/io/atomic_file.h"
#include "lib/util/sha256.h"
#include "lib/util/status.h"

namespace otgan::train {
namespace {

namespace fs = std::filesystem;

constexpr char kFormatName[] = "otgan-train-checkpoint";
constexpr char kFormatKey[] = "otgan/format";
constexpr char kVersionKey[] = "otgan/version";
constexpr char kFingerprintKey[] = "otgan/fingerprint";
constexpr char kStepKey[] = "otgan/step";
constexpr char kElapsedKey[] = "otgan/elapsed_seconds";
constexpr int kMaxListedDifferences = 6;
// The integrity header in front of the payload (see checkpoint.h).
constexpr char kHeaderMagic[] = "otgan-train-checkpoint ";
constexpr size_t kMaxHeaderBytes = 256;

// The payload of a checkpoint file after its integrity header, once its
// length and SHA-256 agree with the header; DataLoss naming the defect.
absl::StatusOr<std::string> VerifiedPayload(const std::string& path, absl::string_view file) {
  auto loss = [&](const std::string& what) {
    return absl::DataLossError(absl::StrCat("checkpoint ", path, ": ", what));
  };
  if (file.size() >= 4 && file.substr(0, 4) == absl::string_view("PK\x03\x04", 4)) {
    return loss(absl::StrCat(
        "no checksum: written in format 1, before checkpoints carried a SHA-256 of their "
        "contents, so its integrity cannot be verified and it is not used (start a fresh run, or "
        "resume it with the program version that wrote it)"));
  }
  const absl::string_view magic(kHeaderMagic);
  if (file.substr(0, magic.size()) != magic) {
    return loss(file.empty() ? "empty file" : "not a lib/train checkpoint (no integrity header)");
  }
  const size_t end = file.substr(0, kMaxHeaderBytes).find("\n\n");
  if (end == absl::string_view::npos) {
    return loss("truncated or garbled integrity header (no blank line ends it)");
  }
  std::vector<absl::string_view> lines = absl::StrSplit(file.substr(0, end), '\n');
  if (lines.size() != 3) {
    return loss(absl::StrCat("integrity header has ", lines.size(),
                             " lines, expected 3 (format, sha256, bytes): missing checksum?"));
  }
  const absl::string_view version_text = lines[0].substr(magic.size());
  int64_t version = 0;
  if (!absl::SimpleAtoi(version_text, &version)) {
    return loss(absl::StrCat("format version '", version_text, "' is not a number"));
  }
  if (version != kCheckpointFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat("checkpoint ", path, ": format version ",
                                                      version, ", this program reads version ",
                                                      kCheckpointFormatVersion));
  }
  if (!absl::StartsWith(lines[1], "sha256 ") || lines[1].size() != 7 + 64 ||
      !std::all_of(lines[1].begin() + 7, lines[1].end(),
                   [](char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'); })) {
    return loss(absl::StrCat("missing or malformed checksum line '", absl::CEscape(lines[1]), "'"));
  }
  const absl::string_view stored_sum = lines[1].substr(7);
  uint64_t length = 0;
  if (!absl::StartsWith(lines[2], "bytes ") || !absl::SimpleAtoi(lines[2].substr(6), &length)) {
    return loss(absl::StrCat("missing or malformed length line '", absl::CEscape(lines[2]), "'"));
  }
  const absl::string_view payload = file.substr(end + 2);
  if (payload.size() != length) {
    return loss(absl::StrCat(payload.size() < length ? "truncated" : "trailing bytes", ": ",
                             payload.size(), " payload bytes, the header says ", length));
  }
  const std::string actual_sum = Sha256Hex(std::string_view(payload.data(), payload.size()));
  if (actual_sum != stored_sum) {
    return loss(absl::StrCat("checksum mismatch (contents corrupted): SHA-256 of the contents is ",
                             actual_sum.substr(0, 16), "..., the header says ",
                             stored_sum.substr(0, 16), "..."));
  }
  return std::string(payload);
}

absl::StatusOr<std::string> ReadVerifiedPayload(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat("checkpoint ", path, ": no such file"));
  }
  absl::StatusOr<std::string> file = io::ReadFileToString(path);
  if (!file.ok()) {
    return absl::DataLossError(
        absl::StrCat("checkpoint ", path, " cannot be read: ", file.status().message()));
  }
  return VerifiedPayload(path, absl::string_view(*file));
}

std::string ShapeString(const at::Tensor& t) {
  return absl::StrCat(c10::toString(t.scalar_type()), " [", absl::StrJoin(t.sizes(), ", "), "]");
}

template <typename Pairs>
void CheckNewName(const Pairs& items, const std::string& name, const char* kind) {
  TORCH_CHECK(!name.empty(), "TrainingState: empty ", kind, " name");
  for (const auto& item : items) {
    TORCH_CHECK(item.first != name, "TrainingState: ", kind, " '", name, "' registered twice");
  }
}

// The items of `a` that are not in `b`, at most kMaxListedDifferences of them.
std::string Missing(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::set<std::string> in_b(b.begin(), b.end());
  std::vector<std::string> out;
  int more = 0;
  for (const auto& line : a) {
    if (in_b.count(line)) continue;
    if (static_cast<int>(out.size()) < kMaxListedDifferences) {
      out.push_back(line);
    } else {
      ++more;
    }
  }
  if (out.empty()) return "(nothing)";
  std::string s = absl::StrJoin(out, "; ");
  if (more > 0) absl::StrAppend(&s, "; and ", more, " more");
  return s;
}

}  // namespace

TrainingState::TrainingState() {
  generators_.emplace_back("torch_default_cpu", at::detail::getDefaultCPUGenerator());
}

void TrainingState::AddModule(const std::string& name, std::shared_ptr<torch::nn::Module> module) {
  CheckNewName(modules_, name, "module");
  TORCH_CHECK(module != nullptr, "TrainingState: module '", name, "' is null");
  modules_.emplace_back(name, std::move(module));
}

void TrainingState::AddOptimizer(const std::string& name, torch::optim::Optimizer* optimizer) {
  CheckNewName(optimizers_, name, "optimizer");
  TORCH_CHECK(optimizer != nullptr, "TrainingState: optimizer '", name, "' is null");
  optimizers_.emplace_back(name, optimizer);
}

void TrainingState::AddGenerator(const std::string& name, at::Generator generator) {
  CheckNewName(generators_, name, "generator");
  TORCH_CHECK(generator.defined(), "TrainingState: generator '", name, "' is undefined");
  generators_.emplace_back(name, std::move(generator));
}

void TrainingState::AddTensorState(const std::string& name, Getter get, Setter set) {
  TORCH_CHECK(!name.empty(), "TrainingState: empty state name");
  for (const auto& s : tensor_states_) {
    TORCH_CHECK(s.name != name, "TrainingState: state '", name, "' registered twice");
  }
  tensor_states_.push_back({name, std::move(get), std::move(set)});
}

std::vector<std::string> TrainingState::Fingerprint() const {
  std::vector<std::string> lines;
  for (const auto& [name, module] : modules_) {
    for (const auto& p : module->named_parameters(/*recurse=*/true)) {
      lines.push_back(absl::StrCat("module ", name, " param ", p.key(), " ", ShapeString(p.value())));
    }
    for (const auto& b : module->named_buffers(/*recurse=*/true)) {
      lines.push_back(absl::StrCat("module ", name, " buffer ", b.key(), " ", ShapeString(b.value())));
    }
  }
  for (const auto& [name, opt] : optimizers_) {
    std::vector<size_t> sizes;
    for (const auto& group : opt->param_groups()) sizes.push_back(group.params().size());
    lines.push_back(absl::StrCat("optimizer ", name, " param_groups [", absl::StrJoin(sizes, ", "), "]"));
  }
  for (const auto& g : generators_) lines.push_back(absl::StrCat("generator ", g.first));
  for (const auto& s : tensor_states_) lines.push_back(absl::StrCat("state ", s.name));
  return lines;
}

absl::Status SaveCheckpoint(const std::string& path, const TrainingState& state,
                            const CheckpointInfo& info) {
  torch::serialize::OutputArchive archive;
  OTGAN_RETURN_IF_ERROR(TorchCall("checkpoint " + path, [&] {
    archive.write(kFormatKey, c10::IValue(std::string(kFormatName)));
    archive.write(kVersionKey, c10::IValue(kCheckpointFormatVersion));
    archive.write(kFingerprintKey, c10::IValue(absl::StrJoin(state.Fingerprint(), "\n")));
    archive.write(kStepKey, c10::IValue(info.step));
    archive.write(kElapsedKey, c10::IValue(info.elapsed_seconds));
    for (const auto& [name, module] : state.modules_) {
      torch::serialize::OutputArchive sub(archive.compilation_unit());
      module->save(sub);
      archive.write("module/" + name, sub);
    }
    for (const auto& [name, opt] : state.optimizers_) {
      torch::serialize::OutputArchive sub(archive.compilation_unit());
      opt->save(sub);
      archive.write("optimizer/" + name, sub);
    }
    for (const auto& [name, gen] : state.generators_) {
      archive.write("generator/" + name, gen.get_state());
    }
    for (const auto& s : state.tensor_states_) {
      archive.write("state/" + s.name, s.get().clone());
    }
  }));
  std::ostringstream payload_stream;
  OTGAN_RETURN_IF_ERROR(
      TorchCall("serialise checkpoint " + path, [&] { archive.save_to(payload_stream); }));
  const std::string payload = std::move(payload_stream).str();
  const std::string header = absl::StrCat(kHeaderMagic, kCheckpointFormatVersion, "\nsha256 ",
                                          Sha256Hex(payload), "\nbytes ", payload.size(), "\n\n");
  return io::WriteFileAtomically(path, std::vector<std::string_view>{header, payload});
}

absl::Status VerifyCheckpoint(const std::string& path) {
  return ReadVerifiedPayload(path).status();
}

absl::StatusOr<CheckpointInfo> LoadCheckpoint(const std::string& path, TrainingState& state) {
  OTGAN_ASSIGN_OR_RETURN(const std::string payload, ReadVerifiedPayload(path));
  torch::serialize::InputArchive archive;
  absl::Status read =
      TorchCall("load", [&] { archive.load_from(payload.data(), payload.size()); });
  if (!read.ok()) {
    return absl::DataLossError(absl::StrCat("checkpoint ", path,
                                            " cannot be read (truncated or corrupt file?): ",
                                            read.message()));
  }
  c10::IValue format, version, fingerprint, step, elapsed;
  bool has_header = false;
  OTGAN_RETURN_IF_ERROR(TorchCall("read header", [&] {
    has_header = archive.try_read(kFormatKey, format) && format.isString() &&
                 format.toStringRef() == kFormatName;
  }));
  if (!has_header) {
    return absl::DataLossError(absl::StrCat("checkpoint ", path, ": not a lib/train checkpoint (no '",
                                            kFormatName, "' header)"));
  }
  if (!archive.try_read(kVersionKey, version) || !version.isInt() ||
      version.toInt() != kCheckpointFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint ", path, ": format version ", version.isInt() ? std::to_string(version.toInt()) : "?",
        ", this program reads version ", kCheckpointFormatVersion));
  }
  if (!archive.try_read(kFingerprintKey, fingerprint) || !fingerprint.isString() ||
      !archive.try_read(kStepKey, step) || !step.isInt() ||
      !archive.try_read(kElapsedKey, elapsed) || !elapsed.isDouble()) {
    return absl::DataLossError(absl::StrCat("checkpoint ", path, ": incomplete header"));
  }
  const std::string& stored_text = fingerprint.toStringRef();
  std::vector<std::string> stored =
      stored_text.empty() ? std::vector<std::string>{}
                          : std::vector<std::string>(absl::StrSplit(stored_text, '\n'));
  std::vector<std::string> current = state.Fingerprint();
  if (stored != current) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint ", path, " was written for a different model. In the checkpoint only: ",
        Missing(stored, current), ". In this program only: ", Missing(current, stored), "."));
  }
  for (const auto& item : state.modules_) {
    // (no structured bindings: lambdas cannot capture them in C++17 with clang)
    const std::string& name = item.first;
    const auto& module = item.second;
    OTGAN_RETURN_IF_ERROR(TorchCall(absl::StrCat("checkpoint ", path, ": module ", name), [&] {
      torch::serialize::InputArchive sub;
      archive.read("module/" + name, sub);
      module->load(sub);
    }));
  }
  for (const auto& item : state.optimizers_) {
    const std::string& name = item.first;
    torch::optim::Optimizer* opt = item.second;
    OTGAN_RETURN_IF_ERROR(TorchCall(absl::StrCat("checkpoint ", path, ": optimizer ", name), [&] {
      torch::serialize::InputArchive sub;
      archive.read("optimizer/" + name, sub);
      opt->load(sub);
    }));
  }
  for (auto& item : state.generators_) {
    const std::string& name = item.first;
    at::Generator& gen = item.second;
    OTGAN_RETURN_IF_ERROR(TorchCall(absl::StrCat("checkpoint ", path, ": generator ", name), [&] {
      at::Tensor t;
      archive.read("generator/" + name, t);
      gen.set_state(t);
    }));
  }
  for (auto& s : state.tensor_states_) {
    at::Tensor t;
    OTGAN_RETURN_IF_ERROR(TorchCall(absl::StrCat("checkpoint ", path, ": state ", s.name),
                                    [&] { archive.read("state/" + s.name, t); }));
    absl::Status st = s.set(t);
    if (!st.ok()) {
      return absl::Status(st.code(), absl::StrCat("checkpoint ", path, ": state ", s.name, ": ",
                                                  st.message()));
    }
  }
  return CheckpointInfo{step.toInt(), elapsed.toDouble()};
}

std::string CheckpointPath(const std::string& dir, int64_t step) {
  return (fs::path(dir) / absl::StrCat("ckpt_", step, ".pt")).string();
}

absl::StatusOr<std::vector<std::pair<int64_t, std::string>>> ListCheckpoints(
    const std::string& dir) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot list checkpoint folder ", dir, ": ", ec.message()));
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    constexpr size_t kPrefix = 5;  // "ckpt_"
    if (name.size() <= kPrefix + 3 || name.rfind("ckpt_", 0) != 0 ||
        name.substr(name.size() - 3) != ".pt") {
      continue;
    }
    const std::string digits = name.substr(kPrefix, name.size() - kPrefix - 3);
    int64_t step = 0;
    if (!std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
        !absl::SimpleAtoi(digits, &step)) {
      continue;
    }
    out.emplace_back(step, entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::optional<std::pair<int64_t, std::string>>> LatestCheckpoint(
    const std::string& dir) {
  OTGAN_ASSIGN_OR_RETURN(auto all, ListCheckpoints(dir));
  if (all.empty()) return std::optional<std::pair<int64_t, std::string>>();
  return std::optional<std::pair<int64_t, std::string>>(all.back());
}

absl::StatusOr<VerifiedCheckpoint> NewestVerifiedCheckpoint(const std::string& dir) {
  OTGAN_ASSIGN_OR_RETURN(auto all, ListCheckpoints(dir));
  VerifiedCheckpoint out;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    absl::Status st = VerifyCheckpoint(it->second);
    if (st.ok()) {
      out.newest_good = *it;
      break;
    }
    out.skipped.emplace_back(it->second, st);
  }
  return out;
}

absl::Status PruneCheckpoints(const std::string& dir, int keep) {
  if (keep < 1) {
    return absl::InvalidArgumentError(absl::StrCat("keep_checkpoints must be >= 1, got ", keep));
  }
  OTGAN_ASSIGN_OR_RETURN(auto all, ListCheckpoints(dir));
  for (size_t i = 0; i + keep < all.size(); ++i) {
    std::error_code ec;
    fs::remove(all[i].second, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot delete old checkpoint ", all[i].second, ": ", ec.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace otgan::train
