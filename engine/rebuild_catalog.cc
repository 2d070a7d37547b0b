// Engine::RebuildCatalog: the explicit answer to "catalog-missing". Every
// checkpoint directory whose marker, manifest and files verify is listed
// again, oldest first; the rest are reported and left alone.
#include <algorithm>

#include "engine/engine_impl.h"
#include "engine/layout.h"
#include "engine/verify.h"

namespace crashlab::engine {

Result<std::vector<std::string>> Engine::RebuildCatalog(
    faultfs::Vfs& vfs, std::string_view dir, const Options& options, bool force,
    std::vector<Problem>* skipped) {
  CRASHLAB_RETURN_IF_ERROR(options.Validate());
  auto existing = ReadCatalog(vfs, dir);
  if (existing.ok() && !force) {
    return Status::IoError(
        EEXIST, layout::Catalog(dir),
        "a readable catalog exists; pass force to replace it");
  }
  if (!existing.ok() && existing.status().err() != ENOENT &&
      !existing.status().is_corruption()) {
    return existing.status();
  }
  auto entries = vfs.ListDir(layout::CheckpointsDir(dir));
  if (!entries.ok()) return entries.status();
  Catalog catalog;
  std::vector<std::string> ids;
  for (const auto& e : *entries) {
    auto seq = layout::ParseId(e.name);
    if (!seq || e.type != faultfs::FileType::kDirectory) continue;
    catalog.next_seq = std::max(catalog.next_seq, *seq + 1);
    VerifiedCheckpoint v = VerifyCheckpoint(vfs, dir, e.name, "",
                                            options.schema_fingerprint, false);
    if (!v.report.ok) {
      if (skipped)
        skipped->insert(skipped->end(), v.report.problems.begin(),
                        v.report.problems.end());
      continue;
    }
    catalog.checkpoints.push_back(v.report.info);
    ids.push_back(e.name);
  }
  if (existing.ok())
    catalog.next_seq = std::max(catalog.next_seq, existing->next_seq);
  CatalogWrite cw =
      WriteCatalog(vfs, dir, catalog, /*in_place=*/false, /*sync_dir=*/true);
  if (!cw.status.ok()) return cw.status;
  return ids;
}

}  // namespace crashlab::engine
