// no-orphan-deletion: nothing - neither the workload's GC nor recovery's
// startup GC - deletes a file that a checkpoint in the catalog still needs.
#include <algorithm>

#include "harness/workload/image_facts.h"
#include "harness/invariants/checkers.h"

namespace crashlab::harness {

Finding CheckNoOrphanDeletion(const CrashCase& c) {
  if (!c.bad_deletions.empty()) {
    const BadDeletion& d = c.bad_deletions.front();
    std::string ids;
    for (const auto& id : d.needed_by) ids += (ids.empty() ? "" : ", ") + id;
    return Finding::Violated("op " + std::to_string(d.op) + " deleted " +
                             d.path + ", which catalogued checkpoint " + ids +
                             " still needs");
  }
  const RecoveryOutcome& r = *c.recovery;
  if (r.deleted.empty()) return Finding::Held();
  // Catalogued at the crash: the durable catalog, narrowed by the post-crash
  // one when that is readable (a newer catalog that reached the disk may
  // have removed checkpoints legitimately).
  std::vector<std::string> ids =
      CatalogIds(c.pre->durable, c.facts).value_or(std::vector<std::string>{});
  if (auto post = CatalogIds(*c.post, c.facts)) {
    std::erase_if(ids, [&](const std::string& id) {
      return std::find(post->begin(), post->end(), id) == post->end();
    });
  }
  if (ids.empty()) return Finding::Held();
  std::set<std::string> needed = ProtectedPaths(c.pre->durable, ids, c.facts);
  for (const auto& p : ProtectedPaths(*c.post, ids, c.facts)) needed.insert(p);
  for (const auto& path : r.deleted) {
    if (!needed.count(path)) continue;
    std::string owner;
    for (const auto& id : ids) {
      if (ProtectedPaths(c.pre->durable, {id}, c.facts).count(path) ||
          ProtectedPaths(*c.post, {id}, c.facts).count(path)) {
        owner += (owner.empty() ? "" : ", ") + id;
      }
    }
    return Finding::Violated("recovery deleted " + path +
                             ", which checkpoint " + owner +
                             " (in the catalog at the crash) needs");
  }
  return Finding::Held();
}

}  // namespace crashlab::harness
