#include "reports/field_reader.h"

namespace crashlab::reports {

using nlohmann::json;

std::string PointerEscape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

FieldReader::FieldReader(const json& obj, std::string pointer, Status* status)
    : obj_(obj), pointer_(std::move(pointer)), status_(status) {
  if (ok() && !obj_.is_object()) {
    *status_ = Status::BadInput(
        pointer_.empty() ? "/" : pointer_,
        std::string("expected an object, found ") + obj_.type_name());
  }
}

std::string FieldReader::Child(const std::string& key) const {
  return pointer_ + "/" + PointerEscape(key);
}

void FieldReader::Fail(const std::string& key, const std::string& message) {
  if (ok()) *status_ = Status::BadInput(Child(key), message);
}

const json* FieldReader::Find(const char* key, bool required) {
  if (!ok()) return nullptr;
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) {
    if (required)
      Fail(key, "missing required field \"" + std::string(key) + "\"");
    return nullptr;
  }
  return &*it;
}

namespace {

std::string Found(const json& v) {
  return std::string(", found ") + v.type_name();
}

}  // namespace

void FieldReader::Get(const char* key, std::string* out) {
  if (const json* v = Find(key, true)) {
    if (!v->is_string()) return Fail(key, "expected a string" + Found(*v));
    *out = v->get<std::string>();
  }
}

void FieldReader::Get(const char* key, uint64_t* out) {
  if (const json* v = Find(key, true)) {
    if (!v->is_number_unsigned())
      return Fail(key, "expected a non-negative integer" + Found(*v));
    *out = v->get<uint64_t>();
  }
}

void FieldReader::Get(const char* key, uint32_t* out) {
  uint64_t wide = *out;
  Get(key, &wide);
  if (!ok()) return;
  if (wide > UINT32_MAX) return Fail(key, "integer out of range");
  *out = static_cast<uint32_t>(wide);
}

void FieldReader::Get(const char* key, int* out) {
  if (const json* v = Find(key, true)) {
    if (!v->is_number_integer())
      return Fail(key, "expected an integer" + Found(*v));
    *out = v->get<int>();
  }
}

void FieldReader::Get(const char* key, double* out) {
  if (const json* v = Find(key, true)) {
    if (!v->is_number()) return Fail(key, "expected a number" + Found(*v));
    *out = v->get<double>();
  }
}

void FieldReader::Get(const char* key, bool* out) {
  if (const json* v = Find(key, true)) {
    if (!v->is_boolean())
      return Fail(key, "expected true or false" + Found(*v));
    *out = v->get<bool>();
  }
}

void FieldReader::Get(const char* key, std::vector<std::string>* out) {
  const json* a = Array(key, true);
  if (a == nullptr) return;
  out->clear();
  for (size_t i = 0; i < a->size(); ++i) {
    if (!(*a)[i].is_string()) {
      *status_ = Status::BadInput(Child(key) + "/" + std::to_string(i),
                                  "expected a string" + Found((*a)[i]));
      return;
    }
    out->push_back((*a)[i].get<std::string>());
  }
}

void FieldReader::Get(const char* key, std::vector<uint64_t>* out) {
  const json* a = Array(key, true);
  if (a == nullptr) return;
  out->clear();
  for (size_t i = 0; i < a->size(); ++i) {
    if (!(*a)[i].is_number_unsigned()) {
      *status_ =
          Status::BadInput(Child(key) + "/" + std::to_string(i),
                           "expected a non-negative integer" + Found((*a)[i]));
      return;
    }
    out->push_back((*a)[i].get<uint64_t>());
  }
}

void FieldReader::Opt(const char* key, std::string* out) {
  if (Find(key, false) != nullptr) Get(key, out);
}
void FieldReader::Opt(const char* key, uint64_t* out) {
  if (Find(key, false) != nullptr) Get(key, out);
}
void FieldReader::Opt(const char* key, bool* out) {
  if (Find(key, false) != nullptr) Get(key, out);
}
void FieldReader::Opt(const char* key, std::vector<std::string>* out) {
  if (Find(key, false) != nullptr) Get(key, out);
}
void FieldReader::Opt(const char* key, std::optional<std::string>* out) {
  if (Find(key, false) == nullptr) {
    out->reset();
    return;
  }
  std::string s;
  Get(key, &s);
  if (ok()) *out = std::move(s);
}
void FieldReader::Opt(const char* key, std::optional<uint64_t>* out) {
  if (Find(key, false) == nullptr) {
    out->reset();
    return;
  }
  uint64_t n = 0;
  Get(key, &n);
  if (ok()) *out = n;
}

void FieldReader::GetAny(const char* key, json* out, bool required) {
  if (const json* v = Find(key, required)) *out = *v;
}

const json* FieldReader::Object(const char* key, bool required) {
  const json* v = Find(key, required);
  if (v != nullptr && !v->is_object()) {
    Fail(key, "expected an object" + Found(*v));
    return nullptr;
  }
  return v;
}

const json* FieldReader::Array(const char* key, bool required) {
  const json* v = Find(key, required);
  if (v != nullptr && !v->is_array()) {
    Fail(key, "expected an array" + Found(*v));
    return nullptr;
  }
  return v;
}

}  // namespace crashlab::reports
