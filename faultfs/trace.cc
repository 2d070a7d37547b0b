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

TraceEntry TraceEntry::FromJson(const nlohmann::json& j) {
  TraceEntry e;
  e.index = j.value("index", uint64_t{0});
  e.op = OpFromName(j.value("op", std::string("any"))).value_or(OpKind::kAny);
  e.path = j.value("path", std::string());
  e.path2 = j.value("path2", std::string());
  e.offset = j.value("offset", uint64_t{0});
  e.length = j.value("length", uint64_t{0});
  std::string result = j.value("result", std::string("ok"));
  e.result = result == "ok" ? 0 : ErrnoFromName(result);
  e.persistence_point = j.value("persistence_point", false);
  e.fault = j.value("fault", std::string());
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
