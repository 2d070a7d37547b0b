#include "engine/gc.h"

#include "engine/layout.h"
#include "engine/manifest.h"

namespace crashlab::engine {

using faultfs::JoinPath;
using faultfs::Status;

Status CollectReferences(faultfs::Vfs& vfs, std::string_view dir,
                         const std::vector<CheckpointInfo>& keep,
                         bool ignore_manifest_errors, bool ignore_children,
                         References* refs, std::vector<Problem>* problems) {
  for (const auto& c : keep) {
    std::string mpath = layout::Manifest(dir, c.id);
    refs->files.insert(mpath);
    refs->files.insert(layout::Marker(dir, c.id));
    auto text = faultfs::ReadFile(vfs, mpath);
    faultfs::Result<Manifest> m =
        text.ok() ? Manifest::Parse(*text, mpath)
                  : faultfs::Result<Manifest>(text.status());
    if (!m.ok()) {
      if (ignore_manifest_errors)
        continue;  // UNSAFE: its files become unprotected
      Problem p{text.ok() ? "manifest-corrupt"
                          : (text.status().err() == ENOENT ? "manifest-missing"
                                                           : "io-error"),
                mpath,
                "GC aborted before deleting anything: " + m.status().message(),
                text.ok() ? 0 : text.status().err()};
      problems->push_back(p);
      return ProblemStatus(p);
    }
    for (const auto& f : m->files) {
      if (ignore_children && f.owner != c.id)
        continue;  // UNSAFE: parents' files unprotected
      std::string path = layout::StateFile(dir, f.owner, f.name);
      refs->files.insert(path);
      refs->refcount[path]++;
    }
  }
  return Status::Ok();
}

namespace {

bool IsEngineFileInCheckpoint(std::string_view rel) {
  if (rel == layout::kManifest || rel == layout::kMarker) return true;
  // operators/<op>/partition-<n>.snap|.delta
  if (rel.substr(0, 10) != "operators/") return false;
  size_t slash = rel.find('/', 10);
  if (slash == std::string_view::npos) return false;
  std::string_view file = rel.substr(slash + 1);
  if (file.find('/') != std::string_view::npos ||
      file.substr(0, 10) != "partition-")
    return false;
  return file.ends_with(".snap") || file.ends_with(".delta");
}

// True if some referenced file lies below directory `path`.
bool LeadsToReference(const References& refs, const std::string& path) {
  std::string prefix = path + "/";
  auto it = refs.files.lower_bound(prefix);
  return it != refs.files.end() && it->starts_with(prefix);
}

// Deletes the engine-named files below checkpoint dir `cdir` that are not
// referenced, then the empty directories, deepest first.
Status CleanCheckpointDir(faultfs::Vfs& vfs, const std::string& cdir,
                          const References& refs,
                          std::vector<std::string>* deleted,
                          std::vector<std::string>* kept) {
  // Marker first: a directory without marker is never taken for committed.
  for (std::string_view name : {layout::kMarker, layout::kManifest}) {
    std::string path = JoinPath(cdir, name);
    if (refs.files.count(path)) continue;
    Status st = vfs.Unlink(path);
    if (st.ok()) {
      deleted->push_back(path);
    } else if (st.err() != ENOENT) {
      return st;
    }
  }
  std::vector<std::string> dirs;
  std::vector<std::string> stack = {"operators"};
  while (!stack.empty()) {
    std::string rel = stack.back();
    stack.pop_back();
    auto entries = vfs.ListDir(JoinPath(cdir, rel));
    if (!entries.ok()) {
      if (entries.status().err() == ENOENT) continue;
      return entries.status();
    }
    dirs.push_back(rel);
    for (const auto& e : *entries) {
      std::string child = JoinPath(rel, e.name);
      if (e.type == faultfs::FileType::kDirectory) {
        if (rel == "operators") stack.push_back(child);
        continue;
      }
      if (!IsEngineFileInCheckpoint(child)) continue;
      std::string path = JoinPath(cdir, child);
      if (refs.files.count(path)) {
        kept->push_back(path);
        continue;
      }
      Status st = vfs.Unlink(path);
      if (!st.ok() && st.err() != ENOENT) return st;
      if (st.ok()) deleted->push_back(path);
    }
  }
  dirs.insert(dirs.begin(), "");  // the checkpoint dir itself, removed last
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    std::string path = JoinPath(cdir, *it);
    // A directory on the path of a referenced file stays even when that file
    // is missing (lost or not yet visible): GC fails closed, and the missing
    // file is a verification problem of the checkpoints that list it.
    if (LeadsToReference(refs, path)) continue;
    Status st = vfs.Rmdir(path);
    if (st.ok()) {
      deleted->push_back(path + "/");
    } else if (st.err() != ENOENT && st.err() != ENOTEMPTY &&
               st.err() != EEXIST) {
      return st;
    }
  }
  return Status::Ok();
}

}  // namespace

Status DeleteUnreferenced(faultfs::Vfs& vfs, std::string_view dir,
                          const References& refs,
                          const std::set<std::string>& keep_ids,
                          std::vector<std::string>* deleted,
                          std::vector<std::string>* kept) {
  std::string cdir = layout::CheckpointsDir(dir);
  auto entries = vfs.ListDir(cdir);
  if (!entries.ok()) return entries.status();
  for (const auto& e : *entries) {
    if (e.type != faultfs::FileType::kDirectory) {
      if (e.name == layout::kCatalogTmp || e.name == layout::kLatestTmp ||
          e.name == layout::kCheckpointLogTmp || e.name == layout::kHeadTmp) {
        std::string path = JoinPath(cdir, e.name);
        Status st = vfs.Unlink(path);
        if (!st.ok() && st.err() != ENOENT) return st;
        if (st.ok()) deleted->push_back(path);
      }
      continue;
    }
    if (!layout::ParseId(e.name) || keep_ids.count(e.name)) continue;
    CRASHLAB_RETURN_IF_ERROR(
        CleanCheckpointDir(vfs, JoinPath(cdir, e.name), refs, deleted, kept));
  }
  return Status::Ok();
}

Status RemoveCheckpointDir(faultfs::Vfs& vfs, std::string_view dir,
                           const std::string& id,
                           std::vector<std::string>* deleted) {
  std::vector<std::string> kept;
  return CleanCheckpointDir(vfs, layout::CheckpointDir(dir, id), References{},
                            deleted, &kept);
}

}  // namespace crashlab::engine
