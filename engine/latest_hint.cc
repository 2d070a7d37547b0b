#include "engine/latest_hint.h"

#include <algorithm>

#include "engine/layout.h"

namespace crashlab::engine {

using faultfs::Result;
using faultfs::Status;

Status WriteLatest(faultfs::Vfs& vfs, std::string_view dir,
                   const std::string& id, bool sync_dir) {
  const std::string tmp = layout::LatestTmp(dir);
  CRASHLAB_RETURN_IF_ERROR(faultfs::WriteFile(vfs, tmp, id + "\n", true));
  CRASHLAB_RETURN_IF_ERROR(vfs.Rename(tmp, layout::Latest(dir)));
  if (sync_dir) return vfs.SyncDir(layout::CheckpointsDir(dir));
  return Status::Ok();
}

Result<LatestHint> ReadLatest(faultfs::Vfs& vfs, std::string_view dir) {
  LatestHint hint;
  auto data = faultfs::ReadFile(vfs, layout::Latest(dir));
  if (!data.ok()) {
    if (data.status().err() == ENOENT) return hint;
    return data.status();
  }
  hint.present = true;
  std::string s = *data;
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (layout::ParseId(s)) {
    hint.valid = true;
    hint.id = s;
    return hint;
  }
  // Never echo the bytes themselves (they may be anything): their size and
  // the rule they break.
  hint.detail = "LATEST (" + std::to_string(data->size()) +
                " bytes) does not hold one checkpoint id followed by a "
                "newline";
  return hint;
}

std::string ClassifyLatestHint(const LatestHint& hint,
                               const std::string& chosen,
                               const std::vector<std::string>& catalog_ids,
                               const std::vector<std::string>& skipped) {
  if (!hint.present) return chosen.empty() ? "none" : "missing";
  if (!hint.valid) return "invalid";
  if (hint.id == chosen) return "ok";
  if (std::find(skipped.begin(), skipped.end(), hint.id) != skipped.end())
    return "unverified";
  if (std::find(catalog_ids.begin(), catalog_ids.end(), hint.id) !=
      catalog_ids.end())
    return hint.id < chosen ? "stale" : "newer";
  return "unknown";
}

}  // namespace crashlab::engine
