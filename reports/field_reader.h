#pragma once
// FieldReader: reads typed fields out of one JSON object and remembers the
// first problem as a kBadInput Status whose where() is the JSON pointer of
// the offending field. After the first error every call is a no-op, so a
// reader function can read all fields and check status once at the end.

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace crashlab::reports {

class FieldReader {
 public:
  // REQUIRES: *status outlives this reader. Fails if `obj` is not an object.
  FieldReader(const nlohmann::json& obj, std::string pointer, Status* status);

  bool ok() const { return status_->ok(); }
  const std::string& pointer() const { return pointer_; }
  std::string Child(const std::string& key) const;
  void Fail(const std::string& key, const std::string& message);

  // Required fields: missing or mistyped is an error.
  void Get(const char* key, std::string* out);
  void Get(const char* key, uint64_t* out);
  void Get(const char* key, uint32_t* out);
  void Get(const char* key, int* out);
  void Get(const char* key, double* out);
  void Get(const char* key, bool* out);
  void Get(const char* key, std::vector<std::string>* out);
  void Get(const char* key, std::vector<uint64_t>* out);
  // Optional fields keep *out unchanged when absent (null counts as absent).
  void Opt(const char* key, std::string* out);
  void Opt(const char* key, uint64_t* out);
  void Opt(const char* key, bool* out);
  void Opt(const char* key, std::vector<std::string>* out);
  void Opt(const char* key, std::optional<std::string>* out);
  void Opt(const char* key, std::optional<uint64_t>* out);
  // Any JSON value, stored as is.
  void GetAny(const char* key, nlohmann::json* out, bool required);

  // The object at `key`, or nullptr (with an error if required or mistyped).
  const nlohmann::json* Object(const char* key, bool required = true);

  // An array of objects; `read` turns one element (with its pointer) into T.
  template <typename T>
  void GetArray(const char* key, std::vector<T>* out, bool required,
                const std::function<T(const nlohmann::json&, const std::string&,
                                      Status*)>& read) {
    const nlohmann::json* a = Array(key, required);
    if (a == nullptr) return;
    out->clear();
    for (size_t i = 0; i < a->size() && ok(); ++i) {
      out->push_back(
          read((*a)[i], Child(key) + "/" + std::to_string(i), status_));
    }
  }

 private:
  const nlohmann::json* Find(const char* key, bool required);
  const nlohmann::json* Array(const char* key, bool required);

  const nlohmann::json& obj_;
  std::string pointer_;
  Status* status_;
};

// Escapes a key for use in a JSON pointer (RFC 6901: ~ -> ~0, / -> ~1).
std::string PointerEscape(const std::string& key);

}  // namespace crashlab::reports
