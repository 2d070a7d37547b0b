#pragma once
// Verification of one checkpoint: marker, manifest, every file.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/checkpoint_info.h"
#include "engine/problem.h"

namespace crashlab::engine {

struct FileCheck {
  std::string path;       // relative to the engine dir
  std::string owner;      // id of the checkpoint that wrote it
  uint64_t size = 0;      // expected
  std::string sha256;     // expected
  std::string status;     // "ok", or the problem code
  uint32_t refcount = 0;  // retained checkpoints referencing it (inspect only)
};

struct VerifyReport {
  std::string id;
  bool ok = false;
  CheckpointInfo info;  // from the manifest when readable
  std::vector<FileCheck> files;
  std::vector<Problem> problems;

  nlohmann::json ToJson() const;
};

}  // namespace crashlab::engine
