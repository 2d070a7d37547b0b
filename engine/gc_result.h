#pragma once
// What one GC pass did.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/problem.h"

namespace crashlab::engine {

struct GcResult {
  std::vector<std::string> removed;  // ids removed from the catalog
  std::vector<std::string> deleted;  // files and directories deleted, in order
  std::vector<std::string>
      kept_shared;  // files of removed checkpoints kept
                    // because a retained one references them
  std::vector<std::string> wal_deleted;  // WAL segments removed
  std::vector<Problem> problems;  // why GC aborted or what it could not delete

  nlohmann::json ToJson() const;
};

}  // namespace crashlab::engine
