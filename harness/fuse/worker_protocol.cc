#include "harness/fuse/worker_protocol.h"

#include <map>

#include "faultfs/json_util.h"

namespace crashlab::harness {

using faultfs::Result;
using faultfs::Status;
using nlohmann::json;

namespace {

constexpr const char* kWhere = "worker output";

std::string Dump(const json& j) { return faultfs::DumpJson(j); }

Status Bad(const std::string& message) {
  return Status::InvalidArgument(kWhere, message);
}

// Field readers: an error names the field and what it should have been.
Result<uint64_t> Uint(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(std::string("missing \"") + key + "\"");
  if (!it->is_number_unsigned())
    return Bad(std::string("\"") + key + "\" must be a non-negative integer");
  return it->get<uint64_t>();
}

Result<int64_t> Int(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(std::string("missing \"") + key + "\"");
  if (!it->is_number_integer())
    return Bad(std::string("\"") + key + "\" must be an integer");
  return it->get<int64_t>();
}

Result<std::string> Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(std::string("missing \"") + key + "\"");
  if (!it->is_string())
    return Bad(std::string("\"") + key + "\" must be a string");
  return it->get<std::string>();
}

Result<bool> Bool(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(std::string("missing \"") + key + "\"");
  if (!it->is_boolean())
    return Bad(std::string("\"") + key + "\" must be a boolean");
  return it->get<bool>();
}

Result<std::vector<std::string>> Strings(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(std::string("missing \"") + key + "\"");
  if (!it->is_array())
    return Bad(std::string("\"") + key + "\" must be an array of strings");
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string())
      return Bad(std::string("\"") + key + "\" must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

// An op line: a trace entry (faultfs::TraceEntry::Parse), its errors
// reported as the worker output's.
Result<faultfs::TraceEntry> OpFromJson(const json& j) {
  auto e = faultfs::TraceEntry::Parse(j);
  if (!e.ok()) return Bad(e.status().message());
  return e;
}

json Event(const char* name) { return json{{"event", name}}; }

json ProblemToJson(const engine::Problem& p) { return p.ToJson(); }

Result<engine::Problem> ProblemFromJson(const json& j) {
  if (!j.is_object()) return Bad("a problem must be an object");
  engine::Problem p;
  auto code = Str(j, "code");
  if (!code.ok()) return code.status();
  p.code = *code;
  p.path = j.value("path", std::string());
  p.message = j.value("message", std::string());
  if (auto it = j.find("errno"); it != j.end()) {
    if (!it->is_string() ||
        faultfs::ErrnoFromName(it->get<std::string>()) == 0) {
      return Bad("a problem's \"errno\" must be an errno name");
    }
    p.err = faultfs::ErrnoFromName(it->get<std::string>());
  }
  return p;
}

Result<std::vector<engine::Problem>> ProblemsFromJson(const json& j,
                                                      const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array())
    return Bad(std::string("\"") + key + "\" must be an array");
  std::vector<engine::Problem> out;
  for (const auto& v : *it) {
    auto p = ProblemFromJson(v);
    if (!p.ok()) return p.status();
    out.push_back(*p);
  }
  return out;
}

Result<engine::RecoveryResult> RecoveryResultFromJson(const json& j) {
  if (!j.is_object()) return Bad("\"result\" must be an object");
  engine::RecoveryResult r;
  try {
    r.ok = j.at("ok").get<bool>();
    r.fresh = j.at("fresh").get<bool>();
    r.checkpoint_id = j.at("checkpoint").get<std::string>();
    r.epoch = j.at("epoch").get<uint64_t>();
    r.wal_position = j.at("wal_position").get<uint64_t>();
    r.skipped_checkpoints =
        j.at("skipped_checkpoints").get<std::vector<std::string>>();
    r.fallback_used = j.at("fallback_used").get<bool>();
    r.records_replayed = j.at("records_replayed").get<uint64_t>();
    r.bytes_repersisted = j.at("bytes_repersisted").get<uint64_t>();
    r.last_lsn = j.at("last_lsn").get<uint64_t>();
    r.bytes_cut = j.at("bytes_cut").get<uint64_t>();
    r.torn_segment = j.at("torn_segment").get<std::string>();
    r.keys = j.at("keys").get<uint64_t>();
    r.catalog = j.at("catalog").get<std::vector<std::string>>();
    r.deleted = j.at("deleted").get<std::vector<std::string>>();
    r.error = j.at("error").get<std::string>();
  } catch (const json::exception& e) {
    return Bad(std::string("\"result\": ") + e.what());
  }
  auto problems = ProblemsFromJson(j, "problems");
  if (!problems.ok()) return problems.status();
  r.problems = *problems;
  return r;
}

json DumpToJson(const engine::StateDump& d) {
  return json{{"kv", d.kv},
              {"source_offsets", d.source_offsets},
              {"watermark", d.watermark}};
}

Result<engine::StateDump> DumpFromJson(const json& j) {
  engine::StateDump d;
  try {
    d.kv = j.at("kv").get<std::map<std::string, std::string>>();
    d.source_offsets =
        j.at("source_offsets").get<std::map<std::string, uint64_t>>();
    d.watermark = j.at("watermark").get<uint64_t>();
  } catch (const json::exception& e) {
    return Bad(std::string("\"dump\": ") + e.what());
  }
  return d;
}

// The fields each event must carry (beyond "event").
Status CheckFields(WorkerEvent::Kind kind, const json& j) {
  using K = WorkerEvent::Kind;
  switch (kind) {
    case K::kOp:
      return OpFromJson(j).status();
    case K::kAck:
      CRASHLAB_RETURN_IF_ERROR(Uint(j, "at").status());
      return Uint(j, "durable_lsn").status();
    case K::kCheckpointAck:
      CRASHLAB_RETURN_IF_ERROR(Uint(j, "at").status());
      return Str(j, "id").status();
    case K::kStep:
      CRASHLAB_RETURN_IF_ERROR(Int(j, "step").status());
      CRASHLAB_RETURN_IF_ERROR(Uint(j, "begin").status());
      CRASHLAB_RETURN_IF_ERROR(Uint(j, "end").status());
      return Str(j, "outcome").status();
    case K::kFault:
      return InjectedFaultFromJson(j).status();
    case K::kCrashPoint:
      return Uint(j, "op").status();
    case K::kDone:
      return Uint(j, "ops").status();
    case K::kRecovery:
      return RecoveryOutcomeFromJson(j).status();
    case K::kError:
    case K::kNote:
      return Str(j, "message").status();
    case K::kException:
      CRASHLAB_RETURN_IF_ERROR(Uint(j, "at").status());
      return Str(j, "message").status();
  }
  return Bad("unknown event kind");
}

const std::map<std::string, WorkerEvent::Kind>& EventNames() {
  using K = WorkerEvent::Kind;
  static const std::map<std::string, K> names = {
      {"op", K::kOp},
      {"ack", K::kAck},
      {"checkpoint_ack", K::kCheckpointAck},
      {"step", K::kStep},
      {"fault", K::kFault},
      {"crash_point", K::kCrashPoint},
      {"done", K::kDone},
      {"recovery", K::kRecovery},
      {"error", K::kError},
      {"exception", K::kException},
      {"note", K::kNote},
  };
  return names;
}

}  // namespace

Result<faultfs::InjectedFault> InjectedFaultFromJson(const json& j) {
  faultfs::InjectedFault f;
  auto index = Uint(j, "op_index");
  if (!index.ok()) return index.status();
  auto op = Str(j, "op");
  if (!op.ok()) return op.status();
  auto kind = faultfs::OpFromName(*op);
  if (!kind) return Bad("unknown operation \"" + *op + "\"");
  auto path = Str(j, "path");
  if (!path.ok()) return path.status();
  auto action = Str(j, "action");
  if (!action.ok()) return action.status();
  auto act = faultfs::ActionFromName(*action);
  if (!act) return Bad("unknown fault action \"" + *action + "\"");
  f.op_index = *index;
  f.op = *kind;
  f.path = *path;
  f.action = *act;
  f.offset = j.value("offset", uint64_t{0});
  f.length = j.value("length", uint64_t{0});
  if (auto it = j.find("errno"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return Bad("\"errno\" must be an errno name or null");
    f.err = faultfs::ErrnoFromName(it->get<std::string>());
    if (f.err == 0)
      return Bad("unknown errno \"" + it->get<std::string>() + "\"");
  }
  f.rule_index = j.value("rule", size_t{0});
  f.detail = j.value("detail", std::string());
  return f;
}

Result<WorkerEvent> ParseWorkerEvent(const std::string& line) {
  if (auto at = faultfs::JsonTooDeepAt(line))
    return Bad("not valid JSON: " + faultfs::JsonTooDeepMessage(*at));
  json j;
  try {
    j = json::parse(line);
  } catch (const json::parse_error& e) {
    return Bad(std::string("not valid JSON: ") + e.what());
  } catch (const json::exception& e) {  // out_of_range: a number like 1e400
    return Bad(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) return Bad("an event must be a JSON object");
  auto name = Str(j, "event");
  if (!name.ok()) return name.status();
  auto it = EventNames().find(*name);
  if (it == EventNames().end()) return Bad("unknown event \"" + *name + "\"");
  try {
    CRASHLAB_RETURN_IF_ERROR(CheckFields(it->second, j));
  } catch (const json::exception& e) {
    return Bad("event \"" + *name + "\": " + e.what());
  }
  return WorkerEvent{.kind = it->second, .body = std::move(j)};
}

json RecoveryOutcomeToJson(const RecoveryOutcome& o) {
  json faults = json::array();
  for (const auto& f : o.faults) faults.push_back(f.ToJson());
  json trace = json::array();
  for (const auto& e : o.trace) trace.push_back(e.ToJson());
  json problems = json::array();
  for (const auto& p : o.newest_problems) problems.push_back(ProblemToJson(p));
  return json{
      {"threw", o.threw},
      {"exception", o.exception},
      {"ok", o.ok},
      {"status", o.status},
      {"result", o.result.ToJson()},
      {"dump", DumpToJson(o.dump)},
      {"catalog", o.catalog},
      {"deleted", o.deleted},
      {"faults", faults},
      {"trace", trace},
      {"catalog_present", o.catalog_present},
      {"catalog_ok", o.catalog_ok},
      {"newest_id", o.newest_id},
      {"newest_problems", problems},
      {"committed_dirs", o.committed_dirs},
      {"idempotence_failure",
       o.idempotence_failure ? json(*o.idempotence_failure) : json(nullptr)},
      {"nested_states", o.nested_states}};
}

Result<RecoveryOutcome> RecoveryOutcomeFromJson(const json& j) {
  if (!j.is_object()) return Bad("a recovery outcome must be an object");
  RecoveryOutcome o;
  auto threw = Bool(j, "threw");
  if (!threw.ok()) return threw.status();
  o.threw = *threw;
  auto exception = Str(j, "exception");
  if (!exception.ok()) return exception.status();
  o.exception = *exception;
  auto ok = Bool(j, "ok");
  if (!ok.ok()) return ok.status();
  o.ok = *ok;
  auto status = Str(j, "status");
  if (!status.ok()) return status.status();
  o.status = *status;
  auto result =
      RecoveryResultFromJson(j.contains("result") ? j.at("result") : json());
  if (!result.ok()) return result.status();
  o.result = *result;
  auto dump = DumpFromJson(j.contains("dump") ? j.at("dump") : json::object());
  if (!dump.ok()) return dump.status();
  o.dump = *dump;
  for (auto [key, out] :
       {std::pair{"catalog", &o.catalog}, std::pair{"deleted", &o.deleted},
        std::pair{"committed_dirs", &o.committed_dirs}}) {
    auto v = Strings(j, key);
    if (!v.ok()) return v.status();
    *out = *v;
  }
  auto faults = j.find("faults");
  if (faults == j.end() || !faults->is_array())
    return Bad("\"faults\" must be an array");
  for (const auto& f : *faults) {
    auto fault = InjectedFaultFromJson(f);
    if (!fault.ok()) return fault.status();
    o.faults.push_back(*fault);
  }
  auto trace = j.find("trace");
  if (trace == j.end() || !trace->is_array())
    return Bad("\"trace\" must be an array");
  for (const auto& e : *trace) {
    auto entry = OpFromJson(e);
    if (!entry.ok()) return entry.status();
    o.trace.push_back(*entry);
  }
  auto present = Bool(j, "catalog_present");
  if (!present.ok()) return present.status();
  o.catalog_present = *present;
  auto cat_ok = Bool(j, "catalog_ok");
  if (!cat_ok.ok()) return cat_ok.status();
  o.catalog_ok = *cat_ok;
  auto newest = Str(j, "newest_id");
  if (!newest.ok()) return newest.status();
  o.newest_id = *newest;
  auto problems = ProblemsFromJson(j, "newest_problems");
  if (!problems.ok()) return problems.status();
  o.newest_problems = *problems;
  if (auto it = j.find("idempotence_failure");
      it != j.end() && !it->is_null()) {
    if (!it->is_string())
      return Bad("\"idempotence_failure\" must be a string or null");
    o.idempotence_failure = it->get<std::string>();
  }
  auto nested = Uint(j, "nested_states");
  if (!nested.ok()) return nested.status();
  o.nested_states = *nested;
  return o;
}

Status AddWorkerEvent(const WorkerEvent& event, WorkerReport* report) {
  using K = WorkerEvent::Kind;
  const json& j = event.body;
  try {
    switch (event.kind) {
      case K::kOp: {
        auto e = OpFromJson(j);
        if (!e.ok()) return e.status();
        if (e->index != report->ops.size()) {
          return Bad("op " + std::to_string(e->index) + " after " +
                     std::to_string(report->ops.size()) +
                     " ops: operations must be numbered 0, 1, 2, ...");
        }
        report->ops.push_back(*e);
        return Status::Ok();
      }
      case K::kAck:
        report->acks.push_back(
            AckEvent{.at = j.at("at").get<uint64_t>(),
                     .durable_lsn = j.at("durable_lsn").get<uint64_t>()});
        return Status::Ok();
      case K::kCheckpointAck:
        report->checkpoint_acks.push_back(
            CheckpointAck{.at = j.at("at").get<uint64_t>(),
                          .id = j.at("id").get<std::string>()});
        return Status::Ok();
      case K::kStep:
        report->steps.push_back(
            StepSpan{.step = j.at("step").get<int64_t>(),
                     .begin = j.at("begin").get<uint64_t>(),
                     .end = j.at("end").get<uint64_t>(),
                     .outcome = j.at("outcome").get<std::string>()});
        return Status::Ok();
      case K::kFault: {
        auto f = InjectedFaultFromJson(j);
        if (!f.ok()) return f.status();
        report->faults.push_back(*f);
        return Status::Ok();
      }
      case K::kCrashPoint:
        report->crash_point = j.at("op").get<uint64_t>();
        return Status::Ok();
      case K::kDone:
        report->done_ops = j.at("ops").get<uint64_t>();
        return Status::Ok();
      case K::kError:
        report->error = j.at("message").get<std::string>();
        return Status::Ok();
      case K::kException:
        report->exception = std::make_pair(j.at("at").get<uint64_t>(),
                                           j.at("message").get<std::string>());
        return Status::Ok();
      case K::kNote:
        report->notes.push_back(j.at("message").get<std::string>());
        return Status::Ok();
      case K::kRecovery:
        return Status::Ok();  // a recover worker's result:
                              // RecoveryOutcomeFromJson(event.body)
    }
  } catch (const json::exception& e) {
    return Bad(std::string("malformed event: ") + e.what());
  }
  return Bad("unknown event kind");
}

// ---------------------------------------------------------------- writing

std::string OpEventLine(const faultfs::TraceEntry& e) {
  json j = Event("op");
  j["index"] = e.index;
  j["op"] = std::string(faultfs::OpName(e.op));
  j["path"] = e.path;
  if (!e.path2.empty()) j["path2"] = e.path2;
  if (e.op == faultfs::OpKind::kRead || e.op == faultfs::OpKind::kWrite ||
      e.op == faultfs::OpKind::kTruncate) {
    j["offset"] = e.offset;
    j["length"] = e.length;
  }
  j["result"] = e.result;
  if (!e.fault.empty()) j["fault"] = e.fault;
  return Dump(j);
}

std::string AckEventLine(const AckEvent& ack) {
  json j = Event("ack");
  j["at"] = ack.at;
  j["durable_lsn"] = ack.durable_lsn;
  return Dump(j);
}

std::string CheckpointAckEventLine(const CheckpointAck& ack) {
  json j = Event("checkpoint_ack");
  j["at"] = ack.at;
  j["id"] = ack.id;
  return Dump(j);
}

std::string StepEventLine(const StepSpan& span) {
  json j = Event("step");
  j["step"] = span.step;
  j["begin"] = span.begin;
  j["end"] = span.end;
  j["outcome"] = span.outcome;
  return Dump(j);
}

std::string FaultEventLine(const faultfs::InjectedFault& fault) {
  json j = Event("fault");
  j.update(fault.ToJson());
  return Dump(j);
}

std::string CrashPointEventLine(uint64_t op) {
  json j = Event("crash_point");
  j["op"] = op;
  return Dump(j);
}

std::string DoneEventLine(uint64_t ops) {
  json j = Event("done");
  j["ops"] = ops;
  return Dump(j);
}

std::string ErrorEventLine(const std::string& message) {
  json j = Event("error");
  j["message"] = message;
  return Dump(j);
}

std::string ExceptionEventLine(uint64_t at, const std::string& message) {
  json j = Event("exception");
  j["at"] = at;
  j["message"] = message;
  return Dump(j);
}

std::string NoteEventLine(const std::string& message) {
  json j = Event("note");
  j["message"] = message;
  return Dump(j);
}

std::string RecoveryEventLine(const RecoveryOutcome& outcome) {
  json j = Event("recovery");
  j.update(RecoveryOutcomeToJson(outcome));
  return Dump(j);
}

}  // namespace crashlab::harness
