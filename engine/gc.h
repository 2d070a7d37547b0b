#pragma once
// The deletion half of garbage collection, shared by Engine::Gc() and the
// startup GC. Only names from layout.h are ever deleted.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/checkpoint_info.h"
#include "engine/problem.h"
#include "faultfs/vfs.h"

namespace crashlab::engine {

struct References {
  std::set<std::string> files;               // paths relative to the Vfs root
  std::map<std::string, uint32_t> refcount;  // path -> referencing checkpoints
};

// Reads the manifest of every checkpoint in `keep` and collects the files
// each needs (its MANIFEST.json and COMMITTED, and every listed state file).
// Fails closed: an unreadable manifest is an error (problem appended),
// unless `ignore_manifest_errors` (unsafe). With `ignore_children` (unsafe)
// only each checkpoint's own files count, not inherited ones.
faultfs::Status CollectReferences(faultfs::Vfs& vfs, std::string_view dir,
                                  const std::vector<CheckpointInfo>& keep,
                                  bool ignore_manifest_errors,
                                  bool ignore_children, References* refs,
                                  std::vector<Problem>* problems);

// Deletes, under checkpoints/, every engine-named file that is neither in
// `refs` nor inside a directory of `keep_ids`: leftover tmp files, partial
// checkpoint directories and removed checkpoints (marker first, so a
// half-deleted directory is never mistaken for a committed one). Referenced
// files of removed checkpoints stay (listed in `kept`), and so does every
// directory on a referenced file's path, even if that file is missing. Each
// deletion is appended to `deleted`. Stops at the first error other than
// ENOENT.
faultfs::Status DeleteUnreferenced(faultfs::Vfs& vfs, std::string_view dir,
                                   const References& refs,
                                   const std::set<std::string>& keep_ids,
                                   std::vector<std::string>* deleted,
                                   std::vector<std::string>* kept);

// Removes a checkpoint directory's engine-named content and the directory
// (used only by the unsafe gc-when-catalog-missing).
faultfs::Status RemoveCheckpointDir(faultfs::Vfs& vfs, std::string_view dir,
                                    const std::string& id,
                                    std::vector<std::string>* deleted);

}  // namespace crashlab::engine
