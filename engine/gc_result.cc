#include "engine/gc_result.h"

namespace crashlab::engine {

nlohmann::json GcResult::ToJson() const {
  nlohmann::json problems_j = nlohmann::json::array();
  for (const auto& p : problems) problems_j.push_back(p.ToJson());
  return {{"removed", removed},
          {"deleted", deleted},
          {"kept_shared", kept_shared},
          {"wal_deleted", wal_deleted},
          {"problems", problems_j}};
}

}  // namespace crashlab::engine
