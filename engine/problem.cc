#include "engine/problem.h"

namespace crashlab::engine {

std::string Problem::ToString() const {
  std::string s = code;
  if (!path.empty()) s += ": " + path;
  if (!message.empty()) s += ": " + message;
  if (err != 0) s += " (" + faultfs::ErrnoName(err) + ")";
  return s;
}

nlohmann::json Problem::ToJson() const {
  nlohmann::json j = {{"code", code}, {"path", path}, {"message", message}};
  if (err != 0) j["errno"] = faultfs::ErrnoName(err);
  return j;
}

faultfs::Status ProblemStatus(const Problem& p) {
  std::string msg = p.code + (p.message.empty() ? "" : ": " + p.message);
  if (p.err != 0) return faultfs::Status::IoError(p.err, p.path, msg);
  return faultfs::Status::Corruption(p.path, msg);
}

std::vector<std::string> ProblemCodes(const std::vector<Problem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.code);
  return out;
}

}  // namespace crashlab::engine
