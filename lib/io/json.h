// A small JSON value for run manifests, metric summaries and configs (no JSON
// library is packaged for this project).
//
// Values: null, bool, number (double), string, array, object. Objects keep
// keys in insertion order and Dump writes them in that order. Numbers that are
// integers with |x| < 1e15 print without a decimal point; others print with
// the shortest of %.15g / %.16g / %.17g that reads back exactly; NaN and
// +-Inf print as null. Parse is strict RFC 8259 (no comments, no trailing
// commas, no duplicate keys) and reports errors as "line L, column C" (1-based,
// column in bytes). Strings are bytes: \uXXXX escapes (surrogate pairs
// included) decode to UTF-8, other bytes are kept as they are.
//
//   otgan::io::Json j = otgan::io::Json::Object();
//   j.Set("step", 100).Set("loss", 0.25);
//   j["samples"] = otgan::io::Json::Array().Push(1).Push("two");
//   std::string text = j.Dump();                // pretty, 2-space indent
//   OTGAN_ASSIGN_OR_RETURN(otgan::io::Json back, otgan::io::Json::Parse(text));
//   OTGAN_ASSIGN_OR_RETURN(double loss, back.GetNumber("loss"));
//   OTGAN_RETURN_IF_ERROR(otgan::io::WriteJsonFile("out/summary.json", j));
#ifndef OTGAN_LIB_IO_JSON_H_
#define OTGAN_LIB_IO_JSON_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace otgan::io {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::kBool), bool_(b) {}
  Json(int v) : Json(static_cast<double>(v)) {}
  Json(long v) : Json(static_cast<double>(v)) {}
  Json(long long v) : Json(static_cast<double>(v)) {}
  Json(unsigned v) : Json(static_cast<double>(v)) {}
  Json(unsigned long v) : Json(static_cast<double>(v)) {}
  Json(unsigned long long v) : Json(static_cast<double>(v)) {}
  Json(float v) : Json(static_cast<double>(v)) {}
  Json(double v) : type_(Type::kNumber), number_(v) {}
  Json(const char* s) : type_(Type::kString), string_(s) {}
  Json(std::string s) : type_(Type::kString), string_(std::move(s)) {}
  Json(std::string_view s) : type_(Type::kString), string_(s) {}

  static Json Object();
  static Json Array();
  static Json Array(std::vector<Json> items);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // The value, or false / NaN / "" when the type differs (check is_* first,
  // or use the Get* functions below, which return errors).
  bool as_bool() const { return is_bool() && bool_; }
  double as_number() const;
  const std::string& as_string() const;

  // Arrays: elements; objects: values (in key order). Empty for other types.
  size_t size() const { return items_.size(); }
  const std::vector<Json>& items() const { return items_; }
  const Json& at(size_t i) const { return items_.at(i); }  // throws std::out_of_range
  // Objects: keys in insertion order (parallel to items()).
  const std::vector<std::string>& keys() const { return keys_; }

  // Object member, or nullptr when absent or when this is not an object.
  const Json* Get(std::string_view key) const;
  Json* GetMutable(std::string_view key);

  // Typed object members; errors name the key, the expected and found type.
  absl::StatusOr<double> GetNumber(std::string_view key) const;
  absl::StatusOr<std::string> GetString(std::string_view key) const;
  absl::StatusOr<bool> GetBool(std::string_view key) const;

  // Builders. A null value becomes an object (Set, operator[]) or an array
  // (Push) first; calling them on another type is a programming error and
  // aborts with a message. Set replaces an existing key in place.
  Json& Set(std::string_view key, Json value);  // returns *this, for chaining
  Json& Push(Json value);                       // returns *this, for chaining
  Json& operator[](std::string_view key);       // inserts null if absent
  Json& operator[](const char* key) { return (*this)[std::string_view(key)]; }
  Json& operator[](int) = delete;  // use at(i) for array elements

  // indent > 0: one member per line; indent <= 0: compact, one line.
  std::string Dump(int indent = 2) const;

  static absl::StatusOr<Json> Parse(std::string_view text);

  // Deep equality; object members compare by key regardless of order.
  friend bool operator==(const Json& a, const Json& b);
  friend bool operator!=(const Json& a, const Json& b) { return !(a == b); }

 private:
  friend class JsonParser;
  void DumpTo(std::string& out, int indent, int depth) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0.0;
  std::string string_;
  std::vector<Json> items_;        // array elements or object values
  std::vector<std::string> keys_;  // object keys
};

// Parses the file; errors name it ("<path>: JSON parse error at line L, column C: ...").
absl::StatusOr<Json> ReadJsonFile(const std::string& path);

// Writes value.Dump(2) plus a newline, atomically.
absl::Status WriteJsonFile(const std::string& path, const Json& value);

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_JSON_H_
