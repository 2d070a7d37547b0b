#include "engine/catalog.h"

#include <nlohmann/json.hpp>

#include "engine/layout.h"
#include "engine/sha256.h"
#include "faultfs/json_util.h"

namespace crashlab::engine {

using faultfs::Result;
using faultfs::Status;
using nlohmann::json;

std::string Catalog::Serialize() const {
  json list = json::array();
  for (const auto& c : checkpoints) list.push_back(c.ToJson());
  json body = {{"format", 1}, {"next_seq", next_seq}, {"checkpoints", list}};
  json doc = {{"catalog", body},
              {"sha256", Sha256Hex(faultfs::DumpJson(body))}};
  return faultfs::DumpJson(doc, 1) + "\n";
}

Result<Catalog> Catalog::Parse(std::string_view text, const std::string& path) {
  if (auto at = faultfs::JsonTooDeepAt(text)) {
    return Status::Corruption(
        path, "catalog-corrupt: " + faultfs::JsonTooDeepMessage(*at));
  }
  try {
    json doc = json::parse(text);
    const json& body = doc.at("catalog");
    // Strict dump: invalid UTF-8 in a stored body is corruption (type_error
    // 316, caught below), never replaced into a matching checksum.
    if (doc.at("sha256").get<std::string>() != Sha256Hex(body.dump())) {
      return Status::Corruption(path, "catalog-corrupt: checksum mismatch");
    }
    if (body.at("format").get<int>() != 1) {
      return Status::Corruption(path, "catalog-corrupt: unknown format");
    }
    Catalog c;
    c.next_seq = body.at("next_seq").get<uint64_t>();
    for (const auto& e : body.at("checkpoints")) {
      CheckpointInfo info;
      std::string error;
      if (!CheckpointInfo::FromJson(e, &info, &error)) {
        return Status::Corruption(path, "catalog-corrupt: " + error);
      }
      if (!c.checkpoints.empty() && c.checkpoints.back().id >= info.id) {
        return Status::Corruption(
            path, "catalog-corrupt: ids out of order at " + info.id);
      }
      c.checkpoints.push_back(std::move(info));
    }
    return c;
  } catch (const json::exception& e) {
    return Status::Corruption(
        path, "catalog-corrupt: " + faultfs::SanitizeUtf8(e.what()));
  }
}

const CheckpointInfo* Catalog::Find(std::string_view id) const {
  for (const auto& c : checkpoints) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

Result<Catalog> ReadCatalog(faultfs::Vfs& vfs, std::string_view dir) {
  std::string path = layout::Catalog(dir);
  auto text = faultfs::ReadFile(vfs, path);
  if (!text.ok()) return text.status();
  return Catalog::Parse(*text, path);
}

CatalogWrite WriteCatalog(faultfs::Vfs& vfs, std::string_view dir,
                          const Catalog& catalog, bool in_place,
                          bool sync_dir) {
  CatalogWrite out;
  std::string data = catalog.Serialize();
  std::string path = layout::Catalog(dir);
  if (in_place) {
    // UNSAFE catalog-in-place: a crash between truncate and fsync leaves a
    // torn or empty catalog.
    out.maybe_replaced = true;
    out.status = faultfs::WriteFile(vfs, path, data, /*sync=*/true);
    return out;
  }
  std::string tmp = layout::CatalogTmp(dir);
  out.status = faultfs::WriteFile(vfs, tmp, data, /*sync=*/true);
  if (!out.status.ok()) return out;
  out.maybe_replaced = true;  // error_after on rename: it may have happened
  out.status = vfs.Rename(tmp, path);
  if (!out.status.ok()) return out;
  if (sync_dir) out.status = vfs.SyncDir(layout::CheckpointsDir(dir));
  return out;
}

}  // namespace crashlab::engine
