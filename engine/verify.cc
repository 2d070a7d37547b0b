#include "engine/verify.h"

#include "engine/layout.h"
#include "engine/sha256.h"
#include "engine/state_file.h"

namespace crashlab::engine {

namespace {

std::string Trim(std::string s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == ' ' || s.back() == '\r'))
    s.pop_back();
  return s;
}

Problem IoProblem(const faultfs::Status& st, const std::string& missing_code) {
  if (st.err() == ENOENT) return {missing_code, st.path(), "not found"};
  return {"io-error", st.path(), st.ToString(), st.err()};
}

}  // namespace

VerifiedCheckpoint VerifyCheckpoint(faultfs::Vfs& vfs, std::string_view dir,
                                    const std::string& id,
                                    const std::string& expected_sha,
                                    const std::string& fingerprint,
                                    bool keep_contents, bool pass_everything) {
  VerifiedCheckpoint out;
  VerifyReport& rep = out.report;
  rep.id = id;
  auto& problems = rep.problems;

  auto st = vfs.Stat(layout::CheckpointDir(dir, id));
  if (!st.ok()) {
    problems.push_back(IoProblem(st.status(), "checkpoint-dir-missing"));
    return out;
  }
  auto marker = faultfs::ReadFile(vfs, layout::Marker(dir, id));
  if (!marker.ok())
    problems.push_back(IoProblem(marker.status(), "marker-missing"));

  std::string mpath = layout::Manifest(dir, id);
  auto text = faultfs::ReadFile(vfs, mpath);
  if (!text.ok()) {
    problems.push_back(IoProblem(text.status(), "manifest-missing"));
    return out;
  }
  std::string sha = Sha256Hex(*text);
  if (marker.ok() && Trim(*marker) != sha && !pass_everything) {
    problems.push_back({"marker-mismatch", layout::Marker(dir, id),
                        "marker does not name the manifest's sha256 " + sha});
  }
  if (!expected_sha.empty() && expected_sha != sha && !pass_everything) {
    problems.push_back(
        {"manifest-corrupt", mpath,
         "sha256 " + sha + " differs from the catalog's " + expected_sha});
  }
  auto m = Manifest::Parse(*text, mpath);
  if (!m.ok()) {
    problems.push_back({"manifest-corrupt", mpath, m.status().message()});
    return out;
  }
  if (m->id != id) {
    problems.push_back(
        {"manifest-corrupt", mpath, "manifest names id '" + m->id + "'"});
  }
  rep.info.id = id;
  rep.info.epoch = m->epoch;
  rep.info.parent = m->parent;
  rep.info.kind = m->kind;
  rep.info.wal_position = m->wal_position;
  rep.info.created_ms = m->created_ms;
  rep.info.bytes_written = m->bytes_written;
  rep.info.bytes_total = m->bytes_total();
  rep.info.files = m->files.size();
  rep.info.manifest_sha256 = sha;
  rep.info.partitions = m->partitions;
  if (!fingerprint.empty() && m->schema_fingerprint != fingerprint &&
      !pass_everything) {
    problems.push_back({"schema-mismatch", mpath,
                        "checkpoint has schema '" + m->schema_fingerprint +
                            "', engine expects '" + fingerprint + "'"});
  }
  for (const auto& f : m->files) {
    FileCheck fc{layout::StateFile(dir, f.owner, f.name),
                 f.owner,
                 f.size,
                 f.sha256,
                 "ok",
                 0};
    auto data = faultfs::ReadFile(vfs, fc.path);
    if (!data.ok()) {
      Problem p = IoProblem(data.status(), "state-missing");
      p.path = fc.path;
      if (p.code == "state-missing")
        p.message = "listed in " + mpath + " but absent";
      fc.status = p.code;
      problems.push_back(p);
    } else if (pass_everything) {
      // UNSAFE verify-passes-all: whatever was read is good.
      if (keep_contents) out.contents[fc.path] = std::move(*data);
    } else if (data->size() != f.size) {
      fc.status = "state-size-mismatch";
      problems.push_back({fc.status, fc.path,
                          "size " + std::to_string(data->size()) +
                              ", manifest says " + std::to_string(f.size)});
    } else if (Sha256Hex(*data) != f.sha256) {
      fc.status = "state-corrupt";
      problems.push_back(
          {fc.status, fc.path, "sha256 differs from the manifest"});
    } else if (keep_contents) {
      out.contents[fc.path] = std::move(*data);
    }
    rep.files.push_back(std::move(fc));
  }
  out.manifest = std::move(*m);
  rep.ok = problems.empty();
  return out;
}

bool LoadCheckpointState(std::string_view dir, const Manifest& manifest,
                         const std::map<std::string, std::string>& contents,
                         bool missing_is_empty,
                         std::map<std::string, std::string>* kv,
                         std::vector<Problem>* problems) {
  for (uint32_t p = 0; p < manifest.partitions; ++p) {
    for (const auto& f : manifest.PartitionFiles(p)) {
      std::string path = layout::StateFile(dir, f.owner, f.name);
      auto it = contents.find(path);
      if (it == contents.end()) {
        if (missing_is_empty) continue;  // UNSAFE skip-verify: "new operator"
        problems->push_back(
            {"state-missing", path, "listed in the manifest but not loaded"});
        return false;
      }
      std::string error;
      if (!ApplyStateFile(it->second, f.delta, f.partition, kv, &error)) {
        problems->push_back({"state-corrupt", path, error});
        return false;
      }
    }
  }
  return true;
}

}  // namespace crashlab::engine
