// Status helpers shared by every library in lib/.
//
// Abseil 20220623 (Debian) ships no status_macros.h, so the two macros every
// fallible function needs live here, together with the one place where
// LibTorch's exceptions (c10::Error, std::exception) become absl::Status.
//
//   absl::StatusOr<Tensor> LoadThing(const std::string& path) {
//     OTGAN_ASSIGN_OR_RETURN(auto bytes, ReadFile(path));
//     OTGAN_RETURN_IF_ERROR(CheckHeader(bytes, path));
//     return otgan::TorchCall("decode " + path, [&] { return Decode(bytes); });
//   }
#ifndef OTGAN_LIB_UTIL_STATUS_H_
#define OTGAN_LIB_UTIL_STATUS_H_

#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define OTGAN_STATUS_CONCAT_INNER_(a, b) a##b
#define OTGAN_STATUS_CONCAT_(a, b) OTGAN_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define OTGAN_RETURN_IF_ERROR(expr)                  \
  do {                                               \
    ::absl::Status otgan_status_ = (expr);           \
    if (!otgan_status_.ok()) return otgan_status_;   \
  } while (0)

// `lhs` = value of `rexpr` (an absl::StatusOr<T>), or returns its error.
#define OTGAN_ASSIGN_OR_RETURN(lhs, rexpr) \
  OTGAN_ASSIGN_OR_RETURN_IMPL_(OTGAN_STATUS_CONCAT_(otgan_statusor_, __LINE__), lhs, rexpr)
#define OTGAN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

namespace otgan {

// Runs `fn` and turns any exception (LibTorch's c10::Error included) into an
// InternalError whose message starts with `what`. Returns absl::Status for
// void functions and absl::StatusOr<R> otherwise.
template <typename Fn>
auto TorchCall(const std::string& what, Fn&& fn) {
  using R = std::invoke_result_t<Fn>;
  try {
    if constexpr (std::is_void_v<R>) {
      fn();
      return absl::OkStatus();
    } else {
      return absl::StatusOr<R>(fn());
    }
  } catch (const std::exception& e) {
    std::string msg = e.what();
    // c10::Error messages carry a long C++ backtrace after the first line.
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg.resize(nl);
    auto status = absl::InternalError(what + ": " + msg);
    if constexpr (std::is_void_v<R>) {
      return status;
    } else {
      return absl::StatusOr<R>(status);
    }
  }
}

}  // namespace otgan

#endif  // OTGAN_LIB_UTIL_STATUS_H_
