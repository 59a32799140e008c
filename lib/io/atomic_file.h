// Atomic file replacement for every writer in lib/io.
//
// A writer never leaves a half-written artefact behind: the bytes go to a
// temporary file in the destination's folder (same file system), which is
// flushed, fsync'ed and then renamed over the destination. A reader sees
// either the old file or the complete new one; on any error the temporary
// file is removed and the destination is untouched.
//
//   OTGAN_RETURN_IF_ERROR(otgan::io::WriteFileAtomically("out/a.json", text));
//   // For libraries that insist on writing to a path themselves (stb):
//   OTGAN_RETURN_IF_ERROR(otgan::io::WriteViaTempFile(
//       "out/grid.png", [&](const std::string& tmp) { return Encode(tmp); }));
#ifndef OTGAN_LIB_IO_ATOMIC_FILE_H_
#define OTGAN_LIB_IO_ATOMIC_FILE_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otgan::io {

// Writes `contents` to `path` atomically (temp file + fsync + rename).
absl::Status WriteFileAtomically(const std::string& path, std::string_view contents);

// The same for contents given in pieces (e.g. a header and a tensor's bytes),
// which avoids concatenating large buffers first.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::vector<std::string_view>& pieces);

// Calls `write(tmp_path)` with a fresh temporary path next to `path`; if it
// returns OK and the temp file exists, fsyncs it and renames it to `path`.
// On error the temp file is removed and the error is returned.
absl::Status WriteViaTempFile(const std::string& path,
                              const std::function<absl::Status(const std::string&)>& write);

// The temporary path used for `path`: "<dir>/.<name>.tmp.<pid>.<counter>".
std::string TempPathFor(const std::string& path);

// Reads a whole file into a string; NotFound / DataLoss errors name the file.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_ATOMIC_FILE_H_
