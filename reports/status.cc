#include "reports/status.h"

namespace crashlab::reports {

std::string Status::ToString() const {
  if (ok()) return "ok";
  if (where_.empty()) return message_;
  return where_ + ": " + message_;
}

Status Status::WithPrefix(const std::string& prefix) const {
  if (ok()) return *this;
  std::string where = where_.empty() ? prefix : prefix + ":" + where_;
  return Status(code_, std::move(where), message_);
}

}  // namespace crashlab::reports
