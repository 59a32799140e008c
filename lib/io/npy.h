// NumPy .npy files: the interchange format between this project's C++ runs
// and Python checks (POT, numpy), and the storage of samples and features.
//
// Supported element types: float32 ('<f4'), float64 ('<f8'), int64 ('<i8'),
// little-endian, C order, any shape (0-d and empty included). ReadNpy accepts
// format versions 1.0, 2.0 and 3.0; WriteNpy writes 1.0 (2.0 when the header
// would exceed 65535 bytes). Writes are atomic (temp file + rename). Every
// error names the file and the defect (bad magic, version, Fortran order,
// unsupported dtype, big-endian data, malformed header, data length).
//
//   OTGAN_RETURN_IF_ERROR(otgan::io::WriteNpy("out/samples.npy", samples));
//   OTGAN_ASSIGN_OR_RETURN(at::Tensor x, otgan::io::ReadNpy("out/samples.npy"));
#ifndef OTGAN_LIB_IO_NPY_H_
#define OTGAN_LIB_IO_NPY_H_

#include <string>

#include <ATen/ATen.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otgan::io {

// Reads a .npy file into a CPU tensor of dtype float32, float64 or int64.
absl::StatusOr<at::Tensor> ReadNpy(const std::string& path);

// Writes `t` (float32, float64 or int64, any device; made contiguous on the
// CPU first) as a .npy file. Other dtypes are an InvalidArgument error.
absl::Status WriteNpy(const std::string& path, const at::Tensor& t);

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_NPY_H_
