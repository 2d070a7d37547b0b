#include "engine/verify_report.h"

namespace crashlab::engine {

nlohmann::json VerifyReport::ToJson() const {
  nlohmann::json files_j = nlohmann::json::array();
  for (const auto& f : files) {
    files_j.push_back({{"path", f.path},
                       {"owner", f.owner},
                       {"size", f.size},
                       {"sha256", f.sha256},
                       {"status", f.status},
                       {"refcount", f.refcount}});
  }
  nlohmann::json problems_j = nlohmann::json::array();
  for (const auto& p : problems) problems_j.push_back(p.ToJson());
  return {{"id", id},
          {"ok", ok},
          {"info", info.ToJson()},
          {"files", files_j},
          {"problems", problems_j}};
}

}  // namespace crashlab::engine
