#include "engine/manifest.h"

#include <nlohmann/json.hpp>

#include "engine/sha256.h"
#include "faultfs/json_util.h"

namespace crashlab::engine {

using faultfs::Result;
using faultfs::Status;
using nlohmann::json;

std::string Manifest::Serialize() const {
  json files_j = json::array();
  for (const auto& f : files) {
    files_j.push_back({{"name", f.name},
                       {"owner", f.owner},
                       {"partition", f.partition},
                       {"kind", f.delta ? "delta" : "snap"},
                       {"size", f.size},
                       {"sha256", f.sha256}});
  }
  json body = {{"format", format},
               {"id", id},
               {"epoch", epoch},
               {"parent", parent},
               {"kind", CheckpointKindName(kind)},
               {"created_ms", created_ms},
               {"wal_position", wal_position},
               {"watermark", watermark},
               {"source_offsets", source_offsets},
               {"schema_fingerprint", schema_fingerprint},
               {"operator", op},
               {"partitions", partitions},
               {"bytes_written", bytes_written},
               {"files", files_j}};
  json doc = {{"manifest", body},
              {"sha256", Sha256Hex(faultfs::DumpJson(body))}};
  return faultfs::DumpJson(doc, 1) + "\n";
}

Result<Manifest> Manifest::Parse(std::string_view text,
                                 const std::string& path) {
  if (auto at = faultfs::JsonTooDeepAt(text)) {
    return Status::Corruption(
        path, "manifest-corrupt: " + faultfs::JsonTooDeepMessage(*at));
  }
  try {
    json doc = json::parse(text);
    const json& body = doc.at("manifest");
    // Strict dump: invalid UTF-8 in a stored body is corruption (type_error
    // 316, caught below), never replaced into a matching checksum.
    if (doc.at("sha256").get<std::string>() != Sha256Hex(body.dump())) {
      return Status::Corruption(path,
                                "manifest-corrupt: self-checksum mismatch");
    }
    Manifest m;
    m.format = body.at("format").get<int>();
    if (m.format != 1) {
      return Status::Corruption(
          path, "manifest-corrupt: unknown format " + std::to_string(m.format));
    }
    m.id = body.at("id").get<std::string>();
    m.epoch = body.at("epoch").get<uint64_t>();
    m.parent = body.at("parent").get<std::string>();
    m.kind = body.at("kind").get<std::string>() == "incremental"
                 ? CheckpointKind::kIncremental
                 : CheckpointKind::kFull;
    m.created_ms = body.at("created_ms").get<uint64_t>();
    m.wal_position = body.at("wal_position").get<uint64_t>();
    m.watermark = body.at("watermark").get<uint64_t>();
    m.source_offsets =
        body.at("source_offsets").get<std::map<std::string, uint64_t>>();
    m.schema_fingerprint = body.at("schema_fingerprint").get<std::string>();
    m.op = body.at("operator").get<std::string>();
    m.partitions = body.at("partitions").get<uint32_t>();
    m.bytes_written = body.at("bytes_written").get<uint64_t>();
    for (const auto& f : body.at("files")) {
      ManifestFile mf;
      mf.name = f.at("name").get<std::string>();
      mf.owner = f.at("owner").get<std::string>();
      mf.partition = f.at("partition").get<uint32_t>();
      mf.delta = f.at("kind").get<std::string>() == "delta";
      mf.size = f.at("size").get<uint64_t>();
      mf.sha256 = f.at("sha256").get<std::string>();
      // Names come from disk: refuse anything that could leave the owner's dir.
      if (mf.name.find("..") != std::string::npos || mf.name.empty() ||
          mf.name[0] == '/' || mf.owner.find('/') != std::string::npos ||
          mf.owner.find("..") != std::string::npos ||
          mf.partition >= m.partitions) {
        return Status::Corruption(
            path, "manifest-corrupt: bad file entry '" + mf.name + "'");
      }
      m.files.push_back(std::move(mf));
    }
    return m;
  } catch (const json::exception& e) {
    return Status::Corruption(
        path, "manifest-corrupt: " + faultfs::SanitizeUtf8(e.what()));
  }
}

std::vector<ManifestFile> Manifest::PartitionFiles(uint32_t p) const {
  std::vector<ManifestFile> out;
  for (const auto& f : files) {
    if (f.partition == p) out.push_back(f);
  }
  return out;
}

uint64_t Manifest::bytes_total() const {
  uint64_t n = 0;
  for (const auto& f : files) n += f.size;
  return n;
}

}  // namespace crashlab::engine
