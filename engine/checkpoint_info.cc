#include "engine/checkpoint_info.h"

namespace crashlab::engine {

using nlohmann::json;

std::string_view CheckpointKindName(CheckpointKind k) {
  return k == CheckpointKind::kFull ? "full" : "incremental";
}

json CheckpointInfo::ToJson() const {
  return {{"id", id},
          {"epoch", epoch},
          {"parent", parent},
          {"kind", CheckpointKindName(kind)},
          {"wal_position", wal_position},
          {"created_ms", created_ms},
          {"bytes_written", bytes_written},
          {"bytes_total", bytes_total},
          {"files", files},
          {"manifest_sha256", manifest_sha256},
          {"partitions", partitions}};
}

bool CheckpointInfo::FromJson(const json& j, CheckpointInfo* out,
                              std::string* error) {
  try {
    CheckpointInfo c;
    c.id = j.at("id").get<std::string>();
    c.epoch = j.at("epoch").get<uint64_t>();
    c.parent = j.at("parent").get<std::string>();
    std::string kind = j.at("kind").get<std::string>();
    if (kind != "full" && kind != "incremental") {
      *error = "bad kind '" + kind + "'";
      return false;
    }
    c.kind =
        kind == "full" ? CheckpointKind::kFull : CheckpointKind::kIncremental;
    c.wal_position = j.at("wal_position").get<uint64_t>();
    c.created_ms = j.at("created_ms").get<uint64_t>();
    c.bytes_written = j.at("bytes_written").get<uint64_t>();
    c.bytes_total = j.at("bytes_total").get<uint64_t>();
    c.files = j.at("files").get<uint64_t>();
    c.manifest_sha256 = j.at("manifest_sha256").get<std::string>();
    c.partitions = j.value("partitions", uint32_t{0});  // optional
    *out = std::move(c);
    return true;
  } catch (const json::exception& e) {
    *error = e.what();
    return false;
  }
}

}  // namespace crashlab::engine
