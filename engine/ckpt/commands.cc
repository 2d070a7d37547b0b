#include "engine/ckpt/commands.h"

#include <ostream>

#include "engine/catalog.h"
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

}  // namespace crashlab::engine::ckpt
