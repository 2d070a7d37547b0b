// JSON -> RunRecord. Derived fields ("summary", "expectation_met",
// "crash_points_explored") are ignored; unknown fields are ignored too, so a
// newer writer with extra fields stays readable.

#include <string>

#include "reports/field_reader.h"
#include "reports/run_record.h"

namespace crashlab::reports {

using nlohmann::json;

namespace {

bool ParseVerdict(const std::string& name, Verdict* out) {
  if (name == "pass")
    *out = Verdict::kPass;
  else if (name == "fail")
    *out = Verdict::kFail;
  else if (name == "error")
    *out = Verdict::kError;
  else
    return false;
  return true;
}

void GetVerdict(FieldReader& r, const char* key, Verdict* out,
                bool allow_error) {
  std::string name;
  r.Get(key, &name);
  if (!r.ok()) return;
  if (!ParseVerdict(name, out) || (!allow_error && *out == Verdict::kError)) {
    r.Fail(key, std::string("expected ") +
                    (allow_error ? "\"pass\", \"fail\" or \"error\""
                                 : "\"pass\" or \"fail\"") +
                    ", got \"" + name + "\"");
  }
}

RunInfo ReadRun(const json& j, const std::string& ptr, Status* st) {
  RunInfo r;
  FieldReader f(j, ptr, st);
  f.Get("crashlab_version", &r.crashlab_version);
  f.Opt("commit", &r.commit);
  f.Get("seed", &r.seed);
  f.Get("modes", &r.modes);
  std::string shard;
  f.Get("shard", &shard);
  if (f.ok()) {
    auto parsed = Shard::Parse(shard);
    if (!parsed.ok())
      f.Fail("shard", parsed.status().message());
    else
      r.shard = *parsed;
  }
  if (const json* m = f.Object("machine")) {
    FieldReader mf(*m, f.Child("machine"), st);
    mf.Get("hostname", &r.machine.hostname);
    mf.Get("kernel", &r.machine.kernel);
    mf.Get("cores", &r.machine.cores);
  }
  f.Get("started", &r.started);
  f.Get("finished", &r.finished);
  f.Get("duration_seconds", &r.duration_seconds);
  return r;
}

InvariantCount ReadInvariant(const json& j, const std::string& ptr,
                             Status* st) {
  InvariantCount c;
  FieldReader f(j, ptr, st);
  f.Get("id", &c.id);
  f.Get("held", &c.held);
  f.Get("violated", &c.violated);
  return c;
}

ScenarioResult ReadScenario(const json& j, const std::string& ptr, Status* st) {
  ScenarioResult s;
  FieldReader f(j, ptr, st);
  f.Get("file", &s.file);
  f.Get("name", &s.name);
  f.Get("mode", &s.mode);
  GetVerdict(f, "verdict", &s.verdict, true);
  f.Opt("error", &s.error);
  if (const json* e = f.Object("expected")) {
    FieldReader ef(*e, f.Child("expected"), st);
    GetVerdict(ef, "verdict", &s.expected.verdict, false);
    ef.Opt("violated", &s.expected.violated);
  }
  f.Get("crash_points", &s.crash_points);
  f.Get("crash_states_explored", &s.crash_states);
  // Absent in reports written before these counts existed.
  f.Opt("distinct_images", &s.distinct_images);
  f.Opt("recoveries", &s.recoveries);
  f.Opt("nested_crashes", &s.nested_crashes);
  f.Opt("checks", &s.checks);
  f.GetArray<InvariantCount>("invariants", &s.invariants, true, ReadInvariant);
  f.Get("duration_seconds", &s.duration_seconds);
  f.GetAny("runs", &s.runs, false);
  return s;
}

TraceOp ReadTraceOp(const json& j, const std::string& ptr, Status* st) {
  TraceOp o;
  FieldReader f(j, ptr, st);
  f.Get("index", &o.index);
  f.Get("op", &o.op);
  f.Get("path", &o.path);
  f.Opt("path2", &o.path2);
  f.Opt("offset", &o.offset);
  f.Opt("length", &o.length);
  f.Opt("result", &o.result);
  f.Opt("persistence_point", &o.persistence_point);
  f.Opt("fault", &o.fault);
  return o;
}

FaultEvent ReadFault(const json& j, const std::string& ptr, Status* st) {
  FaultEvent e;
  FieldReader f(j, ptr, st);
  f.Get("index", &e.index);
  f.Get("op", &e.op);
  f.Get("path", &e.path);
  f.Opt("offset", &e.offset);
  f.Opt("length", &e.length);
  f.Get("kind", &e.kind);
  f.Opt("errno", &e.errno_name);
  f.Opt("detail", &e.detail);
  return e;
}

CatalogEntry ReadCatalogEntry(const json& j, const std::string& ptr,
                              Status* st) {
  CatalogEntry e;
  FieldReader f(j, ptr, st);
  f.Get("id", &e.id);
  f.GetAny("detail", &e.detail, false);
  return e;
}

AckedOp ReadAcked(const json& j, const std::string& ptr, Status* st) {
  AckedOp a;
  FieldReader f(j, ptr, st);
  f.Get("seq", &a.seq);
  f.Get("op", &a.op);
  f.Opt("key", &a.key);
  return a;
}

CheckpointFiles ReadCheckpointFiles(const json& j, const std::string& ptr,
                                    Status* st) {
  CheckpointFiles c;
  FieldReader f(j, ptr, st);
  f.Get("checkpoint", &c.checkpoint);
  f.Opt("kept", &c.kept);
  f.Opt("removed", &c.removed);
  f.Opt("missing", &c.missing);
  return c;
}

FileImage ReadImage(FieldReader& parent, const char* key, Status* st) {
  FileImage img;
  const json* j = parent.Object(key);
  if (j == nullptr) return img;
  FieldReader f(*j, parent.Child(key), st);
  f.Get("exists", &img.exists);
  f.Opt("kind", &img.kind);
  f.Opt("size", &img.size);
  f.Opt("digest", &img.digest);
  return img;
}

FileState ReadFileState(const json& j, const std::string& ptr, Status* st) {
  FileState s;
  FieldReader f(j, ptr, st);
  f.Get("path", &s.path);
  s.durable = ReadImage(f, "durable", st);
  s.visible = ReadImage(f, "visible", st);
  return s;
}

KeyDiff ReadKeyDiff(const json& j, const std::string& ptr, Status* st) {
  KeyDiff d;
  FieldReader f(j, ptr, st);
  f.Get("key", &d.key);
  f.Opt("expected", &d.expected);
  f.Opt("recovered", &d.recovered);
  return d;
}

Violation ReadViolation(const json& j, const std::string& ptr, Status* st) {
  Violation v;
  FieldReader f(j, ptr, st);
  f.Get("scenario_file", &v.scenario_file);
  f.Get("scenario", &v.scenario);
  f.Get("mode", &v.mode);
  f.Get("invariant", &v.invariant);
  f.Get("message", &v.message);
  f.Get("crash_point", &v.crash_point);
  f.Get("crash_mode", &v.crash_mode);
  f.GetArray<TraceOp>("trace", &v.trace, false, ReadTraceOp);
  f.GetArray<FaultEvent>("faults", &v.faults, false, ReadFault);
  if (const json* c = f.Object("catalog", false)) {
    FieldReader cf(*c, f.Child("catalog"), st);
    cf.GetArray<CatalogEntry>("expected", &v.catalog_expected, false,
                              ReadCatalogEntry);
    cf.GetArray<CatalogEntry>("recovered", &v.catalog_recovered, false,
                              ReadCatalogEntry);
  }
  if (const json* w = f.Object("wal", false)) {
    FieldReader wf(*w, f.Child("wal"), st);
    wf.Opt("issued", &v.wal.issued);
    wf.GetArray<AckedOp>("acknowledged", &v.wal.acknowledged, false, ReadAcked);
    wf.Opt("recovered_prefix", &v.wal.recovered_prefix);
  }
  f.GetArray<CheckpointFiles>("checkpoint_files", &v.checkpoint_files, false,
                              ReadCheckpointFiles);
  f.GetArray<FileState>("files", &v.files, false, ReadFileState);
  if (const json* d = f.Object("state", false)) {
    FieldReader df(*d, f.Child("state"), st);
    df.Opt("matching", &v.state.matching);
    df.GetArray<KeyDiff>("differences", &v.state.differences, false,
                         ReadKeyDiff);
  }
  f.GetAny("recovery_result", &v.recovery_result, false);
  f.GetAny("loss", &v.loss, false);  // absent in reports before it existed
  if (f.ok() && !v.loss.is_null() &&
      !(v.loss.is_object() && v.loss.contains("files") &&
        v.loss["files"].is_array())) {
    f.Fail("loss", "expected null or an object with a \"files\" array");
  }
  f.Opt("reproducer", &v.reproducer);
  f.Get("reproduce_command", &v.reproduce_command);
  return v;
}

}  // namespace

Result<RunRecord> FromJson(const json& j) {
  Status st;
  RunRecord record;
  FieldReader f(j, "", &st);
  std::string format;
  f.Get("format", &format);
  if (f.ok() && format != kFormatName) {
    f.Fail("format", "expected \"" + std::string(kFormatName) + "\", got \"" +
                         format + "\"");
  }
  f.Get("format_version", &record.format_version);
  if (f.ok() && record.format_version != kFormatVersion) {
    f.Fail("format_version", "unsupported format version " +
                                 std::to_string(record.format_version) +
                                 " (this crashlab reads version " +
                                 std::to_string(kFormatVersion) + ")");
  }
  if (const json* run = f.Object("run"))
    record.run = ReadRun(*run, "/run", &st);
  f.GetArray<ScenarioResult>("scenarios", &record.scenarios, true,
                             ReadScenario);
  f.GetArray<Violation>("violations", &record.violations, true, ReadViolation);
  if (!st.ok()) return st;
  return record;
}

}  // namespace crashlab::reports
