#include "lib/dist/context.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <utility>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"

#ifndef USE_C10D_GLOO
#error "lib/dist needs USE_C10D_GLOO (the @gloo repository defines it)"
#endif

namespace otgan::dist {

struct DistContext::State {
  DistConfig config;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> pg;  // null for a world of one
  mutable std::mutex traffic_mu;
  Traffic traffic;
};

namespace {

// c10::Error messages carry a C++ backtrace after the first line.
std::string FirstLine(const std::exception& e) {
  std::string msg = e.what();
  const auto nl = msg.find('\n');
  if (nl != std::string::npos) msg.resize(nl);
  return msg;
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::chrono::milliseconds ToMillis(absl::Duration d) {
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
}

bool IsLoopback(const std::string& addr) {
  return addr == "localhost" || absl::StartsWith(addr, "127.") || addr == "::1";
}

// Runs one collective and waits for it; exceptions become a Status naming the
// rank, the operation, how long it waited and the timeout.
template <typename Issue>
absl::Status RunCollective(const DistContext::State& s, const char* what, Issue&& issue) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    c10::intrusive_ptr<c10d::Work> work = issue();
    work->wait();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrFormat(
        "dist rank %d/%d: %s failed after %.2f s (timeout %s): a peer rank died, hung "
        "or called a different collective; c10d/Gloo says: %s",
        s.config.rank, s.config.world_size, what, SecondsSince(t0),
        absl::FormatDuration(s.config.timeout), FirstLine(e)));
  }
}

int64_t Bytes(const at::Tensor& t) { return t.numel() * static_cast<int64_t>(t.element_size()); }

}  // namespace

absl::Status ValidateDistConfig(const DistConfig& c) {
  if (c.world_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat("world_size=", c.world_size, ": expected >= 1"));
  }
  if (c.rank < 0 || c.rank >= c.world_size) {
    return absl::InvalidArgumentError(absl::StrCat("rank=", c.rank, ": expected 0 <= rank < world_size=",
                                                   c.world_size));
  }
  if (c.master_port < 0 || c.master_port > 65535 || (c.master_port == 0 && c.world_size > 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("master_port=", c.master_port, ": expected a TCP port in [1, 65535]"));
  }
  if (c.world_size > 1 && c.master_addr.empty()) {
    return absl::InvalidArgumentError("master_addr is empty: expected rank 0's host name or address");
  }
  if (!(c.timeout > absl::ZeroDuration())) {
    return absl::InvalidArgumentError(
        absl::StrCat("timeout=", absl::FormatDuration(c.timeout), ": expected > 0"));
  }
  return absl::OkStatus();
}

absl::StatusOr<DistConfig> DistConfigFromEnv(const EnvLookup& getenv) {
  EnvLookup get = getenv;
  if (!get) {
    get = [](const std::string& name) -> std::optional<std::string> {
      const char* v = std::getenv(name.c_str());
      if (v == nullptr) return std::nullopt;
      return std::string(v);
    };
  }
  auto int_var = [&](const char* name, int* out) -> absl::Status {
    std::optional<std::string> v = get(name);
    if (!v) return absl::OkStatus();
    if (!absl::SimpleAtoi(*v, out)) {
      return absl::InvalidArgumentError(absl::StrCat(name, "=\"", *v, "\": expected an integer"));
    }
    return absl::OkStatus();
  };
  DistConfig c;
  const bool has_rank = get("RANK").has_value(), has_world = get("WORLD_SIZE").has_value();
  if (has_rank != has_world) {
    return absl::InvalidArgumentError(absl::StrCat(
        has_rank ? "RANK" : "WORLD_SIZE", " is set but ", has_rank ? "WORLD_SIZE" : "RANK",
        " is not: set both (and MASTER_ADDR, MASTER_PORT) for a distributed run, or neither"));
  }
  absl::Status st = int_var("RANK", &c.rank);
  if (!st.ok()) return st;
  st = int_var("WORLD_SIZE", &c.world_size);
  if (!st.ok()) return st;
  if (auto v = get("MASTER_ADDR")) c.master_addr = *v;
  st = int_var("MASTER_PORT", &c.master_port);
  if (!st.ok()) return st;
  if (auto v = get("GLOO_SOCKET_IFNAME")) c.interface = *v;
  if (auto v = get("OTGAN_DIST_TIMEOUT_S")) {
    double s = 0;
    if (!absl::SimpleAtod(*v, &s) || !(s > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("OTGAN_DIST_TIMEOUT_S=\"", *v, "\": expected seconds > 0"));
    }
    c.timeout = absl::Seconds(s);
  }
  st = ValidateDistConfig(c);
  if (!st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("environment (RANK, WORLD_SIZE, MASTER_ADDR, "
                                                   "MASTER_PORT): ", st.message()));
  }
  return c;
}

DistContext::DistContext() : state_(std::make_shared<State>()) {}

absl::StatusOr<DistContext> DistContext::Create(const DistConfig& config) {
  absl::Status st = ValidateDistConfig(config);
  if (!st.ok()) return st;
  auto s = std::make_shared<State>();
  s->config = config;
  if (config.world_size == 1) return DistContext(std::move(s));
  const auto t0 = std::chrono::steady_clock::now();
  const std::string where = absl::StrCat(config.master_addr, ":", config.master_port);
  const char* stage = "connecting to the rendezvous store";
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(config.master_port);
    so.isServer = config.rank == 0;
    so.numWorkers = config.world_size;
    so.waitWorkers = false;  // the process group's rendezvous waits, with the timeout
    so.timeout = ToMillis(config.timeout);
    if (config.rank == 0) stage = "starting the rendezvous store";
    s->store = c10::make_intrusive<c10d::TCPStore>(config.master_addr, so);
    stage = "waiting for every rank to join";
    auto opts = c10d::ProcessGroupGloo::Options::create(ToMillis(config.timeout));
    if (!config.interface.empty()) {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(config.interface));
    } else if (IsLoopback(config.master_addr)) {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    opts->threads = 1;  // one collective at a time per rank (the step is sequential)
    s->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(s->store, config.rank, config.world_size,
                                                        opts);
  } catch (const std::exception& e) {
    const double waited = SecondsSince(t0);
    const std::string msg = absl::StrFormat(
        "dist rank %d/%d: %s at %s failed after %.2f s (timeout %s): check that all %d ranks "
        "started with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE, that rank 0 can listen "
        "on that port and the others can reach it; c10d says: %s",
        config.rank, config.world_size, stage, where, waited,
        absl::FormatDuration(config.timeout), config.world_size, FirstLine(e));
    if (waited >= absl::ToDoubleSeconds(config.timeout) * 0.9) {
      return absl::DeadlineExceededError(msg);
    }
    return absl::UnavailableError(msg);
  }
  return DistContext(std::move(s));
}

int DistContext::rank() const { return state_->config.rank; }
int DistContext::world_size() const { return state_->config.world_size; }
const DistConfig& DistContext::config() const { return state_->config; }

absl::Status DistContext::AllReduce(at::Tensor& tensor, ReduceOp op) const {
  if (!tensor.defined()) return absl::InvalidArgumentError("AllReduce: undefined tensor");
  if (op == ReduceOp::kAverage && !tensor.is_floating_point()) {
    return absl::InvalidArgumentError("AllReduce: kAverage needs a floating-point tensor");
  }
  if (state_->pg == nullptr) return absl::OkStatus();
  at::Tensor buf = tensor.is_contiguous() ? tensor : tensor.contiguous();
  {
    std::lock_guard<std::mutex> lock(state_->traffic_mu);
    state_->traffic.all_reduce_bytes += Bytes(buf);
    ++state_->traffic.all_reduce_calls;
  }
  c10d::AllreduceOptions o;
  o.reduceOp = op == ReduceOp::kMax ? c10d::ReduceOp(c10d::ReduceOp::MAX)
                                    : c10d::ReduceOp(c10d::ReduceOp::SUM);
  o.timeout = ToMillis(state_->config.timeout);
  std::vector<at::Tensor> v{buf};
  absl::Status st = RunCollective(*state_, "all_reduce", [&] { return state_->pg->allreduce(v, o); });
  if (!st.ok()) return st;
  if (op == ReduceOp::kAverage) buf.div_(static_cast<double>(world_size()));
  if (!buf.is_same(tensor)) tensor.copy_(buf);
  return absl::OkStatus();
}

absl::Status DistContext::Broadcast(at::Tensor& tensor, int root) const {
  if (!tensor.defined()) return absl::InvalidArgumentError("Broadcast: undefined tensor");
  if (root < 0 || root >= world_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Broadcast: root ", root, " is not a rank of a world of ", world_size()));
  }
  if (state_->pg == nullptr) return absl::OkStatus();
  at::Tensor buf = tensor.is_contiguous() ? tensor : tensor.contiguous();
  {
    std::lock_guard<std::mutex> lock(state_->traffic_mu);
    state_->traffic.broadcast_bytes += Bytes(buf);
    ++state_->traffic.broadcast_calls;
  }
  c10d::BroadcastOptions o;
  o.rootRank = root;
  o.timeout = ToMillis(state_->config.timeout);
  std::vector<at::Tensor> v{buf};
  absl::Status st = RunCollective(*state_, "broadcast", [&] { return state_->pg->broadcast(v, o); });
  if (!st.ok()) return st;
  if (!buf.is_same(tensor)) tensor.copy_(buf);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<at::Tensor>> DistContext::AllGather(const at::Tensor& tensor) const {
  if (!tensor.defined()) return absl::InvalidArgumentError("AllGather: undefined tensor");
  if (state_->pg == nullptr) return std::vector<at::Tensor>{tensor};
  at::Tensor in = tensor.contiguous();
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < world_size(); ++r) out[0].push_back(at::empty_like(in));
  {
    std::lock_guard<std::mutex> lock(state_->traffic_mu);
    state_->traffic.all_gather_bytes += Bytes(in);
    ++state_->traffic.all_gather_calls;
  }
  c10d::AllgatherOptions o;
  o.timeout = ToMillis(state_->config.timeout);
  std::vector<at::Tensor> v{in};
  absl::Status st =
      RunCollective(*state_, "all_gather", [&] { return state_->pg->allgather(out, v, o); });
  if (!st.ok()) return st;
  return std::move(out[0]);
}

absl::Status DistContext::Barrier() const {
  if (state_->pg == nullptr) return absl::OkStatus();
  c10d::BarrierOptions o;
  o.timeout = ToMillis(state_->config.timeout);
  return RunCollective(*state_, "barrier", [&] { return state_->pg->barrier(o); });
}

DistContext::Traffic DistContext::traffic() const {
  std::lock_guard<std::mutex> lock(state_->traffic_mu);
  return state_->traffic;
}

void DistContext::ResetTraffic() const {
  std::lock_guard<std::mutex> lock(state_->traffic_mu);
  state_->traffic = Traffic();
}

absl::StatusOr<int> PickFreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket(): ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    return absl::UnavailableError("binding a free port on 127.0.0.1: " + err);
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

}  // namespace otgan::dist
