#include "lib/io/npy.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/io/atomic_file.h"
#include "lib/util/status.h"

namespace otgan::io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

bool HostIsLittleEndian() {
  const uint16_t one = 1;
  unsigned char b;
  std::memcpy(&b, &one, 1);
  return b == 1;
}

// The parsed header dictionary.
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// A parser for the Python literal dict numpy writes, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path) : s_(text), path_(path) {}

  absl::StatusOr<NpyHeader> Parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    SkipSpace();
    if (!Eat('{')) return Error("expected '{'");
    while (true) {
      SkipSpace();
      if (Eat('}')) break;
      OTGAN_ASSIGN_OR_RETURN(std::string key, ParseString());
      SkipSpace();
      if (!Eat(':')) return Error(absl::StrCat("expected ':' after key '", key, "'"));
      SkipSpace();
      if (key == "descr") {
        if (Peek() == '[') {
          return absl::InvalidArgumentError(absl::StrCat(
              path_, ": unsupported dtype: structured (record) arrays are not supported; "
                     "expected '<f4', '<f8' or '<i8'"));
        }
        OTGAN_ASSIGN_OR_RETURN(h.descr, ParseString());
        have_descr = true;
      } else if (key == "fortran_order") {
        if (EatWord("True")) {
          h.fortran_order = true;
        } else if (EatWord("False")) {
          h.fortran_order = false;
        } else {
          return Error("expected True or False for 'fortran_order'");
        }
        have_order = true;
      } else if (key == "shape") {
        OTGAN_ASSIGN_OR_RETURN(h.shape, ParseShape());
        have_shape = true;
      } else {
        return Error(absl::StrCat("unexpected key '", key, "'"));
      }
      SkipSpace();
      if (Eat(',')) continue;
      SkipSpace();
      if (Eat('}')) break;
      return Error("expected ',' or '}'");
    }
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the closing '}'");
    if (!have_descr || !have_order || !have_shape) {
      std::vector<std::string> missing;
      if (!have_descr) missing.push_back("'descr'");
      if (!have_order) missing.push_back("'fortran_order'");
      if (!have_shape) missing.push_back("'shape'");
      return absl::InvalidArgumentError(absl::StrCat(
          path_, ": malformed .npy header: missing key(s) ", absl::StrJoin(missing, ", ")));
    }
    return h;
  }

 private:
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  bool EatWord(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' ||
                                s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": malformed .npy header at offset ",
                                                   pos_, ": ", what, " in ", std::string(s_)));
  }
  absl::StatusOr<std::string> ParseString() {
    char q = Peek();
    if (q != '\'' && q != '"') return Error("expected a quoted string");
    ++pos_;
    size_t end = s_.find(q, pos_);
    if (end == std::string_view::npos) return Error("unterminated string");
    std::string out(s_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }
  absl::StatusOr<std::vector<int64_t>> ParseShape() {
    std::vector<int64_t> shape;
    if (!Eat('(')) return Error("expected '(' for 'shape'");
    while (true) {
      SkipSpace();
      if (Eat(')')) break;
      if (Peek() < '0' || Peek() > '9') return Error("expected a non-negative integer in 'shape'");
      int64_t v = 0;
      while (Peek() >= '0' && Peek() <= '9') {
        int d = Peek() - '0';
        if (v > (std::numeric_limits<int64_t>::max() - d) / 10) return Error("dimension too large");
        v = v * 10 + d;
        ++pos_;
      }
      // Python 2 era files may write 3L.
      Eat('L');
      shape.push_back(v);
      SkipSpace();
      if (Eat(',')) continue;
      SkipSpace();
      if (Eat(')')) break;
      return Error("expected ',' or ')' in 'shape'");
    }
    return shape;
  }

  std::string_view s_;
  const std::string& path_;
  size_t pos_ = 0;
};

// Maps a descr to a scalar type, or explains why it is not supported.
absl::StatusOr<at::ScalarType> DtypeOf(const std::string& descr, const std::string& path) {
  if (descr == "<f4") return at::kFloat;
  if (descr == "<f8") return at::kDouble;
  if (descr == "<i8") return at::kLong;
  const std::string expected = "expected '<f4', '<f8' or '<i8'";
  if (descr.size() >= 2 && descr[0] == '>') {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": big-endian data (dtype '", descr, "') is not supported; ", expected));
  }
  if (descr.find('O') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": object arrays (dtype '", descr, "') are not supported; ", expected));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": unsupported dtype '", descr, "'; ", expected));
}

const char* DescrOf(at::ScalarType t) {
  switch (t) {
    case at::kFloat:
      return "<f4";
    case at::kDouble:
      return "<f8";
    case at::kLong:
      return "<i8";
    default:
      return nullptr;
  }
}

uint32_t LittleEndianU32(const unsigned char* p, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string ShapeString(at::IntArrayRef shape) {
  if (shape.empty()) return "()";
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

}  // namespace

absl::StatusOr<at::Tensor> ReadNpy(const std::string& path) {
  if (!HostIsLittleEndian()) {
    return absl::UnimplementedError(absl::StrCat(path, ": .npy reading needs a little-endian host"));
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::PermissionDeniedError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};

  if (std::fseek(f, 0, SEEK_END) != 0) return absl::DataLossError(absl::StrCat("cannot seek in ", path));
  const long file_size_l = std::ftell(f);
  if (file_size_l < 0) return absl::DataLossError(absl::StrCat("cannot seek in ", path));
  const uint64_t file_size = static_cast<uint64_t>(file_size_l);
  std::rewind(f);

  unsigned char pre[12];
  size_t got = std::fread(pre, 1, 10, f);
  if (got < kMagicLen || std::memcmp(pre, kMagic, kMagicLen) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a .npy file (bad magic: expected \\x93NUMPY at the start)"));
  }
  if (got < 10) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": .npy file truncated inside the preamble"));
  }
  const int major = pre[6], minor = pre[7];
  int len_bytes;
  if (major == 1 && minor == 0) {
    len_bytes = 2;
  } else if ((major == 2 || major == 3) && minor == 0) {
    len_bytes = 4;
    if (std::fread(pre + 10, 1, 2, f) != 2) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": .npy file truncated inside the preamble"));
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(path, ": unsupported .npy format version ", major,
                                                   ".", minor, " (expected 1.0, 2.0 or 3.0)"));
  }
  const uint64_t header_len = LittleEndianU32(pre + 8, len_bytes);
  const uint64_t data_offset = 8 + len_bytes + header_len;
  if (data_offset > file_size) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": .npy header length ", header_len,
                                                   " runs past the end of the file (", file_size,
                                                   " bytes)"));
  }
  std::string header(header_len, '\0');
  if (header_len > 0 && std::fread(header.data(), 1, header_len, f) != header_len) {
    return absl::DataLossError(absl::StrCat("error reading the .npy header of ", path));
  }
  OTGAN_ASSIGN_OR_RETURN(NpyHeader h, HeaderParser(header, path).Parse());
  OTGAN_ASSIGN_OR_RETURN(at::ScalarType dtype, DtypeOf(h.descr, path));
  if (h.fortran_order) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": Fortran-order arrays are not supported (fortran_order: True); save with "
              "np.ascontiguousarray"));
  }
  const uint64_t item = at::elementSize(dtype);
  uint64_t numel = 1;
  for (int64_t d : h.shape) {
    if (d != 0 && numel > std::numeric_limits<uint64_t>::max() / item / static_cast<uint64_t>(d)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": shape ", ShapeString(h.shape),
                                                     " is too large"));
    }
    numel *= static_cast<uint64_t>(d);
  }
  const uint64_t expected = numel * item;
  const uint64_t found = file_size - data_offset;
  if (found != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": data length mismatch for shape ", ShapeString(h.shape), " dtype '", h.descr,
        "': expected ", expected, " bytes, found ", found,
        found < expected ? " (truncated file)" : " (trailing bytes)"));
  }
  return TorchCall("ReadNpy " + path, [&]() -> at::Tensor {
    at::Tensor t = at::empty(h.shape, at::TensorOptions().dtype(dtype));
    if (expected > 0 && std::fread(t.data_ptr(), 1, expected, f) != expected) {
      throw std::runtime_error("short read of the data");
    }
    return t;
  });
}

absl::Status WriteNpy(const std::string& path, const at::Tensor& t) {
  if (!HostIsLittleEndian()) {
    return absl::UnimplementedError(absl::StrCat(path, ": .npy writing needs a little-endian host"));
  }
  if (!t.defined()) return absl::InvalidArgumentError(absl::StrCat("WriteNpy ", path, ": undefined tensor"));
  const char* descr = DescrOf(t.scalar_type());
  if (descr == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("WriteNpy ", path, ": unsupported dtype ",
                                                   c10::toString(t.scalar_type()),
                                                   " (expected float32, float64 or int64)"));
  }
  OTGAN_ASSIGN_OR_RETURN(at::Tensor c, TorchCall("WriteNpy " + path, [&] {
                           return t.detach().to(at::kCPU).contiguous();
                         }));
  std::string dict = absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ",
                                  ShapeString(c.sizes()), ", }");
  // Pad with spaces and end with '\n' so that the data starts at a multiple of 64.
  auto padded = [&](size_t preamble) {
    size_t total = preamble + dict.size() + 1;
    size_t pad = (64 - total % 64) % 64;
    return dict + std::string(pad, ' ') + "\n";
  };
  std::string header = padded(10);
  std::string out;
  if (header.size() <= 65535) {
    out = std::string(kMagic, kMagicLen) + std::string("\x01\x00", 2);
    out.push_back(static_cast<char>(header.size() & 0xff));
    out.push_back(static_cast<char>(header.size() >> 8));
  } else {
    header = padded(12);
    out = std::string(kMagic, kMagicLen) + std::string("\x02\x00", 2);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  }
  out += header;
  const size_t nbytes = c.numel() * c.element_size();
  std::vector<std::string_view> pieces = {out};
  if (nbytes > 0) pieces.emplace_back(static_cast<const char*>(c.data_ptr()), nbytes);
  return WriteFileAtomically(path, pieces);
}

}  // namespace otgan::io
