#include "lib/io/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/io/atomic_file.h"
#include "lib/util/status.h"

namespace otgan::io {
namespace {

const char* TypeName(Json::Type t) {
  switch (t) {
    case Json::Type::kNull:
      return "null";
    case Json::Type::kBool:
      return "bool";
    case Json::Type::kNumber:
      return "number";
    case Json::Type::kString:
      return "string";
    case Json::Type::kArray:
      return "array";
    case Json::Type::kObject:
      return "object";
  }
  return "?";
}

[[noreturn]] void Misuse(const char* what, Json::Type t) {
  std::fprintf(stderr, "otgan::io::Json: %s called on a %s value\n", what, TypeName(t));
  std::abort();
}

void AppendNumber(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
    out += buf;
    return;
  }
  for (int prec = 15; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, v);
    if (prec == 17 || std::strtod(buf, nullptr) == v) break;
  }
  out += buf;
}

void AppendString(std::string& out, const std::string& s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

constexpr int kMaxDepth = 512;

}  // namespace

// Recursive-descent parser over the whole text.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : s_(text) {}

  absl::StatusOr<Json> ParseDocument() {
    SkipSpace();
    OTGAN_ASSIGN_OR_RETURN(Json v, ParseValue(0));
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the JSON value");
    return v;
  }

 private:
  absl::Status Error(const std::string& what) const { return ErrorAt(pos_, what); }
  absl::Status ErrorAt(size_t at, const std::string& what) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("JSON parse error at line ", line, ", column ", col, ": ", what));
  }
  std::string Found() const {
    if (pos_ >= s_.size()) return "end of input";
    unsigned char c = s_[pos_];
    if (c >= 0x20 && c < 0x7f) return absl::StrCat("'", std::string(1, static_cast<char>(c)), "'");
    char buf[16];
    std::snprintf(buf, sizeof(buf), "byte 0x%02x", c);
    return buf;
  }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool AtEnd() const { return pos_ >= s_.size(); }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool EatWord(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }

  absl::StatusOr<Json> ParseValue(int depth) {
    if (depth > kMaxDepth) return Error(absl::StrCat("nesting deeper than ", kMaxDepth, " levels"));
    if (AtEnd()) return Error("expected a value, found end of input");
    char c = Peek();
    if (c == '{') return ParseObject(depth);
    if (c == '[') return ParseArray(depth);
    if (c == '"') {
      OTGAN_ASSIGN_OR_RETURN(std::string s, ParseString());
      return Json(std::move(s));
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
    if (EatWord("true")) return Json(true);
    if (EatWord("false")) return Json(false);
    if (EatWord("null")) return Json();
    return Error(absl::StrCat("expected a value, found ", Found()));
  }

  absl::StatusOr<Json> ParseObject(int depth) {
    ++pos_;  // '{'
    Json obj = Json::Object();
    SkipSpace();
    if (Peek() == '}') {
      ++pos_;
      return obj;
    }
    while (true) {
      SkipSpace();
      if (Peek() != '"') return Error(absl::StrCat("expected a string key, found ", Found()));
      const size_t key_pos = pos_;
      OTGAN_ASSIGN_OR_RETURN(std::string key, ParseString());
      if (obj.Get(key) != nullptr) return ErrorAt(key_pos, absl::StrCat("duplicate key \"", key, "\""));
      SkipSpace();
      if (Peek() != ':') return Error(absl::StrCat("expected ':' after a key, found ", Found()));
      ++pos_;
      SkipSpace();
      OTGAN_ASSIGN_OR_RETURN(Json v, ParseValue(depth + 1));
      obj.keys_.push_back(std::move(key));
      obj.items_.push_back(std::move(v));
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return obj;
      }
      return Error(absl::StrCat("expected ',' or '}' in an object, found ", Found()));
    }
  }

  absl::StatusOr<Json> ParseArray(int depth) {
    ++pos_;  // '['
    Json arr = Json::Array();
    SkipSpace();
    if (Peek() == ']') {
      ++pos_;
      return arr;
    }
    while (true) {
      SkipSpace();
      OTGAN_ASSIGN_OR_RETURN(Json v, ParseValue(depth + 1));
      arr.items_.push_back(std::move(v));
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return arr;
      }
      return Error(absl::StrCat("expected ',' or ']' in an array, found ", Found()));
    }
  }

  absl::StatusOr<uint32_t> ParseHex4() {
    if (pos_ + 4 > s_.size()) return Error("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        return Error(absl::StrCat("expected a hex digit in a \\u escape, found ", Found()));
      }
      ++pos_;
    }
    return v;
  }

  absl::StatusOr<std::string> ParseString() {
    const size_t start = pos_;
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (AtEnd()) return ErrorAt(start, "unterminated string");
      unsigned char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) return Error("unescaped control character in a string");
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      const size_t esc_pos = pos_;
      ++pos_;
      if (AtEnd()) return ErrorAt(start, "unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          OTGAN_ASSIGN_OR_RETURN(uint32_t cp, ParseHex4());
          if (cp >= 0xDC00 && cp <= 0xDFFF) return ErrorAt(esc_pos, "lone low surrogate in a \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!EatWord("\\u")) return ErrorAt(esc_pos, "high surrogate not followed by a low surrogate");
            OTGAN_ASSIGN_OR_RETURN(uint32_t lo, ParseHex4());
            if (lo < 0xDC00 || lo > 0xDFFF) {
              return ErrorAt(esc_pos, "high surrogate not followed by a low surrogate");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          pos_ = esc_pos;
          return Error(absl::StrCat("invalid escape '\\", std::string(1, e), "'"));
      }
    }
  }

  absl::StatusOr<Json> ParseNumber() {
    const size_t start = pos_;
    auto digits = [&] {
      size_t n = 0;
      while (Peek() >= '0' && Peek() <= '9') {
        ++pos_;
        ++n;
      }
      return n;
    };
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
      if (Peek() >= '0' && Peek() <= '9') return Error("leading zeros are not allowed in numbers");
    } else if (digits() == 0) {
      return Error(absl::StrCat("expected a digit, found ", Found()));
    }
    if (Peek() == '.') {
      ++pos_;
      if (digits() == 0) return Error(absl::StrCat("expected a digit after '.', found ", Found()));
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (digits() == 0) return Error(absl::StrCat("expected a digit in the exponent, found ", Found()));
    }
    std::string_view text = s_.substr(start, pos_ - start);
    double v = 0;
    if (!absl::SimpleAtod(absl::string_view(text.data(), text.size()), &v) || !std::isfinite(v)) {
      return ErrorAt(start, absl::StrCat("number ", std::string(text), " is out of range"));
    }
    return Json(v);
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Json Json::Object() {
  Json j;
  j.type_ = Type::kObject;
  return j;
}

Json Json::Array() {
  Json j;
  j.type_ = Type::kArray;
  return j;
}

Json Json::Array(std::vector<Json> items) {
  Json j = Array();
  j.items_ = std::move(items);
  return j;
}

double Json::as_number() const {
  return is_number() ? number_ : std::numeric_limits<double>::quiet_NaN();
}

const std::string& Json::as_string() const {
  static const std::string* const kEmpty = new std::string();
  return is_string() ? string_ : *kEmpty;
}

const Json* Json::Get(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &items_[i];
  }
  return nullptr;
}

Json* Json::GetMutable(std::string_view key) {
  return const_cast<Json*>(static_cast<const Json*>(this)->Get(key));
}

absl::StatusOr<double> Json::GetNumber(std::string_view key) const {
  const Json* v = Get(key);
  if (v == nullptr || !v->is_number()) {
    return absl::InvalidArgumentError(absl::StrCat("JSON key \"", std::string(key),
                                                   "\": expected a number, found ",
                                                   v ? TypeName(v->type()) : "nothing"));
  }
  return v->number_;
}

absl::StatusOr<std::string> Json::GetString(std::string_view key) const {
  const Json* v = Get(key);
  if (v == nullptr || !v->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("JSON key \"", std::string(key),
                                                   "\": expected a string, found ",
                                                   v ? TypeName(v->type()) : "nothing"));
  }
  return v->string_;
}

absl::StatusOr<bool> Json::GetBool(std::string_view key) const {
  const Json* v = Get(key);
  if (v == nullptr || !v->is_bool()) {
    return absl::InvalidArgumentError(absl::StrCat("JSON key \"", std::string(key),
                                                   "\": expected a bool, found ",
                                                   v ? TypeName(v->type()) : "nothing"));
  }
  return v->bool_;
}

Json& Json::operator[](std::string_view key) {
  if (is_null()) type_ = Type::kObject;
  if (!is_object()) Misuse("operator[](key)", type_);
  if (Json* v = GetMutable(key)) return *v;
  keys_.emplace_back(key);
  items_.emplace_back();
  return items_.back();
}

Json& Json::Set(std::string_view key, Json value) {
  if (is_null()) type_ = Type::kObject;
  if (!is_object()) Misuse("Set", type_);
  (*this)[key] = std::move(value);
  return *this;
}

Json& Json::Push(Json value) {
  if (is_null()) type_ = Type::kArray;
  if (!is_array()) Misuse("Push", type_);
  items_.push_back(std::move(value));
  return *this;
}

void Json::DumpTo(std::string& out, int indent, int depth) const {
  auto newline = [&](int d) {
    if (indent <= 0) return;
    out.push_back('\n');
    out.append(static_cast<size_t>(indent) * d, ' ');
  };
  switch (type_) {
    case Type::kNull:
      out += "null";
      return;
    case Type::kBool:
      out += bool_ ? "true" : "false";
      return;
    case Type::kNumber:
      AppendNumber(out, number_);
      return;
    case Type::kString:
      AppendString(out, string_);
      return;
    case Type::kArray:
    case Type::kObject: {
      const bool obj = is_object();
      out.push_back(obj ? '{' : '[');
      if (items_.empty()) {
        out.push_back(obj ? '}' : ']');
        return;
      }
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) out.push_back(',');
        newline(depth + 1);
        if (obj) {
          AppendString(out, keys_[i]);
          out += indent > 0 ? ": " : ":";
        }
        items_[i].DumpTo(out, indent, depth + 1);
      }
      newline(depth);
      out.push_back(obj ? '}' : ']');
      return;
    }
  }
}

std::string Json::Dump(int indent) const {
  std::string out;
  DumpTo(out, indent, 0);
  return out;
}

absl::StatusOr<Json> Json::Parse(std::string_view text) { return JsonParser(text).ParseDocument(); }

bool operator==(const Json& a, const Json& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Json::Type::kNull:
      return true;
    case Json::Type::kBool:
      return a.bool_ == b.bool_;
    case Json::Type::kNumber:
      return a.number_ == b.number_;
    case Json::Type::kString:
      return a.string_ == b.string_;
    case Json::Type::kArray:
      return a.items_ == b.items_;
    case Json::Type::kObject: {
      if (a.keys_.size() != b.keys_.size()) return false;
      for (size_t i = 0; i < a.keys_.size(); ++i) {
        const Json* other = b.Get(a.keys_[i]);
        if (other == nullptr || !(*other == a.items_[i])) return false;
      }
      return true;
    }
  }
  return false;
}

absl::StatusOr<Json> ReadJsonFile(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  auto j = Json::Parse(text);
  if (!j.ok()) return absl::Status(j.status().code(), absl::StrCat(path, ": ", j.status().message()));
  return j;
}

absl::Status WriteJsonFile(const std::string& path, const Json& value) {
  return WriteFileAtomically(path, value.Dump(2) + "\n");
}

}  // namespace otgan::io
