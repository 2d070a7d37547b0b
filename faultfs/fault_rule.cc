#include "faultfs/fault_rule.h"

#include <array>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

#include "faultfs/crash_mode.h"
#include "faultfs/json_util.h"

namespace crashlab::faultfs {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------
// Names

struct OpEntry {
  OpKind op;
  std::string_view name;
};
constexpr std::array kOps = {
    OpEntry{OpKind::kOpen, "open"},
    OpEntry{OpKind::kCreate, "create"},
    OpEntry{OpKind::kRead, "read"},
    OpEntry{OpKind::kWrite, "write"},
    OpEntry{OpKind::kFsync, "fsync"},
    OpEntry{OpKind::kFdatasync, "fdatasync"},
    OpEntry{OpKind::kFsyncDir, "fsyncdir"},
    OpEntry{OpKind::kRename, "rename"},
    OpEntry{OpKind::kLink, "link"},
    OpEntry{OpKind::kSymlink, "symlink"},
    OpEntry{OpKind::kUnlink, "unlink"},
    OpEntry{OpKind::kMkdir, "mkdir"},
    OpEntry{OpKind::kRmdir, "rmdir"},
    OpEntry{OpKind::kTruncate, "truncate"},
    OpEntry{OpKind::kReaddir, "readdir"},
    OpEntry{OpKind::kStat, "stat"},
    OpEntry{OpKind::kClose, "close"},
    OpEntry{OpKind::kSync, "sync"},
    OpEntry{OpKind::kAny, "any"},
};

struct ActionEntry {
  ActionKind action;
  std::string_view name;
};
constexpr std::array kActions = {
    ActionEntry{ActionKind::kError, "error"},
    ActionEntry{ActionKind::kErrorAfter, "error_after"},
    ActionEntry{ActionKind::kShortWrite, "short_write"},
    ActionEntry{ActionKind::kEnospcAfterBytes, "enospc_after_bytes"},
    ActionEntry{ActionKind::kFsyncLie, "fsync_lie"},
    ActionEntry{ActionKind::kFsyncgate, "fsyncgate"},
    ActionEntry{ActionKind::kCorrupt, "corrupt"},
    ActionEntry{ActionKind::kTruncate, "truncate"},
    ActionEntry{ActionKind::kLose, "lose"},
    ActionEntry{ActionKind::kTorn, "torn"},
    ActionEntry{ActionKind::kDelay, "delay"},
    ActionEntry{ActionKind::kCrash, "crash"},
};

template <typename Table>
std::string JoinNames(const Table& table) {
  std::string out;
  for (const auto& e : table) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

// ---------------------------------------------------------------------------
// JSON reading. Every error is InvalidArgument(where, "<field>: <problem>").

Status Bad(std::string_view where, std::string_view field,
           const std::string& problem) {
  return Status::InvalidArgument(std::string(where),
                                 std::string(field) + ": " + problem);
}

// A short description of a JSON value for error messages.
std::string Describe(const json& v) {
  if (v.is_object() || v.is_array()) return std::string(v.type_name());
  std::string text = DumpJson(v);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return std::string(v.type_name()) + " " + text;
}

const json* Find(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

Result<uint64_t> ReadUint(const json& v, std::string_view where,
                          std::string_view field) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return static_cast<uint64_t>(v.get<int64_t>());
  return Bad(where, field,
             "must be a non-negative integer, got " + Describe(v));
}

Result<uint64_t> ReadPositive(const json& v, std::string_view where,
                              std::string_view field) {
  Result<uint64_t> n = ReadUint(v, where, field);
  if (n.ok() && *n == 0) return Bad(where, field, "must be at least 1");
  return n;
}

Result<std::string> ReadString(const json& v, std::string_view where,
                               std::string_view field) {
  if (!v.is_string())
    return Bad(where, field, "must be a string, got " + Describe(v));
  return v.get<std::string>();
}

Result<std::string> ReadGlob(const json& v, std::string_view where,
                             std::string_view field) {
  Result<std::string> glob = ReadString(v, where, field);
  if (!glob.ok()) return glob;
  if (Status st = ValidateGlob(*glob); !st.ok()) {
    return Bad(where, field, "bad glob '" + *glob + "': " + st.message());
  }
  return glob;
}

constexpr std::array<const char*, 16> kRuleFields = {
    "op",          "path",    "dest",       "nth",   "after", "times",
    "probability", "always",  "action",     "errno", "bytes", "size",
    "delay_ms",    "corrupt", "persistent", "mode"};

Status CheckKnownFields(const json& j, std::string_view where) {
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* f : kRuleFields) known = known || key == f;
    if (known) continue;
    std::string all;
    for (const char* f : kRuleFields)
      all += all.empty() ? f : std::string(", ") + f;
    return Bad(where, key, "unknown field (known fields: " + all + ")");
  }
  return Status::Ok();
}

Status ReadMatch(const json& j, std::string_view where, FaultRule* r) {
  const json* op = Find(j, "op");
  if (op == nullptr) return Bad(where, "op", "missing (required)");
  Result<std::string> op_name = ReadString(*op, where, "op");
  if (!op_name.ok()) return op_name.status();
  std::optional<OpKind> kind = OpFromName(*op_name);
  if (!kind) {
    return Bad(where, "op",
               "unknown operation '" + *op_name + "' (expected " +
                   JoinNames(kOps) + ")");
  }
  r->op = *kind;
  if (const json* path = Find(j, "path")) {
    Result<std::string> glob = ReadGlob(*path, where, "path");
    if (!glob.ok()) return glob.status();
    r->path = *glob;
  }
  if (const json* dest = Find(j, "dest")) {
    if (r->op != OpKind::kRename && r->op != OpKind::kLink &&
        r->op != OpKind::kSymlink && r->op != OpKind::kAny) {
      return Bad(where, "dest",
                 "only rename, link, symlink or any have a destination, not '" +
                     *op_name + "'");
    }
    Result<std::string> glob = ReadGlob(*dest, where, "dest");
    if (!glob.ok()) return glob.status();
    r->dest = *glob;
  }
  return Status::Ok();
}

Status ReadProbability(const json& v, std::string_view where, FaultRule* r) {
  if (!v.is_number())
    return Bad(where, "probability", "must be a number, got " + Describe(v));
  double p = v.get<double>();
  if (!(p >= 0.0 && p <= 1.0)) {
    return Bad(where, "probability", "must be in [0, 1], got " + DumpJson(v));
  }
  r->probability = p;
  return Status::Ok();
}

// Rejects the schedule combinations documented in the header.
Status CheckScheduleCombination(const json& j, std::string_view where) {
  if (const json* always = Find(j, "always")) {
    if (!always->is_boolean() || !always->get<bool>()) {
      return Bad(where, "always",
                 "must be true (omit it otherwise), got " + Describe(*always));
    }
    for (const char* other : {"nth", "after", "times", "probability"}) {
      if (Find(j, other) != nullptr) {
        return Bad(where, "always",
                   std::string("cannot be combined with ") + other);
      }
    }
  }
  if (Find(j, "nth") != nullptr) {
    for (const char* other : {"after", "probability"}) {
      if (Find(j, other) != nullptr) {
        return Bad(where, "nth",
                   std::string("cannot be combined with ") + other);
      }
    }
  }
  return Status::Ok();
}

Status ReadSchedule(const json& j, std::string_view where, FaultRule* r) {
  CRASHLAB_RETURN_IF_ERROR(CheckScheduleCombination(j, where));
  if (const json* v = Find(j, "nth")) {
    Result<uint64_t> n = ReadPositive(*v, where, "nth");
    if (!n.ok()) return n.status();
    r->nth = *n;
  }
  if (const json* v = Find(j, "after")) {
    Result<uint64_t> n = ReadUint(*v, where, "after");
    if (!n.ok()) return n.status();
    r->after = *n;
  }
  if (const json* v = Find(j, "times")) {
    Result<uint64_t> n = ReadPositive(*v, where, "times");
    if (!n.ok()) return n.status();
    r->times = *n;
  }
  if (const json* v = Find(j, "probability")) {
    CRASHLAB_RETURN_IF_ERROR(ReadProbability(*v, where, r));
  }
  return Status::Ok();
}

// Which actions use each action field, and whether it is required there.
struct ActionField {
  const char* name;
  std::vector<ActionKind> used_by;
  std::vector<ActionKind> required_by;
};

const std::vector<ActionField>& ActionFields() {
  using A = ActionKind;
  static const std::vector<ActionField> fields = {
      {"errno", {A::kError, A::kErrorAfter}, {}},
      {"bytes",
       {A::kShortWrite, A::kEnospcAfterBytes, A::kTorn},
       {A::kShortWrite, A::kEnospcAfterBytes}},
      {"size", {A::kTruncate}, {A::kTruncate}},
      {"delay_ms", {A::kDelay}, {A::kDelay}},
      {"corrupt", {A::kCorrupt}, {A::kCorrupt}},
      {"persistent", {A::kCorrupt}, {}},
      {"mode", {A::kCrash}, {}},
  };
  return fields;
}

bool Contains(const std::vector<ActionKind>& v, ActionKind a) {
  for (ActionKind x : v) {
    if (x == a) return true;
  }
  return false;
}

Status CheckActionFields(const json& j, std::string_view where,
                         ActionKind action) {
  std::string action_name(ActionName(action));
  for (const ActionField& f : ActionFields()) {
    bool present = Find(j, f.name) != nullptr;
    if (present && !Contains(f.used_by, action)) {
      return Bad(where, f.name, "not used by action '" + action_name + "'");
    }
    if (!present && Contains(f.required_by, action)) {
      return Bad(where, f.name,
                 "missing (required by action '" + action_name + "')");
    }
  }
  return Status::Ok();
}

Result<int> ReadErrno(const json& v, std::string_view where) {
  if (v.is_string()) {
    std::string name = v.get<std::string>();
    int err = ErrnoFromName(name);
    if (err == 0)
      return Bad(where, "errno", "unknown errno name '" + name + "'");
    return err;
  }
  if (v.is_number_integer()) {
    int64_t err = v.get<int64_t>();
    if (err < 1 || err > 4095) {
      return Bad(where, "errno",
                 "must be between 1 and 4095, got " + DumpJson(v));
    }
    return static_cast<int>(err);
  }
  return Bad(
      where, "errno",
      "must be an errno name like \"EIO\" or a number, got " + Describe(v));
}

Result<std::pair<uint64_t, uint64_t>> ReadRange(const json& v,
                                                std::string_view where,
                                                std::string_view field) {
  if (!v.is_array() || v.size() != 2) {
    return Bad(where, field, "must be [offset, length], got " + Describe(v));
  }
  Result<uint64_t> offset =
      ReadUint(v[0], where, std::string(field) + "[0] (offset)");
  if (!offset.ok()) return offset.status();
  Result<uint64_t> length =
      ReadPositive(v[1], where, std::string(field) + "[1] (length)");
  if (!length.ok()) return length.status();
  if (*offset > kMaxRuleSize) {
    return Bad(where, field,
               "offset must be at most " + std::to_string(kMaxRuleSize) +
                   ", got " + std::to_string(*offset));
  }
  if (*length > kMaxRuleBytes) {
    return Bad(where, field,
               "length must be at most " + std::to_string(kMaxRuleBytes) +
                   ", got " + std::to_string(*length));
  }
  return std::pair{*offset, *length};
}

Result<CorruptSpec> ReadCorrupt(const json& v, std::string_view where) {
  if (!v.is_object())
    return Bad(where, "corrupt", "must be an object, got " + Describe(v));
  CorruptSpec spec;
  for (const auto& [key, value] : v.items()) {
    std::string field = "corrupt." + key;
    if (key == "bitflips") {
      Result<uint64_t> n = ReadUint(value, where, field);
      if (!n.ok()) return n.status();
      if (*n > kMaxRuleBitflips)
        return Bad(where, field,
                   "must be at most " + std::to_string(kMaxRuleBitflips) +
                       ", got " + std::to_string(*n));
      spec.bitflips = static_cast<uint32_t>(*n);
    } else if (key == "zero" || key == "garbage") {
      auto range = ReadRange(value, where, field);
      if (!range.ok()) return range.status();
      (key == "zero" ? spec.zero : spec.garbage) = *range;
    } else {
      return Bad(where, field,
                 "unknown field (known fields: bitflips, zero, garbage)");
    }
  }
  if (spec.bitflips == 0 && !spec.zero && !spec.garbage) {
    return Bad(where, "corrupt",
               "needs at least one of bitflips (> 0), zero, garbage");
  }
  return spec;
}

Status ReadActionFields(const json& j, std::string_view where, FaultRule* r) {
  if (const json* v = Find(j, "errno")) {
    Result<int> err = ReadErrno(*v, where);
    if (!err.ok()) return err.status();
    r->err = *err;
  }
  struct Bounded {
    const char* name;
    uint64_t* out;
    uint64_t min, max;
  };
  for (const Bounded& f :
       {Bounded{"bytes", &r->bytes, 0, kMaxRuleBytes},
        Bounded{"size", &r->size, 0, kMaxRuleSize},
        Bounded{"delay_ms", &r->delay_ms, 1, kMaxRuleDelayMs}}) {
    if (const json* v = Find(j, f.name)) {
      Result<uint64_t> n = ReadUint(*v, where, f.name);
      if (!n.ok()) return n.status();
      if (*n < f.min || *n > f.max) {
        return Bad(where, f.name,
                   "must be between " + std::to_string(f.min) + " and " +
                       std::to_string(f.max) + ", got " + std::to_string(*n));
      }
      *f.out = *n;
    }
  }
  if (const json* v = Find(j, "corrupt")) {
    Result<CorruptSpec> spec = ReadCorrupt(*v, where);
    if (!spec.ok()) return spec.status();
    r->corrupt = *spec;
  }
  if (const json* v = Find(j, "persistent")) {
    if (!v->is_boolean())
      return Bad(where, "persistent", "must be a boolean, got " + Describe(*v));
    r->persistent = v->get<bool>();
  }
  if (const json* v = Find(j, "mode")) {
    Result<std::string> mode = ReadString(*v, where, "mode");
    if (!mode.ok()) return mode.status();
    if (Result<CrashMode> parsed = CrashMode::Parse(*mode); !parsed.ok()) {
      return Bad(
          where, "mode",
          "bad crash mode '" + *mode + "': " + parsed.status().message());
    }
    r->crash_mode = *mode;
  }
  return Status::Ok();
}

Status ReadAction(const json& j, std::string_view where, FaultRule* r) {
  const json* action = Find(j, "action");
  if (action == nullptr) return Bad(where, "action", "missing (required)");
  Result<std::string> name = ReadString(*action, where, "action");
  if (!name.ok()) return name.status();
  std::optional<ActionKind> kind = ActionFromName(*name);
  if (!kind) {
    return Bad(where, "action",
               "unknown action '" + *name + "' (expected " +
                   JoinNames(kActions) + ")");
  }
  r->action = *kind;
  CRASHLAB_RETURN_IF_ERROR(CheckActionFields(j, where, r->action));
  return ReadActionFields(j, where, r);
}

// ---------------------------------------------------------------------------
// JSON writing

json ErrnoToJson(int err) {
  if (ErrnoFromName(ErrnoName(err)) == err) return ErrnoName(err);
  return err;
}

json CorruptToJson(const CorruptSpec& spec) {
  json out = json::object();
  if (spec.bitflips > 0) out["bitflips"] = spec.bitflips;
  if (spec.zero) out["zero"] = {spec.zero->first, spec.zero->second};
  if (spec.garbage)
    out["garbage"] = {spec.garbage->first, spec.garbage->second};
  return out;
}

void ActionFieldsToJson(const FaultRule& r, json* out) {
  json& j = *out;
  switch (r.action) {
    case ActionKind::kError:
    case ActionKind::kErrorAfter:
      j["errno"] = ErrnoToJson(r.err);
      break;
    case ActionKind::kShortWrite:
    case ActionKind::kEnospcAfterBytes:
      j["bytes"] = r.bytes;
      break;
    case ActionKind::kTorn:
      if (r.bytes != 0) j["bytes"] = r.bytes;
      break;
    case ActionKind::kTruncate:
      j["size"] = r.size;
      break;
    case ActionKind::kDelay:
      j["delay_ms"] = r.delay_ms;
      break;
    case ActionKind::kCorrupt:
      j["corrupt"] = CorruptToJson(r.corrupt);
      if (r.persistent) j["persistent"] = true;
      break;
    case ActionKind::kCrash:
      j["mode"] = r.crash_mode;
      break;
    case ActionKind::kFsyncLie:
    case ActionKind::kFsyncgate:
    case ActionKind::kLose:
      break;
  }
}

// "JSON syntax error at byte 32 (line 1, column 32): syntax error while ...".
// e.what() is "[json.exception.parse_error.101] parse error at line 1,
// column 32: syntax error while ...".
std::string DescribeParseError(const json::parse_error& e) {
  std::string what = e.what();
  if (size_t close = what.find("] "); close != std::string::npos)
    what = what.substr(close + 2);
  std::string out = "JSON syntax error at byte " + std::to_string(e.byte);
  constexpr std::string_view kPrefix = "parse error at ";
  size_t colon = what.find(": ");
  if (what.starts_with(kPrefix) && colon != std::string::npos) {
    return out + " (" + what.substr(kPrefix.size(), colon - kPrefix.size()) +
           ")" + what.substr(colon);
  }
  return out + ": " + what;
}

// ---------------------------------------------------------------------------
// Evaluation

bool OpMatches(OpKind rule_op, OpKind op) {
  return rule_op == OpKind::kAny || rule_op == op ||
         (rule_op == OpKind::kOpen && op == OpKind::kCreate);
}

bool RuleMatches(const FaultRule& r, const OpContext& ctx) {
  if (ctx.no_errors &&
      (r.action == ActionKind::kError || r.action == ActionKind::kErrorAfter))
    return false;
  return OpMatches(r.op, ctx.op) && GlobMatch(r.path, ctx.path) &&
         (!r.dest || GlobMatch(*r.dest, ctx.dest));
}

// A uniform double in [0, 1) from 53 random bits; unlike
// std::uniform_real_distribution it is the same on every standard library.
double Draw(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Whether the schedule lets the rule fire at its `matches`-th match, having
// fired `fired` times so far (see the header for the rules).
bool ScheduleArmed(const FaultRule& r, uint64_t matches, uint64_t fired,
                   std::mt19937_64& rng) {
  if (r.nth) return matches >= *r.nth && matches - *r.nth < r.times.value_or(1);
  if (r.times && fired >= *r.times) return false;
  if (r.after && matches <= *r.after) return false;
  if (r.probability) return Draw(rng) < *r.probability;
  return true;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b
             ? std::numeric_limits<uint64_t>::max()
             : a + b;
}

}  // namespace

// ---------------------------------------------------------------------------
// Public functions

std::string_view OpName(OpKind op) {
  for (const auto& e : kOps) {
    if (e.op == op) return e.name;
  }
  return "unknown";
}

std::optional<OpKind> OpFromName(std::string_view name) {
  for (const auto& e : kOps) {
    if (e.name == name) return e.op;
  }
  return std::nullopt;
}

bool IsPersistencePoint(OpKind op) {
  return op == OpKind::kFsync || op == OpKind::kFdatasync ||
         op == OpKind::kFsyncDir || op == OpKind::kSync;
}

std::string_view ActionName(ActionKind action) {
  for (const auto& e : kActions) {
    if (e.action == action) return e.name;
  }
  return "unknown";
}

std::optional<ActionKind> ActionFromName(std::string_view name) {
  for (const auto& e : kActions) {
    if (e.name == name) return e.action;
  }
  return std::nullopt;
}

nlohmann::json FaultRule::ToJson() const {
  json j = json::object();
  j["op"] = std::string(OpName(op));
  j["path"] = path;
  if (dest) j["dest"] = *dest;
  if (nth) j["nth"] = *nth;
  if (after) j["after"] = *after;
  if (times) j["times"] = *times;
  if (probability) j["probability"] = *probability;
  if (!nth && !after && !times && !probability) j["always"] = true;
  j["action"] = std::string(ActionName(action));
  ActionFieldsToJson(*this, &j);
  return j;
}

Result<FaultRule> FaultRule::FromJson(const nlohmann::json& j,
                                      std::string_view where) {
  if (!j.is_object()) {
    return Bad(where, "rule", "must be a JSON object, got " + Describe(j));
  }
  CRASHLAB_RETURN_IF_ERROR(CheckKnownFields(j, where));
  FaultRule r;
  CRASHLAB_RETURN_IF_ERROR(ReadMatch(j, where, &r));
  CRASHLAB_RETURN_IF_ERROR(ReadSchedule(j, where, &r));
  CRASHLAB_RETURN_IF_ERROR(ReadAction(j, where, &r));
  return r;
}

Result<FaultRule> FaultRule::Parse(std::string_view json_text,
                                   std::string_view where) {
  if (auto at = JsonTooDeepAt(json_text)) {
    return Status::InvalidArgument(std::string(where),
                                   "JSON " + JsonTooDeepMessage(*at));
  }
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    return Status::InvalidArgument(std::string(where), DescribeParseError(e));
  } catch (const json::exception& e) {  // out_of_range: a number like 1e400
    return Status::InvalidArgument(std::string(where),
                                   std::string("JSON error: ") + e.what());
  }
  return FromJson(j, where);
}

nlohmann::json InjectedFault::ToJson() const {
  json j = json::object();
  j["op_index"] = op_index;
  j["op"] = std::string(OpName(op));
  j["path"] = path;
  j["offset"] = offset;
  j["length"] = length;
  j["action"] = std::string(ActionName(action));
  j["errno"] = err == 0 ? json(nullptr) : json(ErrnoName(err));
  j["rule"] = rule_index;
  j["detail"] = detail;
  return j;
}

// ---------------------------------------------------------------------------
// FaultInjector

FaultInjector::FaultInjector(uint64_t seed) : seed_(seed), rng_(seed) {}

void FaultInjector::Add(FaultRule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.push_back(RuleState{std::move(rule)});
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

std::vector<FaultRule> FaultInjector::rules() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<FaultRule> out;
  out.reserve(rules_.size());
  for (const RuleState& s : rules_) out.push_back(s.rule);
  return out;
}

std::optional<Firing> FaultInjector::Evaluate(const OpContext& ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<Firing> first;
  for (size_t i = 0; i < rules_.size(); ++i) {
    RuleState& s = rules_[i];
    if (!RuleMatches(s.rule, ctx)) continue;
    ++s.matches;
    bool fires = ScheduleArmed(s.rule, s.matches, s.fired, rng_);
    uint64_t allowed = 0;
    if (s.rule.action == ActionKind::kEnospcAfterBytes) {
      uint64_t budget =
          s.rule.bytes > s.bytes_written ? s.rule.bytes - s.bytes_written : 0;
      fires = fires && budget < ctx.length;
      if (fires) {
        allowed = budget;
      } else {
        s.bytes_written = SaturatingAdd(s.bytes_written, ctx.length);
      }
    }
    if (!fires) continue;
    ++s.fired;
    if (!first) first = Firing{i, s.rule, allowed};
  }
  return first;
}

void FaultInjector::ConsumeBytes(size_t rule_index, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rule_index >= rules_.size()) return;
  RuleState& s = rules_[rule_index];
  if (s.rule.action != ActionKind::kEnospcAfterBytes) return;
  s.bytes_written = SaturatingAdd(s.bytes_written, bytes);
}

uint64_t FaultInjector::NextRandom() {
  std::lock_guard<std::mutex> lock(mu_);
  return rng_();
}

void FaultInjector::Record(InjectedFault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  log_.push_back(std::move(fault));
  while (log_limit_ != 0 && log_.size() > log_limit_) {
    log_.pop_front();
    ++log_dropped_;
  }
}

std::vector<InjectedFault> FaultInjector::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {log_.begin(), log_.end()};
}

uint64_t FaultInjector::log_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_dropped_ + log_.size();
}

void FaultInjector::SetLogLimit(size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  log_limit_ = limit;
  while (log_limit_ != 0 && log_.size() > log_limit_) {
    log_.pop_front();
    ++log_dropped_;
  }
}

std::string FaultInjector::LogAsJsonLines() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const InjectedFault& f : log_) {
    // Paths are bytes, not necessarily UTF-8: never throw, replace instead.
    out += DumpJson(f.ToJson());
    out += '\n';
  }
  return out;
}

}  // namespace crashlab::faultfs
