// Retention and GC: catalog first (durably), then files, then the WAL.
#include <algorithm>

#include "engine/engine_impl.h"
#include "engine/gc.h"
#include "engine/layout.h"

namespace crashlab::engine {

Status Engine::Impl::TruncateWal(std::vector<std::string>* deleted) {
  if (catalog_.checkpoints.empty()) return Status::Ok();
  // With a fallback policy the oldest retained checkpoint must stay
  // recoverable, so the WAL is kept from its position on.
  uint64_t upto = opt_.fallback == FallbackPolicy::kOlderVerified
                      ? catalog_.checkpoints.front().wal_position
                      : catalog_.checkpoints.back().wal_position;
  return wal_->TruncateUpTo(upto, deleted);
}

Result<GcResult> Engine::Impl::DoGc() {
  GcResult out;
  const auto& list = catalog_.checkpoints;
  const size_t keep_n = opt_.effective_max_retained();
  std::vector<CheckpointInfo> retained;
  for (size_t i = 0; i < list.size(); ++i) {
    bool newest = i + keep_n >= list.size();
    if (newest || opt_.protected_ids.count(list[i].id)) {
      retained.push_back(list[i]);
    } else {
      out.removed.push_back(list[i].id);
    }
  }

  // Fail closed: every retained manifest must be readable before anything goes.
  References refs;
  CRASHLAB_RETURN_IF_ERROR(CollectReferences(
      vfs_, dir_, retained, unsafe(UnsafeMode::kGcIgnoresManifestErrors),
      unsafe(UnsafeMode::kGcIgnoresChildren), &refs, &out.problems));

  // The catalog without the removed entries must be durable before any file
  // of theirs is deleted.
  if (!out.removed.empty() || disk_catalog_uncertain_) {
    Catalog next = catalog_;
    next.checkpoints = retained;
    CatalogWrite cw =
        WriteCatalog(vfs_, dir_, next, unsafe(UnsafeMode::kCatalogInPlace),
                     !unsafe(UnsafeMode::kSkipDirFsync));
    if (!cw.status.ok()) {
      if (cw.maybe_replaced) {
        CatalogWrite undo = WriteCatalog(vfs_, dir_, catalog_,
                                         unsafe(UnsafeMode::kCatalogInPlace),
                                         !unsafe(UnsafeMode::kSkipDirFsync));
        disk_catalog_uncertain_ = !undo.status.ok();
      }
      return cw.status;
    }
    catalog_ = std::move(next);
    disk_catalog_uncertain_ = false;
  }

  std::set<std::string> keep_ids;
  for (const auto& c : catalog_.checkpoints) keep_ids.insert(c.id);
  CRASHLAB_RETURN_IF_ERROR(DeleteUnreferenced(vfs_, dir_, refs, keep_ids,
                                              &out.deleted, &out.kept_shared));
  CRASHLAB_RETURN_IF_ERROR(TruncateWal(&out.wal_deleted));
  return out;
}

}  // namespace crashlab::engine
