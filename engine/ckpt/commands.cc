#include "engine/ckpt/commands.h"

#include <ostream>
#include <set>

#include "engine/catalog.h"
#include "engine/checkpoint_log.h"
#include "engine/ckpt/load_file.h"
#include "engine/engine.h"
#include "engine/inspect.h"
#include "faultfs/json_util.h"
#include "faultfs/posix_vfs.h"

namespace crashlab::engine::ckpt {

using faultfs::Status;

int ExitCodeFor(const Status& st) {
  if (st.ok()) return 0;
  if (st.err() == EINVAL && !st.is_corruption()) return 2;
  if (st.is_corruption()) return 1;
  return 3;
}

namespace {

int Fail(Context& c, const Status& st) {
  *c.err << "ckpt: " << c.dir_label << ": " << st.ToString() << "\n";
  return ExitCodeFor(st);
}

// Opens (recovers) the engine; on failure prints the recovery report.
std::unique_ptr<Engine> OpenEngine(Context& c, int* code,
                                   RecoveryResult* res_out = nullptr) {
  RecoveryResult local;
  RecoveryResult& res = res_out ? *res_out : local;
  Options o = c.options;
  o.create_if_missing = false;
  auto e = Engine::Open(*c.vfs, "", o, &res);
  if (!e.ok()) {
    if (c.json) {
      *c.out << faultfs::DumpJson(res.ToJson(), 2) << "\n";
    } else {
      *c.err << res.ToText();
    }
    *code = Fail(c, e.status());
    if (e.status().err() == ENOENT && !e.status().is_corruption()) {
      *c.err << "ckpt: hint: run `ckpt --dir " << c.dir_label
             << " init` first\n";
    }
    return nullptr;
  }
  return std::move(*e);
}

int Finish(Context& c, Engine& e) {
  Status st = e.Close();
  return st.ok() ? 0 : Fail(c, st);
}

}  // namespace

int CmdInit(Context& c) {
  Status st = Engine::Init(*c.vfs, "", c.options);
  if (!st.ok()) {
    int code = Fail(c, st);
    return st.err() == EEXIST ? 2 : code;  // already initialised: a usage error
  }
  *c.out << "initialised " << c.dir_label << "\n";
  return 0;
}

int CmdPut(Context& c, const std::string& key, const std::string& value) {
  int code = 0;
  auto e = OpenEngine(c, &code);
  if (!e) return code;
  auto lsn = e->Put(key, value);
  if (!lsn.ok()) return Fail(c, lsn.status());
  Status st = e->Sync();
  if (!st.ok()) return Fail(c, st);
  *c.out << "ok lsn " << *lsn << " (durable)\n";
  return Finish(c, *e);
}

int CmdDel(Context& c, const std::string& key) {
  int code = 0;
  auto e = OpenEngine(c, &code);
  if (!e) return code;
  auto lsn = e->Delete(key);
  if (!lsn.ok()) return Fail(c, lsn.status());
  Status st = e->Sync();
  if (!st.ok()) return Fail(c, st);
  *c.out << "ok lsn " << *lsn << " (durable)\n";
  return Finish(c, *e);
}

int CmdGet(Context& c, const std::string& key) {
  int code = 0;
  auto e = OpenEngine(c, &code);
  if (!e) return code;
  auto v = e->Get(key);
  if (!v) {
    *c.err << "ckpt: key not found: " << key << "\n";
    return 1;
  }
  *c.out << *v << "\n";
  return Finish(c, *e);
}

int CmdScan(Context& c, const std::string& start, const std::string& end) {
  int code = 0;
  auto e = OpenEngine(c, &code);
  if (!e) return code;
  auto rows = e->Scan(start, end);
  if (c.json) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : rows) j[k] = v;
    *c.out << faultfs::DumpJson(j, 2) << "\n";
  } else {
    for (const auto& [k, v] : rows) *c.out << k << "\t" << v << "\n";
  }
  return Finish(c, *e);
}

int CmdLoad(Context& c, const std::string& file) {
  // The load file is read through a PosixVfs rooted at its directory, like
  // every other file access of the engine.
  std::string parent = faultfs::ParentPath(file);
  if (parent.empty()) parent = file.size() && file[0] == '/' ? "/" : ".";
  auto fvfs = faultfs::PosixVfs::Create(parent);
  Result<std::string> content =
      fvfs.ok() ? faultfs::ReadFile(**fvfs, faultfs::BaseName(file))
                : Result<std::string>(fvfs.status());
  if (!content.ok()) {
    *c.err << "ckpt: " << file << ": " << content.status().ToString() << "\n";
    return 2;
  }
  const std::string& text = *content;
  auto ops = ParseLoadFile(text, file);
  if (!ops.ok()) {
    *c.err << "ckpt: " << ops.status().path() << ": " << ops.status().message()
           << "\n";
    return 2;
  }
  int code = 0;
  auto e = OpenEngine(c, &code);
  if (!e) return code;
  for (const auto& op : *ops) {
    Result<Lsn> r = Status::Ok();
    switch (op.kind) {
      case LoadOp::Kind::kPut:
        r = e->Put(op.key, op.value);
        break;
      case LoadOp::Kind::kDel:
        r = e->Delete(op.key);
        break;
      case LoadOp::Kind::kOffset:
        r = e->SetSourceOffset(op.key, op.number);
        break;
      case LoadOp::Kind::kWatermark:
        r = e->SetWatermark(op.number);
        break;
    }
    if (!r.ok()) return Fail(c, r.status());
  }
  Status st = e->Sync();
  if (!st.ok()) return Fail(c, st);
  *c.out << "loaded " << ops->size() << " operations, durable up to lsn "
         << e->durable_lsn() << "\n";
  return Finish(c, *e);
}

int CmdCheckpoint(Context& c) {
  int code = 0;
  auto e = OpenEngine(c, &code);
  if (!e) return code;
  auto r = e->Checkpoint();
  if (!r.ok()) return Fail(c, r.status());
  if (c.json) {
    nlohmann::json j = {{"checkpoint", r->info.ToJson()},
                        {"gc", r->gc.ToJson()},
                        {"warnings", r->warnings}};
    *c.out << faultfs::DumpJson(j, 2) << "\n";
  } else {
    *c.out << "committed " << r->info.id << " epoch " << r->info.epoch << " "
           << CheckpointKindName(r->info.kind) << " wal position "
           << r->info.wal_position << ", wrote " << r->info.bytes_written
           << " bytes (state files, manifest, marker); needs "
           << r->info.bytes_total << " bytes of state files\n";
    for (const auto& id : r->gc.removed) *c.out << "gc removed " << id << "\n";
    for (const auto& w : r->warnings) *c.out << "warning: " << w << "\n";
  }
  return Finish(c, *e);
}

int CmdList(Context& c) {
  auto cat = ReadCatalog(*c.vfs, "");
  if (!cat.ok()) return Fail(c, cat.status());
  if (c.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& info : cat->checkpoints) j.push_back(info.ToJson());
    *c.out << faultfs::DumpJson(j, 2) << "\n";
    return 0;
  }
  for (const auto& info : cat->checkpoints) {
    *c.out << info.id << "  epoch " << info.epoch << "  "
           << CheckpointKindName(info.kind)
           << (info.parent.empty() ? "" : " of " + info.parent) << "  wal "
           << info.wal_position << "  " << info.bytes_total << " B\n";
  }
  return 0;
}

int CmdVerify(Context& c, const std::string& id) {
  InspectReport rep = Inspect(*c.vfs, "", c.options);
  if (!rep.catalog_ok) {
    for (const auto& p : rep.problems)
      *c.err << "ckpt: " << p.ToString() << "\n";
    return 1;
  }
  bool found = false, ok = true;
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& v : rep.checkpoints) {
    if (!id.empty() && v.id != id) continue;
    found = true;
    ok &= v.ok;
    if (c.json) {
      arr.push_back(v.ToJson());
      continue;
    }
    *c.out << v.id << ": " << (v.ok ? "verified" : "FAILED") << " ("
           << v.files.size() << " files)\n";
    for (const auto& p : v.problems) *c.out << "  " << p.ToString() << "\n";
  }
  if (c.json) *c.out << faultfs::DumpJson(arr, 2) << "\n";
  if (!found) {
    *c.err << "ckpt: "
           << (id.empty() ? "no checkpoints in the catalog"
                          : "not in the catalog: " + id)
           << "\n";
    return id.empty() ? 0 : 1;
  }
  return ok ? 0 : 1;
}

int CmdRecover(Context& c) {
  int code = 0;
  RecoveryResult res;
  auto e = OpenEngine(c, &code, &res);
  if (!e) return code;
  *c.out << (c.json ? faultfs::DumpJson(res.ToJson(), 2) + "\n" : res.ToText());
  return Finish(c, *e);
}

int CmdGc(Context& c) {
  int code = 0;
  auto e = OpenEngine(c, &code);
  if (!e) return code;
  auto r = e->Gc();
  if (!r.ok()) return Fail(c, r.status());
  if (c.json) {
    *c.out << faultfs::DumpJson(r->ToJson(), 2) << "\n";
  } else {
    for (const auto& id : r->removed) *c.out << "removed " << id << "\n";
    for (const auto& f : r->deleted) *c.out << "deleted " << f << "\n";
    for (const auto& f : r->kept_shared)
      *c.out << "kept (shared) " << f << "\n";
    for (const auto& f : r->wal_deleted) *c.out << "deleted wal " << f << "\n";
  }
  return Finish(c, *e);
}

int CmdInspect(Context& c) {
  InspectReport rep = Inspect(*c.vfs, "", c.options);
  *c.out << (c.json ? faultfs::DumpJson(rep.ToJson(), 2) + "\n" : rep.ToText());
  bool ok = rep.catalog_ok;
  for (const auto& v : rep.checkpoints) ok &= v.ok;
  return ok ? 0 : 1;
}

int CmdRebuildCatalog(Context& c) {
  std::vector<Problem> skipped;
  auto ids = Engine::RebuildCatalog(*c.vfs, "", c.options, c.force, &skipped);
  if (!ids.ok()) {
    int code = Fail(c, ids.status());
    if (ids.status().err() != EEXIST) return code;
    *c.err << "ckpt: hint: pass --force to replace it\n";
    return 2;
  }
  for (const auto& id : *ids) *c.out << "listed " << id << "\n";
  for (const auto& p : skipped) *c.out << "skipped: " << p.ToString() << "\n";
  *c.out << "catalog rebuilt with " << ids->size() << " checkpoints\n";
  return 0;
}

int CmdLog(Context& c) {
  auto cat = ReadCatalog(*c.vfs, "");
  if (!cat.ok()) return Fail(c, cat.status());
  auto scan = ScanCheckpointLog(*c.vfs, "");
  if (!scan.ok()) return Fail(c, scan.status());
  // Each record against the catalog: "catalogued", "history" (removed by GC
  // or skipped), "ahead" (newer than the catalog's newest: not committed);
  // catalog entries the log lacks are "missing".
  std::string newest =
      cat->checkpoints.empty() ? "" : cat->checkpoints.back().id;
  std::string status = scan->present ? scan->status : "missing";
  bool consistent = scan->status == "ok" || (!scan->present && newest.empty());
  nlohmann::json recs = nlohmann::json::array();
  std::vector<std::string> lines;
  std::set<std::string> logged;
  for (const auto& r : scan->records) {
    const CheckpointInfo* in = cat->Find(r.info.id);
    std::string state =
        in ? (in->manifest_sha256 == r.info.manifest_sha256 ? "catalogued"
                                                            : "DIFFERS")
           : (r.info.id > newest ? "AHEAD" : "history");
    if (state == "DIFFERS" || state == "AHEAD") consistent = false;
    logged.insert(r.info.id);
    recs.push_back({{"offset", r.offset},
                    {"id", r.info.id},
                    {"epoch", r.info.epoch},
                    {"partitions", r.partitions},
                    {"wal_position", r.info.wal_position},
                    {"state", state}});
    lines.push_back("@" + std::to_string(r.offset) + "  " + r.info.id +
                    "  epoch " + std::to_string(r.info.epoch) + "  " +
                    std::to_string(r.partitions) + " partitions  wal " +
                    std::to_string(r.info.wal_position) + "  " + state);
  }
  std::vector<std::string> missing;
  for (const auto& ci : cat->checkpoints) {
    if (!logged.count(ci.id)) missing.push_back(ci.id);
  }
  if (!missing.empty()) consistent = false;
  if (c.json) {
    nlohmann::json j = {
        {"status", status},          {"detail", scan->detail},
        {"bytes", scan->file_bytes}, {"valid_bytes", scan->valid_bytes},
        {"records", recs},           {"missing", missing},
        {"consistent", consistent}};
    *c.out << j.dump(2) << "\n";
  } else {
    *c.out << "checkpoint log: " << status << ", " << scan->records.size()
           << " records, " << scan->valid_bytes << " of " << scan->file_bytes
           << " bytes intact\n";
    if (!scan->detail.empty()) *c.out << "  " << scan->detail << "\n";
    for (const auto& l : lines) *c.out << "  " << l << "\n";
    for (const auto& m : missing)
      *c.out << "  MISSING " << m << " (in the catalog, not in the log)\n";
    if (!consistent)
      *c.out << "the next open rewrites the log from the catalog\n";
  }
  return consistent ? 0 : 1;
}

int CmdHead(Context& c) {
  auto cat = ReadCatalog(*c.vfs, "");
  if (!cat.ok()) return Fail(c, cat.status());
  auto head = ReadHead(*c.vfs, "");
  std::string newest =
      cat->checkpoints.empty() ? "" : cat->checkpoints.back().id;
  std::string status, id, detail;
  if (!head.ok()) {
    if (!head.status().is_corruption()) return Fail(c, head.status());
    status = "corrupt";
    detail = head.status().ToString();
  } else if (!*head) {
    status = newest.empty() ? "none" : "missing";
  } else {
    id = **head;
    status = id == newest ? "ok" : cat->Find(id) ? "stale" : "unknown";
  }
  bool ok = status == "ok" || status == "none";
  if (c.json) {
    *c.out << nlohmann::json{{"head", id},
                             {"status", status},
                             {"catalog_newest", newest},
                             {"detail", detail}}
                  .dump(2)
           << "\n";
  } else {
    *c.out << "HEAD: " << (id.empty() ? "(none)" : id) << " (" << status
           << "); catalog newest: " << (newest.empty() ? "(none)" : newest)
           << "\n";
    if (!detail.empty()) *c.out << "  " << detail << "\n";
    if (!ok)
      *c.out << "the catalog decides; the next open (e.g. `ckpt recover`) "
                "rewrites HEAD\n";
  }
  return ok ? 0 : 1;
}

int CmdCompact(Context& c) {
  int code = 0;
  auto e = OpenEngine(c, &code);
  if (!e) return code;
  auto r = e->CompactCheckpointLog();
  if (!r.ok()) return Fail(c, r.status());
  if (c.json) {
    *c.out << nlohmann::json{{"records_before", r->records_before},
                             {"records_after", r->records_after},
                             {"bytes_before", r->bytes_before},
                             {"bytes_after", r->bytes_after}}
                  .dump(2)
           << "\n";
  } else {
    *c.out << "checkpoint log compacted: " << r->records_before << " -> "
           << r->records_after << " records, " << r->bytes_before << " -> "
           << r->bytes_after << " bytes\n";
  }
  return Finish(c, *e);
}

int CmdReshard(Context& c, const std::string& partitions) {
  uint64_t n = 0;
  bool digits = !partitions.empty() && partitions.size() <= 4 &&
                partitions.find_first_not_of("0123456789") == std::string::npos;
  if (digits) n = std::stoull(partitions);
  if (!digits || n == 0 || n > 4096) {
    *c.err << "ckpt: reshard: partition count '" << partitions
           << "' is not in 1..4096\n";
    return 2;
  }
  c.options.partitions = static_cast<uint32_t>(n);
  c.options.reshard = true;
  int code = 0;
  RecoveryResult res;
  auto e = OpenEngine(c, &code, &res);
  if (!e) return code;
  nlohmann::json j = {{"partitions", n}, {"from", res.resharded_from}};
  if (res.resharded_from == 0) {
    if (c.json) {
      j["checkpoint"] = nullptr;
      *c.out << j.dump(2) << "\n";
    } else {
      *c.out << "already " << n << " partitions; nothing to do\n";
    }
    return Finish(c, *e);
  }
  auto r = e->Checkpoint(CheckpointKind::kFull);
  if (!r.ok()) return Fail(c, r.status());
  if (c.json) {
    j["checkpoint"] = r->info.ToJson();
    j["warnings"] = r->warnings;
    *c.out << j.dump(2) << "\n";
  } else {
    *c.out << "resharded " << res.resharded_from << " -> " << n
           << " partitions: committed " << r->info.id << " (full)\n";
    for (const auto& w : r->warnings) *c.out << "warning: " << w << "\n";
  }
  return Finish(c, *e);
}

}  // namespace crashlab::engine::ckpt
