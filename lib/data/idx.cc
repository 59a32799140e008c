#include "lib/data/idx.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/util/status.h"

namespace otgan::data {
namespace {

// Reads the whole file into memory.
absl::StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    int err = errno;
    std::string what = absl::StrCat(path, ": cannot open (", std::strerror(err), ")");
    if (err == ENOENT) return absl::NotFoundError(what);
    return absl::PermissionDeniedError(what);
  }
  // One read of the whole file when its size is known (much faster on slow
  // file systems than many small reads), then chunks until EOF in case it grew.
  std::vector<uint8_t> bytes;
  bool failed = false;
  if (std::fseek(f, 0, SEEK_END) == 0) {
    long size = std::ftell(f);
    if (size > 0) bytes.resize(static_cast<size_t>(size));
    std::rewind(f);
  }
  size_t got = bytes.empty() ? 0 : std::fread(bytes.data(), 1, bytes.size(), f);
  bytes.resize(got);
  std::vector<uint8_t> buf(1 << 16);
  while ((got = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    bytes.insert(bytes.end(), buf.begin(), buf.begin() + got);
  }
  failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return bytes;
}

bool IsGzip(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

// Inflates a gzip stream (one or more concatenated members). zlib checks each
// member's CRC-32 and length; a stream that ends early is reported as truncated.
absl::StatusOr<std::vector<uint8_t>> Gunzip(const std::vector<uint8_t>& in,
                                            const std::string& path) {
  if (in.size() > std::numeric_limits<uInt>::max()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: expected a gzip file below 4 GiB, found %d bytes", path, in.size()));
  }
  std::vector<uint8_t> out;
  out.reserve(in.size() * 4);
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {  // 15-bit window, gzip wrapper only
    return absl::InternalError(absl::StrCat(path, ": zlib inflateInit2 failed"));
  }
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  std::vector<uint8_t> buf(1 << 16);
  int members = 0;
  for (;;) {
    zs.next_out = buf.data();
    zs.avail_out = static_cast<uInt>(buf.size());
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.insert(out.end(), buf.data(), buf.data() + (buf.size() - zs.avail_out));
    if (rc == Z_STREAM_END) {
      ++members;
      if (zs.avail_in == 0) break;
      // Another gzip member may follow; anything else is trailing garbage.
      if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
        inflateReset(&zs);
        continue;
      }
      size_t remaining = zs.avail_in;
      inflateEnd(&zs);
      return absl::DataLossError(absl::StrFormat(
          "%s: corrupt gzip: expected end of file after gzip member %d, found %d more bytes",
          path, members, remaining));
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      return absl::DataLossError(absl::StrFormat(
          "%s: truncated gzip: expected the compressed stream to end with its trailer, "
          "found end of file after %d compressed bytes (%d bytes inflated)",
          path, in.size(), out.size()));
    }
    std::string msg = zs.msg != nullptr ? zs.msg : absl::StrCat("zlib error ", rc);
    inflateEnd(&zs);
    return absl::DataLossError(absl::StrFormat(
        "%s: corrupt gzip: expected a valid deflate stream with matching CRC, found '%s' "
        "after %d inflated bytes",
        path, msg, out.size()));
  }
  inflateEnd(&zs);
  return out;
}

uint32_t BigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string Hex32(uint32_t v) { return absl::StrFormat("0x%08x", v); }

// Checks that the array read from `path` has the layout `magic`.
absl::Status CheckMagic(const std::string& path, const IdxArray& a, uint32_t magic,
                        const char* what) {
  size_t want_dims = magic & 0xff;
  if (a.dims.size() != want_dims) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: expected an IDX %s file (magic %s, %d dimension%s), found %d dimensions [%s]",
        path, what, Hex32(magic), want_dims, want_dims == 1 ? "" : "s", a.dims.size(),
        absl::StrJoin(a.dims, " x ")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IdxArray> ReadIdx(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(path));
  const bool gz = IsGzip(bytes);
  if (gz) {
    OTGAN_ASSIGN_OR_RETURN(bytes, Gunzip(bytes, path));
  }
  const char* after = gz ? " after decompression" : "";
  if (bytes.size() < 4) {
    return absl::DataLossError(absl::StrFormat(
        "%s: expected at least 4 bytes (IDX magic number), found %d%s", path, bytes.size(), after));
  }
  const uint32_t magic = BigEndian32(bytes.data());
  const int type = bytes[2];
  const int ndims = bytes[3];
  if (bytes[0] != 0 || bytes[1] != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: bad IDX magic: expected 0x0000TTDD (two zero bytes, type, dimension count, "
        "e.g. 0x00000803 for images or 0x00000801 for labels), found %s",
        path, Hex32(magic)));
  }
  if (type != 0x08) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: unsupported IDX element type: expected 0x08 (unsigned byte), found 0x%02x "
        "(magic %s)",
        path, type, Hex32(magic)));
  }
  if (ndims < 1 || ndims > 4) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: bad IDX dimension count: expected 1 to 4, found %d (magic %s)", path, ndims,
        Hex32(magic)));
  }
  const size_t header = 4 + 4 * static_cast<size_t>(ndims);
  if (bytes.size() < header) {
    return absl::DataLossError(absl::StrFormat(
        "%s: expected at least %d header bytes (magic + %d dimension sizes), found %d%s", path,
        header, ndims, bytes.size(), after));
  }
  IdxArray out;
  uint64_t count = 1;
  for (int d = 0; d < ndims; ++d) {
    uint32_t size = BigEndian32(bytes.data() + 4 + 4 * d);
    out.dims.push_back(size);
    // Every dimension is below 2^32; stop before the product passes 2^48 bytes.
    if (size != 0 && count > (uint64_t{1} << 48) / size) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: implausible IDX dimensions [%s]: expected fewer than 2^48 elements", path,
          absl::StrJoin(out.dims, " x ")));
    }
    count *= size;
  }
  const uint64_t expected = header + count;
  if (bytes.size() != expected) {
    return absl::DataLossError(absl::StrFormat(
        "%s: expected %d bytes (%s + %d header), found %d%s%s", path, expected,
        absl::StrJoin(out.dims, " x "), header, bytes.size(), after,
        bytes.size() < expected ? " (truncated)" : " (trailing bytes)"));
  }
  bytes.erase(bytes.begin(), bytes.begin() + header);  // a memmove, no second buffer
  out.data = std::move(bytes);
  return out;
}

absl::StatusOr<at::Tensor> ReadIdxImages(const std::string& path, int64_t expected_rows,
                                         int64_t expected_cols) {
  OTGAN_ASSIGN_OR_RETURN(IdxArray a, ReadIdx(path));
  OTGAN_RETURN_IF_ERROR(CheckMagic(path, a, kIdxImagesMagic, "image"));
  if ((expected_rows > 0 && a.dims[1] != expected_rows) ||
      (expected_cols > 0 && a.dims[2] != expected_cols)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: images are %dx%d, expected %dx%d", path, a.dims[1], a.dims[2],
        expected_rows > 0 ? expected_rows : a.dims[1], expected_cols > 0 ? expected_cols : a.dims[2]));
  }
  at::Tensor t = at::empty(a.dims, at::kByte);
  if (!a.data.empty()) std::memcpy(t.data_ptr<uint8_t>(), a.data.data(), a.data.size());
  return t;
}

absl::StatusOr<at::Tensor> ReadIdxLabels(const std::string& path, int num_classes) {
  if (num_classes < 1 || num_classes > 256) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: num_classes must be in [1, 256] for unsigned-byte labels, found %d", path,
        num_classes));
  }
  OTGAN_ASSIGN_OR_RETURN(IdxArray a, ReadIdx(path));
  OTGAN_RETURN_IF_ERROR(CheckMagic(path, a, kIdxLabelsMagic, "label"));
  at::Tensor t = at::empty({a.dims[0]}, at::kLong);
  int64_t* p = t.data_ptr<int64_t>();
  for (size_t i = 0; i < a.data.size(); ++i) {
    if (a.data[i] >= num_classes) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: label out of range at index %d: expected a class in [0, %d), found %d", path, i,
          num_classes, a.data[i]));
    }
    p[i] = a.data[i];
  }
  return t;
}

}  // namespace otgan::data
