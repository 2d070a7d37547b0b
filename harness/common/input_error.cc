#include "harness/common/input_error.h"

namespace crashlab::harness {

std::string InputError::ToString() const {
  std::string out = file;
  if (line > 0)
    out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!field.empty()) out += field + ": ";
  out += message;
  return out;
}

std::string JoinErrors(const std::vector<InputError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.ToString() + "\n";
  return out;
}

}  // namespace crashlab::harness
