// JSON for every file the project reads or writes (run manifests, eval.json,
// figures.json, critic_surface.json, benchmark lines), on nlohmann/json 3.11
// (Debian's nlohmann-json3-dev, @nlohmann_json in third_party/).
//
// otgan::io::Json is nlohmann::ordered_json: objects keep their keys in
// insertion order, so a file lists its keys in the order its writer set them.
// This header adds what nlohmann leaves to the caller: parsing and file
// reading with an absl::Status that names the file, the line and the column;
// atomic writing that never throws (NaN and +-Inf print as null, invalid
// UTF-8 is replaced by U+FFFD); and JsonFields, which reads one object's
// members into typed fields with errors that name the member's path.
//
//   otgan::io::Json j = {{"step", 100}, {"loss", 0.25}};
//   j["samples"] = otgan::io::Json::array({1, "two"});
//   OTGAN_RETURN_IF_ERROR(otgan::io::WriteJsonFile("out/summary.json", j));
//   OTGAN_ASSIGN_OR_RETURN(otgan::io::Json back, otgan::io::ReadJsonFile("out/summary.json"));
//   double loss = 0;
//   otgan::io::JsonFields f(back, "out/summary.json");
//   f.Required("loss", &loss);             // missing or not a number: an error
//   OTGAN_RETURN_IF_ERROR(f.status());     // "out/summary.json: loss: ..."
#ifndef OTGAN_LIB_IO_JSON_H_
#define OTGAN_LIB_IO_JSON_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace otgan::io {

using Json = nlohmann::ordered_json;

// Strict RFC 8259 (no comments); errors say "JSON parse error at line L,
// column C: <what>".
absl::StatusOr<Json> ParseJson(std::string_view text);

// Parses the file; errors name it ("<path>: JSON parse error at line ...").
absl::StatusOr<Json> ReadJsonFile(const std::string& path);

// value as text: pretty with `indent` spaces, or one line when indent < 0.
// Never throws (see the file comment).
std::string DumpJson(const Json& value, int indent = 2);

// Writes DumpJson(value, 2) plus a newline, atomically.
absl::Status WriteJsonFile(const std::string& path, const Json& value);

// Reads members of one JSON object into typed fields. The first defect (not
// an object, a required member missing, a member of the wrong type) is kept
// and later calls do nothing; status() reports it as
// "<context>: <path>.<key>: expected <type>, found <type>". Numbers read into
// double accept null as NaN (DumpJson writes NaN as null).
class JsonFields {
 public:
  // `context` names the source (usually the file); `path` the object's place
  // in it ("" for the top level, else e.g. "pixel_w1.protocol").
  JsonFields(const Json& object, std::string context, std::string path = "");

  // The member `key` into *out; missing is an error.
  template <typename T>
  void Required(const char* key, T* out) {
    const Json* v = Member(key, /*required=*/true);
    if (v != nullptr) Convert(key, *v, out);
  }
  // The member `key` into *out when present and not null; else *out is reset.
  template <typename T>
  void Optional(const char* key, std::optional<T>* out) {
    out->reset();
    const Json* v = Member(key, /*required=*/false);
    if (v == nullptr || v->is_null()) return;
    T value{};
    if (Convert(key, *v, &value)) *out = std::move(value);
  }
  // The member `key` (any JSON, null when absent) into *out.
  void Raw(const char* key, Json* out);
  // A sub-object reader for member `key` (missing or not an object: an error
  // here; the returned reader is then inert).
  JsonFields Object(const char* key);
  // Whether member `key` exists and is not null.
  bool Has(const char* key) const;

  // Merges a sub-reader's error into this one (the first error wins).
  void Absorb(const JsonFields& sub);
  const absl::Status& status() const { return status_; }

 private:
  const Json* Member(const char* key, bool required);
  std::string Where(const char* key) const;
  void Fail(const char* key, const std::string& what);

  template <typename T>
  bool Convert(const char* key, const Json& v, T* out) {
    if constexpr (std::is_floating_point_v<T>) {
      if (v.is_null()) {
        *out = std::numeric_limits<T>::quiet_NaN();
        return true;
      }
    }
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) return WrongType(key, "a boolean", v);
    } else if constexpr (std::is_arithmetic_v<T>) {
      if (!v.is_number()) return WrongType(key, "a number", v);
      if constexpr (std::is_integral_v<T>) {
        if (v.is_number_float() && std::floor(v.get<double>()) != v.get<double>()) {
          return WrongType(key, "an integer", v);
        }
      }
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) return WrongType(key, "a string", v);
    }
    try {
      *out = v.get<T>();
      return true;
    } catch (const nlohmann::json::exception& e) {
      Fail(key, e.what());
      return false;
    }
  }
  bool WrongType(const char* key, const char* expected, const Json& found);

  const Json* object_;
  std::string context_;
  std::string path_;
  absl::Status status_;
};

}  // namespace otgan::io

#endif  // OTGAN_LIB_IO_JSON_H_
