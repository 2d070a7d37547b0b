#include "faultfs/trace.h"

#include <nlohmann/json.hpp>

#include "faultfs/json_util.h"

namespace crashlab::faultfs {

nlohmann::json TraceEntry::ToJson() const {
  nlohmann::json j = {
      {"index", index}, {"op", std::string(OpName(op))}, {"path", path}};
  if (!path2.empty()) j["path2"] = path2;
  if (op == OpKind::kRead || op == OpKind::kWrite || op == OpKind::kTruncate) {
    j["offset"] = offset;
    j["length"] = length;
  }
  j["result"] = result == 0 ? "ok" : ErrnoName(result);
  if (persistence_point) j["persistence_point"] = true;
  if (!fault.empty()) j["fault"] = fault;
  return j;
}

namespace {

Status Bad(const std::string& message) {
  return Status::InvalidArgument("trace entry", message);
}

Result<std::string> Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return Bad(std::string("missing \"") + key + "\"");
  if (!it->is_string())
    return Bad(std::string("\"") + key + "\" must be a string");
  return it->get<std::string>();
}

Result<uint64_t> OptionalUint(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return uint64_t{0};
  if (!it->is_number_unsigned())
    return Bad(std::string("\"") + key + "\" must be a non-negative integer");
  return it->get<uint64_t>();
}

// The errno of "result": a number, or a name ("EIO", "ok").
Result<int> ResultErrno(const nlohmann::json& j) {
  auto it = j.find("result");
  if (it == j.end()) return Bad("missing \"result\"");
  if (it->is_number_integer() && it->get<int64_t>() >= 0 &&
      it->get<int64_t>() < 4096) {
    return static_cast<int>(it->get<int64_t>());
  }
  if (it->is_string()) {
    std::string name = it->get<std::string>();
    if (name == "ok") return 0;
    if (int err = ErrnoFromName(name); err != 0) return err;
  }
  return Bad("\"result\" must be an errno (0 for success)");
}

}  // namespace

Result<TraceEntry> TraceEntry::Parse(const nlohmann::json& j) {
  if (!j.is_object()) return Bad("must be a JSON object");
  TraceEntry e;
  if (!j.contains("index")) return Bad("missing \"index\"");
  auto index = OptionalUint(j, "index");
  if (!index.ok()) return index.status();
  auto op = Str(j, "op");
  if (!op.ok()) return op.status();
  auto kind = OpFromName(*op);
  if (!kind) return Bad("unknown operation \"" + *op + "\"");
  auto path = Str(j, "path");
  if (!path.ok()) return path.status();
  auto result = ResultErrno(j);
  if (!result.ok()) return result.status();
  auto offset = OptionalUint(j, "offset");
  if (!offset.ok()) return offset.status();
  auto length = OptionalUint(j, "length");
  if (!length.ok()) return length.status();
  e.index = *index;
  e.op = *kind;
  e.path = *path;
  e.result = *result;
  e.offset = *offset;
  e.length = *length;
  if (j.contains("path2")) {
    auto path2 = Str(j, "path2");
    if (!path2.ok()) return path2.status();
    e.path2 = *path2;
  }
  if (j.contains("fault")) {
    auto fault = Str(j, "fault");
    if (!fault.ok()) return fault.status();
    e.fault = *fault;
  }
  e.persistence_point = IsPersistencePoint(e.op);
  return e;
}

std::string TraceToJsonLines(const std::vector<TraceEntry>& trace) {
  std::string out;
  for (const auto& e : trace) {
    out += DumpJson(e.ToJson());
    out += '\n';
  }
  return out;
}

}  // namespace crashlab::faultfs
