#include "engine/inspect.h"

#include <limits>

#include "engine/catalog.h"
#include "engine/gc.h"
#include "engine/latest_hint.h"
#include "engine/layout.h"
#include "engine/verify.h"
#include "engine/wal_reader.h"

namespace crashlab::engine {

InspectReport Inspect(faultfs::Vfs& vfs, std::string_view dir,
                      const Options& options) {
  InspectReport rep;
  auto cat = ReadCatalog(vfs, dir);
  Catalog catalog;
  if (cat.ok()) {
    rep.catalog_present = rep.catalog_ok = true;
    catalog = std::move(*cat);
  } else if (cat.status().err() == ENOENT) {
    rep.problems.push_back(
        {"catalog-missing", layout::Catalog(dir), "no CATALOG.json"});
  } else {
    rep.catalog_present = true;
    rep.problems.push_back(
        {cat.status().is_corruption() ? "catalog-corrupt" : "io-error",
         layout::Catalog(dir), cat.status().ToString(), cat.status().err()});
  }
  References refs;
  std::vector<Problem> ignored;
  CollectReferences(vfs, dir, catalog.checkpoints,
                    /*ignore_manifest_errors=*/true, false, &refs,
                    &ignored)
      .IgnoreError();  // counting only; errors show up in the per-checkpoint
                       // verification
  for (const auto& c : catalog.checkpoints) {
    VerifyReport v =
        VerifyCheckpoint(vfs, dir, c.id, c.manifest_sha256,
                         options.schema_fingerprint, false,
                         options.unsafe.has(UnsafeMode::kVerifyPassesAll))
            .report;
    for (auto& f : v.files) f.refcount = refs.refcount[f.path];
    if (v.info.id.empty()) v.info = c;
    rep.checkpoints.push_back(std::move(v));
  }
  auto entries = vfs.ListDir(layout::CheckpointsDir(dir));
  if (entries.ok()) {
    for (const auto& e : *entries) {
      if (layout::ParseId(e.name) && !catalog.Find(e.name))
        rep.uncatalogued.push_back(e.name);
    }
  } else if (entries.status().err() != ENOENT) {
    rep.problems.push_back({"io-error", entries.status().path(),
                            entries.status().ToString(),
                            entries.status().err()});
  }
  auto latest = faultfs::ReadFile(vfs, layout::Latest(dir));
  if (latest.ok()) {
    rep.latest_hint = *latest;
    while (!rep.latest_hint.empty() && rep.latest_hint.back() == '\n')
      rep.latest_hint.pop_back();
  }
  // The hint against the catalog's newest verified checkpoint (what a safe
  // Open loads with fallback); an I/O error is a problem, never fatal.
  auto hint = ReadLatest(vfs, dir);
  if (hint.ok()) {
    std::string newest;
    std::vector<std::string> ids, failed;
    for (const auto& c : rep.checkpoints) ids.push_back(c.id);
    for (auto it = rep.checkpoints.rbegin(); it != rep.checkpoints.rend();
         ++it) {
      if (it->ok) {
        newest = it->id;
        break;
      }
      failed.push_back(it->id);
    }
    rep.latest_status = ClassifyLatestHint(*hint, newest, ids, failed);
    rep.latest_detail = hint->detail;
    rep.latest_newest_verified = newest;
  } else {
    rep.latest_status = "unreadable";
    rep.latest_detail = hint.status().ToString();
    rep.problems.push_back({"io-error", hint.status().path(),
                            hint.status().ToString(), hint.status().err()});
  }
  auto segs = ListWalSegments(vfs, dir);
  if (!segs.ok()) {
    rep.problems.push_back({"io-error", segs.status().path(),
                            segs.status().ToString(), segs.status().err()});
    return rep;
  }
  for (const auto& s : *segs) {
    WalSegmentInfo w;
    w.path = s.path;
    w.first_lsn = s.first_lsn;
    auto scan = ScanSegment(vfs, s.path, s.first_lsn,
                            std::numeric_limits<uint64_t>::max(), false);
    if (!scan.ok()) {
      w.tail = "unreadable: " + scan.status().ToString();
    } else {
      w.size = scan->file_size;
      w.valid_bytes = scan->valid_bytes;
      w.last_lsn = scan->last_lsn;
      w.records = scan->last_lsn + 1 - s.first_lsn;
      w.tail = scan->tail == SegmentTail::kClean  ? "clean"
               : scan->tail == SegmentTail::kTorn ? "torn: " + scan->detail
                                                  : "corrupt: " + scan->detail;
    }
    rep.wal.push_back(std::move(w));
  }
  return rep;
}

nlohmann::json InspectReport::ToJson() const {
  nlohmann::json cps = nlohmann::json::array();
  for (const auto& c : checkpoints) cps.push_back(c.ToJson());
  nlohmann::json wal_j = nlohmann::json::array();
  for (const auto& w : wal) {
    wal_j.push_back({{"path", w.path},
                     {"size", w.size},
                     {"first_lsn", w.first_lsn},
                     {"last_lsn", w.last_lsn},
                     {"records", w.records},
                     {"valid_bytes", w.valid_bytes},
                     {"tail", w.tail}});
  }
  nlohmann::json problems_j = nlohmann::json::array();
  for (const auto& p : problems) problems_j.push_back(p.ToJson());
  return {{"catalog_present", catalog_present},
          {"catalog_ok", catalog_ok},
          {"checkpoints", cps},
          {"uncatalogued", uncatalogued},
          {"latest_hint", latest_hint},
          {"latest_status", latest_status},
          {"latest_detail", latest_detail},
          {"latest_newest_verified", latest_newest_verified},
          {"wal", wal_j},
          {"problems", problems_j}};
}

std::string InspectReport::ToText() const {
  std::string s;
  s += "catalog: " +
       std::string(!catalog_present ? "MISSING"
                   : catalog_ok     ? "ok"
                                    : "CORRUPT") +
       "\n";
  for (const auto& p : problems) s += "  problem: " + p.ToString() + "\n";
  s += "checkpoints (oldest first): " + std::to_string(checkpoints.size()) +
       "\n";
  for (const auto& c : checkpoints) {
    s += "  " + c.id + "  epoch " + std::to_string(c.info.epoch) + "  " +
         std::string(CheckpointKindName(c.info.kind)) +
         (c.info.parent.empty() ? "" : " (parent " + c.info.parent + ")") +
         "  wal " + std::to_string(c.info.wal_position) + "  state written " +
         std::to_string(c.info.bytes_written) + " B, needed " +
         std::to_string(c.info.bytes_total) + " B  " +
         (c.ok ? "VERIFIED" : "FAILED") + "\n";
    for (const auto& f : c.files) {
      s += "      " + f.status + "  " + f.path + "  " + std::to_string(f.size) +
           " B  refs " + std::to_string(f.refcount) + "\n";
    }
    for (const auto& p : c.problems)
      s += "      problem: " + p.ToString() + "\n";
  }
  for (const auto& u : uncatalogued) s += "  not in catalog: " + u + "\n";
  s += "LATEST hint: " +
       (latest_hint.empty() ? std::string("(none)") : latest_hint) + "  " +
       latest_status;
  if (latest_status != "ok" && latest_status != "none")
    s += " (the catalog's newest verified checkpoint: " +
         (latest_newest_verified.empty() ? std::string("none")
                                         : latest_newest_verified) +
         (latest_detail.empty() ? "" : "; " + latest_detail) +
         "; a hint only, ignored)";
  s += "\n";
  s += "wal segments: " + std::to_string(wal.size()) + "\n";
  for (const auto& w : wal) {
    s += "  " + w.path + "  lsn " + std::to_string(w.first_lsn) + ".." +
         std::to_string(w.last_lsn) + "  " + std::to_string(w.valid_bytes) +
         "/" + std::to_string(w.size) + " B  " + w.tail + "\n";
  }
  return s;
}

}  // namespace crashlab::engine
