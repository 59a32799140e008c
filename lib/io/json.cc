#include "lib/io/json.h"

#include <utility>

#include "lib/io/atomic_file.h"
#include "lib/util/status.h"

namespace otgan::io {

absl::StatusOr<Json> ParseJson(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line L, column C: ...".
    std::string what = e.what();
    const size_t at = what.find("parse error");
    if (at != std::string::npos) what = what.substr(at + std::string("parse error").size());
    return absl::InvalidArgumentError(absl::StrCat("JSON parse error", what));
  } catch (const nlohmann::json::exception& e) {
    // Not a parse_error, e.g. out_of_range.406 "number overflow parsing '-2e308'"
    // (found by fuzz/json_fuzzer): the text is still bad input, not a crash.
    std::string what = e.what();
    const size_t at = what.find("] ");
    if (at != std::string::npos) what = what.substr(at + 2);
    return absl::InvalidArgumentError(absl::StrCat("JSON parse error: ", what));
  }
}

absl::StatusOr<Json> ReadJsonFile(const std::string& path) {
  OTGAN_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  absl::StatusOr<Json> j = ParseJson(text);
  if (!j.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", j.status().message()));
  return j;
}

std::string DumpJson(const Json& value, int indent) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

absl::Status WriteJsonFile(const std::string& path, const Json& value) {
  return WriteFileAtomically(path, DumpJson(value, 2) + "\n");
}

JsonFields::JsonFields(const Json& object, std::string context, std::string path)
    : object_(&object), context_(std::move(context)), path_(std::move(path)) {
  if (!object.is_object()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat(context_, ": ", path_.empty() ? "" : path_ + ": ", "expected a JSON object, found ",
                     object.type_name()));
  }
}

std::string JsonFields::Where(const char* key) const {
  return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
}

void JsonFields::Fail(const char* key, const std::string& what) {
  if (status_.ok()) {
    status_ = absl::InvalidArgumentError(absl::StrCat(context_, ": ", Where(key), ": ", what));
  }
}

bool JsonFields::WrongType(const char* key, const char* expected, const Json& found) {
  Fail(key, absl::StrCat("expected ", expected, ", found ", found.type_name(),
                         found.is_primitive() ? absl::StrCat(" ", DumpJson(found, -1)) : ""));
  return false;
}

const Json* JsonFields::Member(const char* key, bool required) {
  if (!status_.ok()) return nullptr;
  const auto it = object_->find(key);
  if (it == object_->end()) {
    if (required) Fail(key, "missing");
    return nullptr;
  }
  return &*it;
}

bool JsonFields::Has(const char* key) const {
  if (!object_->is_object()) return false;
  const auto it = object_->find(key);
  return it != object_->end() && !it->is_null();
}

void JsonFields::Raw(const char* key, Json* out) {
  const Json* v = Member(key, /*required=*/false);
  *out = v == nullptr ? Json() : *v;
}

JsonFields JsonFields::Object(const char* key) {
  static const Json* const kEmpty = new Json(Json::object());
  const Json* v = Member(key, /*required=*/true);
  if (v != nullptr && !v->is_object()) {
    WrongType(key, "an object", *v);
    v = nullptr;
  }
  JsonFields sub(v != nullptr ? *v : *kEmpty, context_, Where(key));
  if (v == nullptr) sub.status_ = absl::CancelledError("inert");  // the error is ours
  return sub;
}

void JsonFields::Absorb(const JsonFields& sub) {
  if (status_.ok() && !sub.status_.ok() && !absl::IsCancelled(sub.status_)) status_ = sub.status_;
}

}  // namespace otgan::io
