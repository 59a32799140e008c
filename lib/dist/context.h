// A process group for data-parallel training on LibTorch's c10d with the Gloo
// backend (the engine under PyTorch's DistributedDataParallel), started the way
// PyTorch users know: RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT.
//
// Rank 0 hosts the rendezvous (a c10d TCPStore at MASTER_ADDR:MASTER_PORT);
// every rank then joins a Gloo process group over TCP. A world of one needs no
// environment and no sockets: every collective is then the identity, so a main
// can always make a DistContext and run the same step.
//
// Failures are bounded: joining waits at most `timeout` for the other ranks,
// and every collective fails after `timeout` if a peer is hung; a peer process
// that died closes its sockets, which the others see at once. Each failure is
// an absl::Status naming this rank, the operation, the elapsed time and the
// timeout, followed by c10d's own message.
//
//   OTGAN_ASSIGN_OR_RETURN(otgan::dist::DistConfig cfg, otgan::dist::DistConfigFromEnv());
//   OTGAN_ASSIGN_OR_RETURN(otgan::dist::DistContext dist, otgan::dist::DistContext::Create(cfg));
//   at::Tensor t = at::ones({3});
//   OTGAN_RETURN_IF_ERROR(dist.AllReduce(t, otgan::dist::ReduceOp::kSum));  // t = world_size
//   OTGAN_RETURN_IF_ERROR(dist.Barrier());
#ifndef OTGAN_LIB_DIST_CONTEXT_H_
#define OTGAN_LIB_DIST_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace otgan::dist {

struct DistConfig {
  int rank = 0;
  int world_size = 1;
  std::string master_addr = "127.0.0.1";  // host of rank 0's rendezvous store
  int master_port = 29500;                // PyTorch's default port
  // Bound on joining (waiting for every rank) and on each collective.
  absl::Duration timeout = absl::Seconds(300);
  // Network interface for Gloo's TCP transport (GLOO_SOCKET_IFNAME, as in
  // PyTorch); empty: the loopback address when master_addr is loopback, else
  // the address this machine's hostname resolves to.
  std::string interface;
};

// InvalidArgument naming the bad field: world_size >= 1, 0 <= rank < world_size,
// master_port in [1, 65535] (0 is allowed for a world of one), master_addr not
// empty when world_size > 1, timeout > 0.
absl::Status ValidateDistConfig(const DistConfig& config);

// Reads RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, GLOO_SOCKET_IFNAME and
// OTGAN_DIST_TIMEOUT_S (seconds) through `getenv` (the process environment by
// default). None of RANK / WORLD_SIZE set: a world of one. One of them set
// without the other, a non-integer, or a value ValidateDistConfig rejects:
// InvalidArgument naming the variable. MASTER_ADDR defaults to 127.0.0.1 and
// MASTER_PORT to 29500, as in PyTorch.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
absl::StatusOr<DistConfig> DistConfigFromEnv(const EnvLookup& getenv = nullptr);

enum class ReduceOp { kSum, kAverage, kMax };

// A rank's handle on the process group; copies share it. Thread-compatible:
// one thread issues a rank's collectives (several ranks may live in one
// process, each with its own DistContext, as the tests do). Every rank must
// call the same collectives in the same order with tensors of the same shape.
class DistContext {
 public:
  // A world of one (no process group).
  DistContext();

  // Joins the process group described by `config` (validated first). Rank 0
  // starts the rendezvous store; the call returns once every rank has joined,
  // or fails after config.timeout (DeadlineExceeded or Unavailable, naming the
  // address and what to check).
  static absl::StatusOr<DistContext> Create(const DistConfig& config);

  int rank() const;
  int world_size() const;
  bool is_root() const { return rank() == 0; }
  const DistConfig& config() const;

  // In place, on a contiguous CPU tensor (copied back otherwise). kAverage
  // divides the sum by world_size (floating tensors only).
  absl::Status AllReduce(at::Tensor& tensor, ReduceOp op) const;
  // In place: every rank's `tensor` takes root's values.
  absl::Status Broadcast(at::Tensor& tensor, int root = 0) const;
  // Every rank's `tensor` (same shape on all ranks) in rank order; no autograd
  // (see lib/dist/data_parallel.h for the differentiable all-gather).
  absl::StatusOr<std::vector<at::Tensor>> AllGather(const at::Tensor& tensor) const;
  absl::Status Barrier() const;

  // Bytes this rank has handed to each kind of collective since it was made
  // (the payload, not Gloo's wire traffic, which depends on its algorithms).
  struct Traffic {
    int64_t all_reduce_bytes = 0, all_gather_bytes = 0, broadcast_bytes = 0;
    int64_t all_reduce_calls = 0, all_gather_calls = 0, broadcast_calls = 0;
  };
  Traffic traffic() const;
  void ResetTraffic() const;

  struct State;  // the c10d objects (context.cc)

 private:
  explicit DistContext(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and
// released), for tests and local launches. Another process may take it before
// it is used; callers that can retry should.
absl::StatusOr<int> PickFreePort();

}  // namespace otgan::dist

#endif  // OTGAN_LIB_DIST_CONTEXT_H_
