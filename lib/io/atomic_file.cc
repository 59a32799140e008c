#include "lib/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace otgan::io {
namespace {

namespace fs = std::filesystem;

std::string ErrnoText() { return std::strerror(errno); }

// fsyncs an existing file so that the rename publishes complete data.
absl::Status SyncFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot reopen ", path, ": ", ErrnoText()));
  int rc = ::fsync(fd);
  std::string err = rc != 0 ? ErrnoText() : "";
  ::close(fd);
  // Some file systems (e.g. certain FUSE mounts) refuse fsync on read-only fds.
  if (rc != 0 && err != std::strerror(EINVAL) && err != std::strerror(EBADF)) {
    return absl::InternalError(absl::StrCat("fsync ", path, ": ", err));
  }
  return absl::OkStatus();
}

}  // namespace

std::string TempPathFor(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  fs::path p(path);
  std::string name = absl::StrCat(".", p.filename().string(), ".tmp.", ::getpid(), ".",
                                  counter.fetch_add(1));
  return (p.parent_path() / name).string();
}

absl::Status WriteViaTempFile(const std::string& path,
                              const std::function<absl::Status(const std::string&)>& write) {
  if (path.empty()) return absl::InvalidArgumentError("output path is empty");
  fs::path p(path);
  if (p.filename().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("output path ", path, " names a folder, not a file"));
  }
  std::error_code ec;
  fs::path dir = p.parent_path();
  if (!dir.empty() && !fs::is_directory(dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat("cannot write ", path, ": folder ", dir.string(), " does not exist"));
  }
  const std::string tmp = TempPathFor(path);
  absl::Status st = write(tmp);
  if (st.ok() && !fs::exists(tmp, ec)) {
    st = absl::InternalError(absl::StrCat("writing ", path, ": temporary file ", tmp, " was not created"));
  }
  if (st.ok()) st = SyncFile(tmp);
  if (st.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    st = absl::InternalError(absl::StrCat("cannot rename ", tmp, " to ", path, ": ", ErrnoText()));
  }
  if (!st.ok()) fs::remove(tmp, ec);
  return st;
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  return WriteFileAtomically(path, std::vector<std::string_view>{contents});
}

absl::Status WriteFileAtomically(const std::string& path,
                                 const std::vector<std::string_view>& pieces) {
  return WriteViaTempFile(path, [&](const std::string& tmp) -> absl::Status {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) {
      return absl::InternalError(absl::StrCat("cannot create ", tmp, " (for ", path, "): ", ErrnoText()));
    }
    bool ok = true;
    for (std::string_view piece : pieces) {
      if (!piece.empty() && std::fwrite(piece.data(), 1, piece.size(), f) != piece.size()) {
        ok = false;
        break;
      }
    }
    ok = ok && std::fflush(f) == 0;
    std::string err = ok ? "" : ErrnoText();
    if (std::fclose(f) != 0 && ok) {
      ok = false;
      err = ErrnoText();
    }
    if (!ok) return absl::InternalError(absl::StrCat("writing ", path, " failed: ", err));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::PermissionDeniedError(absl::StrCat("cannot open ", path, ": ", ErrnoText()));
  }
  std::string out;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  bool err = std::ferror(f) != 0;
  std::fclose(f);
  if (err) return absl::DataLossError(absl::StrCat("error reading ", path));
  return out;
}

}  // namespace otgan::io
