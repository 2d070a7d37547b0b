#include "harness/scenario/scenario_parser.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engine/unsafe_mode.h"
#include "faultfs/crash_mode.h"
#include "faultfs/json_util.h"
#include "harness/scenario/crash_mode_list.h"
#include "harness/scenario/exec_scenario.h"
#include "harness/scenario/invariant_ids.h"
#include "reports/json_locate.h"

namespace crashlab::harness {
namespace {

using nlohmann::json;

std::string Escape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string Describe(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    case json::value_t::number_float:
      return "a fractional number";
    default:
      return j.is_number()
                 ? (j.get<double>() < 0 ? "a negative number" : "a number")
                 : "a value";
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::string file)
      : text_(text), file_(std::move(file)) {}

  ParseOutcome Run();

 private:
  void Fail(const std::string& pointer, const std::string& message) {
    InputError e{.file = file_, .field = pointer, .message = message};
    auto off = reports::OffsetOfPointer(text_, pointer);
    if (!off) {  // the field is absent: point at its parent object
      std::string parent = pointer.substr(0, pointer.rfind('/'));
      off = reports::OffsetOfPointer(text_, parent);
    }
    auto pos = reports::PositionOfOffset(text_, off.value_or(0));
    e.line = pos.line;
    e.column = pos.column;
    out_.errors.push_back(std::move(e));
  }

  // Rejects fields outside `allowed`; true if `j` is an object.
  bool Object(const json& j, const std::string& ptr,
              const std::set<std::string>& allowed) {
    if (!j.is_object()) {
      Fail(ptr, "must be an object, got " + Describe(j));
      return false;
    }
    for (const auto& [key, value] : j.items()) {
      if (!allowed.count(key))
        Fail(ptr + "/" + Escape(key), "unknown field '" + key + "'");
    }
    return true;
  }

  bool Uint(const json& j, const std::string& ptr, uint64_t* out,
            uint64_t min = 0, uint64_t max = UINT64_MAX) {
    if (!j.is_number_integer() ||
        (j.is_number_integer() && !j.is_number_unsigned() &&
         j.get<int64_t>() < 0)) {
      Fail(ptr, "must be a non-negative integer, got " + Describe(j));
      return false;
    }
    uint64_t v = j.get<uint64_t>();
    if (v < min || v > max) {
      Fail(ptr, "must be in " + std::to_string(min) + ".." +
                    std::to_string(max) + ", got " + std::to_string(v));
      return false;
    }
    *out = v;
    return true;
  }
  template <typename T>
  void UintField(const json& obj, const std::string& ptr, const char* key,
                 T* out, uint64_t min = 0, uint64_t max = UINT64_MAX) {
    if (!obj.contains(key)) return;
    uint64_t v = 0;
    if (Uint(obj[key], ptr + "/" + key, &v, min, max)) *out = static_cast<T>(v);
  }
  bool String(const json& j, const std::string& ptr, std::string* out,
              bool nonempty = true) {
    if (!j.is_string()) {
      Fail(ptr, "must be a string, got " + Describe(j));
      return false;
    }
    *out = j.get<std::string>();
    if (nonempty && out->empty()) {
      Fail(ptr, "must not be empty");
      return false;
    }
    return true;
  }
  void Bool(const json& obj, const std::string& ptr, const char* key,
            bool* out) {
    if (!obj.contains(key)) return;
    if (!obj[key].is_boolean()) {
      Fail(ptr + "/" + key, "must be true or false, got " + Describe(obj[key]));
      return;
    }
    *out = obj[key].get<bool>();
  }
  std::vector<std::string> Strings(const json& j, const std::string& ptr) {
    std::vector<std::string> out;
    if (!j.is_array()) {
      Fail(ptr, "must be an array of strings, got " + Describe(j));
      return out;
    }
    for (size_t i = 0; i < j.size(); ++i) {
      std::string s;
      if (String(j[i], ptr + "/" + std::to_string(i), &s)) out.push_back(s);
    }
    return out;
  }
  bool Rule(const json& j, const std::string& ptr, faultfs::FaultRule* out) {
    auto r = faultfs::FaultRule::FromJson(j, ptr);
    if (r.ok()) {
      *out = *r;
      return true;
    }
    // Messages look like "<field>: <problem>"; point at the field.
    std::string msg = r.status().message();
    std::string field_ptr = ptr;
    auto colon = msg.find(": ");
    if (colon != std::string::npos) {
      std::string field = msg.substr(0, colon);
      if (j.is_object() && j.contains(field)) {
        field_ptr = ptr + "/" + Escape(field);
        msg = msg.substr(colon + 2);
      }
    }
    Fail(field_ptr, "fault rule: " + msg);
    return false;
  }

  void ParseEngine(const json& j, const std::string& ptr);
  void ParseStep(const json& j, const std::string& ptr, Step* step);
  void ParseCommand(const json& j, const std::string& ptr, Step* s);
  void ParseName(const json& j, const std::string& ptr, Step* s);
  bool ParseMountPath(const json& j, const std::string& ptr, std::string* out,
                      bool allow_root);
  void ParseExec(const json& j, const std::string& ptr, Step* s);
  void ParseCheck(const json& j, const std::string& ptr, Step* s);
  void CheckExecScenario(const json& root);
  void ParseWorkload(const json& j, const std::string& ptr);
  void ParseCrashPoints(const json& j, const std::string& ptr, CrashPoints* cp,
                        bool recovery);
  void ParseCrashModes(const json& j, const std::string& ptr,
                       std::vector<std::string>* out);
  void ParseRecovery(const json& j, const std::string& ptr);
  void ParseInvariants(const json& root);
  void ParseReproduce(const json& j, const std::string& ptr);

  std::string_view text_;
  std::string file_;
  ParseOutcome out_;
};

void Parser::ParseEngine(const json& j, const std::string& ptr) {
  if (!Object(j, ptr,
              {"max_retained", "incremental", "max_delta_chain", "partitions",
               "wal_group_size", "wal_segment_bytes", "gc_after_checkpoint",
               "startup_gc", "fallback", "unsafe"})) {
    return;
  }
  EngineSettings& e = out_.scenario.engine;
  UintField(j, ptr, "max_retained", &e.max_retained, 1, 1000);
  Bool(j, ptr, "incremental", &e.incremental);
  UintField(j, ptr, "max_delta_chain", &e.max_delta_chain, 1, 1000);
  UintField(j, ptr, "partitions", &e.partitions, 1, 4096);
  UintField(j, ptr, "wal_group_size", &e.wal_group_size, 1, 1u << 20);
  UintField(j, ptr, "wal_segment_bytes", &e.wal_segment_bytes, 4096,
            uint64_t{1} << 32);
  Bool(j, ptr, "gc_after_checkpoint", &e.gc_after_checkpoint);
  Bool(j, ptr, "startup_gc", &e.startup_gc);
  if (j.contains("fallback")) {
    std::string f;
    if (String(j["fallback"], ptr + "/fallback", &f)) {
      if (!engine::ParseFallbackPolicy(f).ok()) {
        Fail(ptr + "/fallback",
             "unknown fallback policy '" + f + "' (none, older-verified)");
      } else {
        e.fallback = f;
      }
    }
  }
  if (j.contains("unsafe")) {
    auto names = Strings(j["unsafe"], ptr + "/unsafe");
    for (size_t i = 0; i < names.size(); ++i) {
      if (!engine::UnsafeModeFromName(names[i])) {
        std::string known;
        for (auto m : engine::AllUnsafeModes()) {
          known += (known.empty() ? "" : ", ") +
                   std::string(engine::UnsafeModeName(m));
        }
        Fail(ptr + "/unsafe/" + std::to_string(i),
             "unknown unsafe mode '" + names[i] + "' (known: " + known + ")");
      }
    }
    e.unsafe = names;
  }
}

bool IsCheckName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
           c == '_' || c == '.';
  });
}

// `command` (argv) or `shell` (a /bin/sh -c string): exactly one.
void Parser::ParseCommand(const json& j, const std::string& ptr, Step* s) {
  if (j.contains("command") && j.contains("shell")) {
    Fail(ptr + "/shell",
         "give either 'command' (argv) or 'shell' (a /bin/sh -c string), not "
         "both");
    return;
  }
  if (j.contains("command")) {
    s->command = Strings(j["command"], ptr + "/command");
    if (j["command"].is_array() && j["command"].empty())
      Fail(ptr + "/command", "must name a program");
  } else if (j.contains("shell")) {
    String(j["shell"], ptr + "/shell", &s->shell);
  }
  UintField(j, ptr, "timeout_ms", &s->timeout_ms, 1, 3600000);
}

void Parser::ParseName(const json& j, const std::string& ptr, Step* s) {
  if (!j.contains("name")) return;
  if (String(j["name"], ptr + "/name", &s->name) && !IsCheckName(s->name)) {
    Fail(ptr + "/name",
         "must be 1..64 characters of letters, digits, '-', '_' or '.', got '" +
             s->name + "'");
  }
}

// A path inside the mount: relative, no ".." parts; "." parts and repeated
// slashes are dropped. "" and "." are the mount's root when `allow_root`.
bool Parser::ParseMountPath(const json& j, const std::string& ptr,
                            std::string* out, bool allow_root) {
  std::string p;
  if (!String(j, ptr, &p, !allow_root)) return false;
  std::string norm;  // "./a//b/" -> "a/b"
  bool bad = !p.empty() && p.front() == '/';
  for (size_t start = 0; start <= p.size();) {
    size_t slash = std::min(p.find('/', start), p.size());
    std::string part = p.substr(start, slash - start);
    if (part == "..") bad = true;
    if (!part.empty() && part != ".") norm += (norm.empty() ? "" : "/") + part;
    start = slash + 1;
  }
  if (bad || (norm.empty() && !allow_root)) {
    Fail(ptr,
         "must be a path relative to the mount, without '..', got '" + p + "'");
    return false;
  }
  *out = norm;
  return true;
}

void Parser::ParseExec(const json& j, const std::string& ptr, Step* s) {
  ParseName(j, ptr, s);
  if (!j.contains("command") && !j.contains("shell")) {
    Fail(ptr + "/command",
         "missing required field 'command' (argv) or 'shell'");
  }
  ParseCommand(j, ptr, s);
  if (j.contains("expect_exit")) {
    uint64_t v = 0;
    if (Uint(j["expect_exit"], ptr + "/expect_exit", &v, 0, 255))
      s->expect_exit = static_cast<int>(v);
  }
  Bool(j, ptr, "allow_failure", &s->allow_failure);
  if (s->allow_failure && j.contains("expect_exit")) {
    Fail(ptr + "/expect_exit",
         "allow_failure accepts every exit status: drop expect_exit or "
         "allow_failure");
  }
}

void Parser::ParseCheck(const json& j, const std::string& ptr, Step* s) {
  ParseName(j, ptr, s);
  if (j.contains("invariant") &&
      String(j["invariant"], ptr + "/invariant", &s->invariant)) {
    bool custom = s->invariant.rfind("check:", 0) == 0 &&
                  IsCheckName(s->invariant.substr(6));
    if (!IsInvariantId(s->invariant) && !custom) {
      std::string known;
      for (const auto& k : AllInvariantIds())
        known += (known.empty() ? "" : ", ") + k;
      Fail(ptr + "/invariant", "unknown invariant '" + s->invariant +
                                   "' (a standard id: " + known +
                                   "; or check:NAME)");
    }
  }
  int kinds = (j.contains("command") || j.contains("shell")) +
              j.contains("file_exists") + j.contains("file_absent") +
              j.contains("listing");
  if (kinds != 1) {
    Fail(ptr, kinds == 0 ? "a check needs one of 'command', 'shell', "
                           "'file_exists', 'file_absent', 'listing'"
                         : "a check is exactly one of 'command'/'shell', "
                           "'file_exists', 'file_absent', "
                           "'listing'");
    return;
  }
  if (j.contains("command") || j.contains("shell")) {
    ParseCommand(j, ptr, s);
  } else if (j.contains("timeout_ms")) {
    Fail(ptr + "/timeout_ms", "only command checks take a timeout");
  }
  if (j.contains("file_exists")) {
    std::string p;
    if (ParseMountPath(j["file_exists"], ptr + "/file_exists", &p, false))
      s->file_exists = p;
  }
  for (const char* f : {"content", "content_sha256"}) {
    if (j.contains(f) && !j.contains("file_exists")) {
      Fail(ptr + "/" + f,
           std::string("'") + f + "' belongs to a file_exists check");
    }
  }
  if (j.contains("content")) {
    std::string c;
    if (String(j["content"], ptr + "/content", &c, false)) s->content = c;
  }
  if (j.contains("content_sha256") &&
      String(j["content_sha256"], ptr + "/content_sha256",
             &s->content_sha256)) {
    for (auto& c : s->content_sha256)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s->content_sha256.size() != 64 ||
        s->content_sha256.find_first_not_of("0123456789abcdef") !=
            std::string::npos) {
      Fail(ptr + "/content_sha256", "must be 64 hex digits (a SHA-256)");
    }
  }
  if (j.contains("file_absent")) {
    std::string p;
    if (ParseMountPath(j["file_absent"], ptr + "/file_absent", &p, false))
      s->file_absent = p;
  }
  if (j.contains("listing")) {
    const json& l = j["listing"];
    std::string lp = ptr + "/listing";
    if (!Object(l, lp, {"dir", "entries"})) return;
    std::string dir;
    if (!l.contains("dir"))
      s->listing_dir = "";
    else if (ParseMountPath(l["dir"], lp + "/dir", &dir, true))
      s->listing_dir = dir;
    if (!l.contains("entries")) {
      Fail(lp + "/entries",
           "missing required field 'entries' (the exact names expected, [] for "
           "empty)");
    } else if (!l["entries"].is_array()) {
      Fail(lp + "/entries",
           "must be an array of names, got " + Describe(l["entries"]));
    } else {
      std::set<std::string> seen;
      for (size_t i = 0; i < l["entries"].size(); ++i) {
        std::string ep = lp + "/entries/" + std::to_string(i);
        std::string e;
        if (!String(l["entries"][i], ep, &e)) continue;
        if (e == "." || e == ".." || e.find('/') != std::string::npos) {
          Fail(ep, "must be a plain name (no '/', not '.' or '..'), got '" + e +
                       "'");
        } else if (!seen.insert(e).second) {
          Fail(ep, "entry '" + e + "' listed twice");
        } else {
          s->listing_entries.push_back(e);
        }
      }
    }
  }
}

void Parser::ParseStep(const json& j, const std::string& ptr, Step* s) {
  if (!j.is_object()) {
    Fail(ptr,
         "a step must be an object with an \"op\" field, got " + Describe(j));
    return;
  }
  if (!j.contains("op")) {
    Fail(ptr + "/op", "missing required field 'op'");
    return;
  }
  std::string op;
  if (!String(j["op"], ptr + "/op", &op)) return;
  static const std::map<std::string, std::pair<StepKind, std::set<std::string>>>
      kinds{
          {"put",
           {StepKind::kPut,
            {"count", "key", "value", "key_size", "value_size", "key_space"}}},
          {"delete", {StepKind::kDelete, {"count", "key"}}},
          {"checkpoint", {StepKind::kCheckpoint, {"kind"}}},
          {"gc", {StepKind::kGc, {}}},
          {"sync", {StepKind::kSync, {}}},
          {"set_offset", {StepKind::kSetOffset, {"source", "offset"}}},
          {"set_watermark", {StepKind::kSetWatermark, {"watermark"}}},
          {"recover", {StepKind::kRecover, {}}},
          {"crash", {StepKind::kCrash, {"mode"}}},
          {"inject", {StepKind::kInject, {"rule"}}},
          {"clear", {StepKind::kClear, {}}},
          {"exec",
           {StepKind::kExec,
            {"name", "command", "shell", "timeout_ms", "expect_exit",
             "allow_failure"}}},
          {"check",
           {StepKind::kCheck,
            {"name", "invariant", "command", "shell", "timeout_ms",
             "file_exists", "content", "content_sha256", "file_absent",
             "listing"}}},
      };
  auto it = kinds.find(op);
  if (it == kinds.end()) {
    std::string known;
    for (const auto& [name, unused] : kinds)
      known += (known.empty() ? "" : ", ") + name;
    Fail(ptr + "/op", "unknown step '" + op + "' (known: " + known + ")");
    return;
  }
  s->kind = it->second.first;
  std::set<std::string> allowed = it->second.second;
  allowed.insert({"op", "comment"});
  Object(j, ptr, allowed);
  switch (s->kind) {
    case StepKind::kPut:
    case StepKind::kDelete: {
      UintField(j, ptr, "count", &s->count, 1, 1000000);
      if (j.contains("key")) {
        std::string k;
        if (String(j["key"], ptr + "/key", &k)) s->key = k;
        if (s->count != 1)
          Fail(ptr + "/count", "an explicit key allows only count 1");
      }
      if (j.contains("value")) {
        std::string v;
        if (String(j["value"], ptr + "/value", &v, false)) s->value = v;
        if (!s->key)
          Fail(ptr + "/value", "an explicit value needs an explicit key");
      }
      UintField(j, ptr, "key_size", &s->key_size, 2, 256);
      UintField(j, ptr, "value_size", &s->value_size, 0, 1u << 20);
      UintField(j, ptr, "key_space", &s->key_space, 1, 100000000);
      break;
    }
    case StepKind::kCheckpoint:
      if (j.contains("kind") &&
          String(j["kind"], ptr + "/kind", &s->checkpoint_kind) &&
          s->checkpoint_kind != "full" && s->checkpoint_kind != "incremental") {
        Fail(ptr + "/kind", "must be \"full\" or \"incremental\"");
      }
      break;
    case StepKind::kSetOffset:
      if (!j.contains("source"))
        Fail(ptr + "/source", "missing required field 'source'");
      else
        String(j["source"], ptr + "/source", &s->source);
      if (!j.contains("offset"))
        Fail(ptr + "/offset", "missing required field 'offset'");
      else
        UintField(j, ptr, "offset", &s->number);
      break;
    case StepKind::kSetWatermark:
      if (!j.contains("watermark"))
        Fail(ptr + "/watermark", "missing required field 'watermark'");
      else
        UintField(j, ptr, "watermark", &s->number);
      break;
    case StepKind::kCrash:
      if (j.contains("mode") &&
          String(j["mode"], ptr + "/mode", &s->crash_mode)) {
        auto m = faultfs::CrashMode::Parse(s->crash_mode);
        if (!m.ok())
          Fail(ptr + "/mode", "bad crash mode: " + m.status().message());
      }
      break;
    case StepKind::kInject:
      if (!j.contains("rule"))
        Fail(ptr + "/rule", "missing required field 'rule'");
      else
        Rule(j["rule"], ptr + "/rule", &s->rule);
      break;
    case StepKind::kExec:
      ParseExec(j, ptr, s);
      break;
    case StepKind::kCheck:
      ParseCheck(j, ptr, s);
      break;
    default:
      break;
  }
}

bool IsEngineStep(StepKind k) {
  switch (k) {
    case StepKind::kPut:
    case StepKind::kDelete:
    case StepKind::kCheckpoint:
    case StepKind::kGc:
    case StepKind::kSync:
    case StepKind::kSetOffset:
    case StepKind::kSetWatermark:
      return true;
    default:
      return false;
  }
}

void Parser::ParseWorkload(const json& j, const std::string& ptr) {
  if (!j.is_array()) {
    Fail(ptr, "must be an array of steps, got " + Describe(j));
    return;
  }
  if (j.empty()) Fail(ptr, "must hold at least one step");
  // In an exec scenario any step may follow a crash: the file system is
  // restarted first (CheckExecScenario rejects engine steps there).
  bool exec = std::any_of(j.begin(), j.end(), [](const json& step) {
    return step.is_object() && step.contains("op") &&
           (step["op"] == "exec" || step["op"] == "check");
  });
  bool crashed = false;
  constexpr uint64_t kMaxStepBytes = uint64_t{1} << 28;      // 256 MiB
  constexpr uint64_t kMaxWorkloadBytes = uint64_t{1} << 30;  // 1 GiB
  uint64_t total_bytes = 0;
  for (size_t i = 0; i < j.size(); ++i) {
    std::string p = ptr + "/" + std::to_string(i);
    Step s;
    ParseStep(j[i], p, &s);
    if (s.kind == StepKind::kCheck && s.invariant.empty()) {
      s.invariant =
          "check:" + (s.name.empty() ? "step-" + std::to_string(i) : s.name);
    }
    if (s.kind == StepKind::kCrash) crashed = true;
    if (s.kind == StepKind::kRecover) crashed = false;
    if (!exec && crashed && IsEngineStep(s.kind) && j[i].is_object() &&
        j[i].contains("op")) {
      Fail(p + "/op",
           "engine step after a crash: add {\"op\": \"recover\"} first");
      crashed = false;  // report once
    }
    if (s.kind == StepKind::kPut || s.kind == StepKind::kDelete) {
      // What the step makes the engine (and the simulator) hold: bounded
      // per step and per workload (scenarios/README.md, "Bounds").
      uint64_t bytes = s.count * (uint64_t{s.key_size} + s.value_size);
      total_bytes += bytes;
      if (bytes > kMaxStepBytes) {
        Fail(p, "count x (key_size + value_size) = " + std::to_string(bytes) +
                    " bytes; at most " + std::to_string(kMaxStepBytes) +
                    " per step");
      } else if (total_bytes > kMaxWorkloadBytes) {
        Fail(p, "the workload writes more than " +
                    std::to_string(kMaxWorkloadBytes) +
                    " bytes of keys and values in all");
        total_bytes = 0;  // report once
      }
    }
    out_.scenario.workload.push_back(std::move(s));
  }
}

void Parser::ParseCrashPoints(const json& j, const std::string& ptr,
                              CrashPoints* cp, bool recovery) {
  static const std::map<std::string, CrashPointStrategy> names{
      {"every-op", CrashPointStrategy::kEveryOp},
      {"every-persistence-point", CrashPointStrategy::kEveryPersistencePoint},
      {"list", CrashPointStrategy::kList},
      {"sample", CrashPointStrategy::kSample}};
  std::string strategy;
  std::string sptr = ptr;
  if (j.is_string()) {
    strategy = j.get<std::string>();
  } else {
    if (!Object(j, ptr, {"strategy", "ops", "count", "seed", "steps"})) return;
    sptr = ptr + "/strategy";
    if (!j.contains("strategy")) {
      Fail(sptr, "missing required field 'strategy'");
      return;
    }
    if (!String(j["strategy"], sptr, &strategy)) return;
  }
  auto it = names.find(strategy);
  if (it == names.end()) {
    Fail(sptr, "unknown strategy '" + strategy +
                   "' (every-op, every-persistence-point, list, sample)");
    return;
  }
  cp->strategy = it->second;
  if (recovery && cp->strategy != CrashPointStrategy::kEveryOp &&
      cp->strategy != CrashPointStrategy::kSample) {
    Fail(sptr, "inside recovery only every-op or sample are possible");
  }
  if (!j.is_object()) {
    if (cp->strategy == CrashPointStrategy::kList ||
        cp->strategy == CrashPointStrategy::kSample) {
      Fail(ptr,
           "strategy '" + strategy + "' needs an object with its parameters");
    }
    return;
  }
  if (cp->strategy == CrashPointStrategy::kList) {
    if (!j.contains("ops"))
      Fail(ptr + "/ops", "missing required field 'ops' for strategy list");
    else if (!j["ops"].is_array() || j["ops"].empty())
      Fail(ptr + "/ops", "must be a non-empty array of op indices");
    else {
      for (size_t i = 0; i < j["ops"].size(); ++i) {
        uint64_t v = 0;
        if (Uint(j["ops"][i], ptr + "/ops/" + std::to_string(i), &v))
          cp->ops.push_back(v);
      }
    }
  } else if (j.contains("ops")) {
    Fail(ptr + "/ops", "only strategy list takes 'ops'");
  }
  if (cp->strategy == CrashPointStrategy::kSample) {
    if (!j.contains("count"))
      Fail(ptr + "/count",
           "missing required field 'count' for strategy sample");
    else
      UintField(j, ptr, "count", &cp->count, 1, 10000000);
    UintField(j, ptr, "seed", &cp->seed);
  } else {
    if (j.contains("count"))
      Fail(ptr + "/count", "only strategy sample takes 'count'");
    if (j.contains("seed"))
      Fail(ptr + "/seed", "only strategy sample takes 'seed'");
  }
  if (j.contains("steps")) {
    if (recovery) {
      Fail(ptr + "/steps", "not allowed inside recovery");
    } else if (!j["steps"].is_array()) {
      Fail(ptr + "/steps", "must be an array of workload step indices");
    } else {
      for (size_t i = 0; i < j["steps"].size(); ++i) {
        uint64_t v = 0;
        std::string p = ptr + "/steps/" + std::to_string(i);
        if (!Uint(j["steps"][i], p, &v)) continue;
        if (v >= out_.scenario.workload.size()) {
          Fail(p, "no workload step " + std::to_string(v) +
                      " (the workload has " +
                      std::to_string(out_.scenario.workload.size()) + ")");
        }
        cp->steps.push_back(v);
      }
    }
  }
}

void Parser::ParseCrashModes(const json& j, const std::string& ptr,
                             std::vector<std::string>* out) {
  if (!j.is_array() || j.empty()) {
    Fail(ptr,
         "must be a non-empty array of crash modes (drop, prefix, prefix:K, "
         "torn, torn:N, torn@SEED, random, random:N, random@SEED)");
    return;
  }
  out->clear();
  std::set<std::string> seen;
  for (size_t i = 0; i < j.size(); ++i) {
    std::string p = ptr + "/" + std::to_string(i);
    std::string m;
    if (!String(j[i], p, &m)) continue;
    if (auto st = CheckCrashModeSpec(m); !st.empty()) Fail(p, st);
    if (!seen.insert(m).second) Fail(p, "crash mode '" + m + "' listed twice");
    out->push_back(m);
  }
}

void Parser::ParseRecovery(const json& j, const std::string& ptr) {
  if (!Object(j, ptr, {"faults", "crash_points", "crash_modes"})) return;
  auto& r = out_.scenario.recovery;
  if (j.contains("faults")) {
    if (!j["faults"].is_array()) {
      Fail(ptr + "/faults", "must be an array of fault rules");
    } else {
      for (size_t i = 0; i < j["faults"].size(); ++i) {
        faultfs::FaultRule rule;
        if (Rule(j["faults"][i], ptr + "/faults/" + std::to_string(i), &rule))
          r.faults.push_back(rule);
      }
    }
  }
  if (j.contains("crash_points")) {
    r.crash_points = CrashPoints{};
    ParseCrashPoints(j["crash_points"], ptr + "/crash_points", &r.crash_points,
                     true);
  }
  if (j.contains("crash_modes"))
    ParseCrashModes(j["crash_modes"], ptr + "/crash_modes", &r.crash_modes);
}

void Parser::ParseInvariants(const json& root) {
  auto& sc = out_.scenario;
  bool all = !root.contains("invariants") ||
             (root["invariants"].is_string() && root["invariants"] == "all");
  if (sc.has_exec()) {
    // An exec scenario's invariants are its checks' ids, in workload order.
    if (!all) {
      Fail("/invariants",
           "an exec scenario checks its check steps, each under its "
           "\"invariant\" "
           "(default check:NAME): remove \"invariants\"");
    }
    for (const auto& st : sc.workload) {
      if (st.kind == StepKind::kCheck &&
          std::find(sc.invariants.begin(), sc.invariants.end(), st.invariant) ==
              sc.invariants.end()) {
        sc.invariants.push_back(st.invariant);
      }
    }
  } else if (all) {
    sc.invariants = AllInvariantIds();
  } else {
    const json& j = root["invariants"];
    if (!j.is_array() || j.empty()) {
      Fail("/invariants",
           "must be \"all\" or a non-empty array of invariant ids");
    } else {
      std::set<std::string> seen;
      for (size_t i = 0; i < j.size(); ++i) {
        std::string p = "/invariants/" + std::to_string(i);
        std::string id;
        if (!String(j[i], p, &id)) continue;
        if (!IsInvariantId(id)) {
          std::string known;
          for (const auto& k : AllInvariantIds())
            known += (known.empty() ? "" : ", ") + k;
          Fail(p, "unknown invariant '" + id + "' (known: " + known + ")");
        } else if (!seen.insert(id).second) {
          Fail(p, "invariant '" + id + "' listed twice");
        } else {
          sc.invariants.push_back(id);
        }
      }
    }
  }
  if (!root.contains("expect")) {
    Fail("/expect",
         "missing required field 'expect' (\"pass\" or a list of invariant ids "
         "expected to be violated)");
    return;
  }
  const json& e = root["expect"];
  if (e.is_string()) {
    if (e != "pass")
      Fail("/expect", "must be \"pass\" or a list of invariant ids");
    return;
  }
  if (!e.is_array() || e.empty()) {
    Fail("/expect", "must be \"pass\" or a non-empty list of invariant ids");
    return;
  }
  for (size_t i = 0; i < e.size(); ++i) {
    std::string p = "/expect/" + std::to_string(i);
    std::string id;
    if (!String(e[i], p, &id)) continue;
    if (std::find(sc.invariants.begin(), sc.invariants.end(), id) ==
        sc.invariants.end()) {
      if (sc.has_exec()) {
        std::string have;
        for (const auto& k : sc.invariants)
          have += (have.empty() ? "" : ", ") + k;
        Fail(p, "no check step reports invariant '" + id +
                    "' (the checks report: " +
                    (have.empty() ? "nothing" : have) + ")");
      } else {
        Fail(p, IsInvariantId(id)
                    ? "invariant '" + id +
                          "' is expected violated but not checked "
                          "(add it to \"invariants\")"
                    : "unknown invariant '" + id + "'");
      }
      continue;
    }
    if (std::find(sc.expect_violated.begin(), sc.expect_violated.end(), id) !=
        sc.expect_violated.end()) {
      Fail(p, "invariant '" + id + "' listed twice");
      continue;
    }
    sc.expect_violated.push_back(id);
  }
}

void Parser::ParseReproduce(const json& j, const std::string& ptr) {
  if (!Object(j, ptr, {"crash_point", "crash_mode", "invariant"})) return;
  ReproTarget t;
  for (const char* f : {"crash_point", "crash_mode", "invariant"}) {
    if (!j.contains(f))
      Fail(ptr + "/" + f, std::string("missing required field '") + f + "'");
  }
  UintField(j, ptr, "crash_point", &t.crash_point);
  if (j.contains("crash_mode") &&
      String(j["crash_mode"], ptr + "/crash_mode", &t.crash_mode)) {
    if (!faultfs::CrashMode::Parse(t.crash_mode).ok())
      Fail(ptr + "/crash_mode", "bad crash mode");
  }
  const auto& ids = out_.scenario.invariants;
  if (j.contains("invariant") &&
      String(j["invariant"], ptr + "/invariant", &t.invariant) &&
      !IsInvariantId(t.invariant) &&
      std::find(ids.begin(), ids.end(), t.invariant) == ids.end()) {
    Fail(ptr + "/invariant", "unknown invariant '" + t.invariant + "'");
  }
  out_.scenario.reproduce = t;
}

// What the schema cannot say about exec scenarios (exec_mode.h).
void Parser::CheckExecScenario(const json& root) {
  const Scenario& sc = out_.scenario;
  bool checks = false;
  for (size_t i = 0; i < sc.workload.size(); ++i) {
    StepKind k = sc.workload[i].kind;
    checks = checks || k == StepKind::kCheck;
    if ((IsEngineStep(k) && k != StepKind::kSync) || k == StepKind::kRecover) {
      Fail("/workload/" + std::to_string(i) + "/op",
           "engine step '" + std::string(StepKindName(k)) +
               "' in an exec scenario: a scenario drives either "
               "the engine or your programs (exec and check steps), not both");
    }
  }
  if (!checks)
    Fail("/workload",
         "an exec scenario needs at least one check step: its verdict");
  for (const char* f : {"engine", "recovery"}) {
    if (root.contains(f)) {
      Fail(std::string("/") + f,
           "does not apply to an exec scenario (it runs your commands, not the "
           "engine)");
    }
  }
  if (root.contains("crash_modes") && !root.contains("crash_points")) {
    Fail("/crash_modes",
         "in an exec scenario crash_modes apply to crash_points (give them "
         "too); "
         "a crash step names its own mode");
  }
  for (size_t i = 0; i < sc.crash_modes.size(); ++i) {
    if (sc.crash_modes[i] == "prefix") {
      Fail("/crash_modes/" + std::to_string(i),
           "exec mode cannot expand \"prefix\" (every prefix:K needs the "
           "pending operations at the crash point): give prefix:K");
    }
  }
  for (size_t i = 0; i < sc.crash_points.steps.size(); ++i) {
    uint64_t st = sc.crash_points.steps[i];
    if (st < sc.workload.size() && sc.workload[st].kind != StepKind::kExec) {
      Fail("/crash_points/steps/" + std::to_string(i),
           "step " + std::to_string(st) +
               " is not an exec step: crash points lie in the operations of "
               "exec steps");
    }
  }
}

ParseOutcome Parser::Run() {
  if (auto at = faultfs::JsonTooDeepAt(text_)) {
    auto pos = reports::PositionOfOffset(text_, *at);
    out_.errors.push_back(
        InputError{.file = file_,
                   .line = pos.line,
                   .column = pos.column,
                   .message = "JSON " + faultfs::JsonTooDeepMessage(*at)});
    return std::move(out_);
  }
  json root;
  try {
    root = json::parse(text_);
  } catch (const json::parse_error& e) {
    auto pos = reports::PositionOfOffset(text_, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    auto cut = what.find("syntax error");
    out_.errors.push_back(InputError{
        .file = file_,
        .line = pos.line,
        .column = pos.column,
        .message =
            "JSON " + (cut == std::string::npos ? what : what.substr(cut))});
    return std::move(out_);
  } catch (const json::exception& e) {  // out_of_range: a number like 1e400
    out_.errors.push_back(
        InputError{.file = file_,
                   .line = 1,
                   .column = 1,
                   .message = std::string("JSON ") + e.what()});
    return std::move(out_);
  }
  Scenario& sc = out_.scenario;
  sc.file = file_;
  if (!Object(root, "",
              {"$schema", "name", "description", "seed", "modes", "metadata",
               "engine", "faults", "workload", "crash_points", "crash_modes",
               "recovery", "invariants", "expect", "reproduce"})) {
    return std::move(out_);
  }
  if (!root.contains("name"))
    Fail("/name", "missing required field 'name'");
  else
    String(root["name"], "/name", &sc.name);
  if (root.contains("description"))
    String(root["description"], "/description", &sc.description, false);
  UintField(root, "", "seed", &sc.seed);
  if (root.contains("modes")) {
    sc.modes = Strings(root["modes"], "/modes");
    for (size_t i = 0; i < sc.modes.size(); ++i) {
      if (sc.modes[i] != "sim" && sc.modes[i] != "fuse") {
        Fail("/modes/" + std::to_string(i),
             "unknown mode '" + sc.modes[i] + "' (sim, fuse)");
      }
    }
    if (root["modes"].is_array() && root["modes"].empty())
      Fail("/modes", "must name a mode");
  }
  if (std::string metadata; root.contains("metadata") &&
                            String(root["metadata"], "/metadata", &metadata)) {
    if (metadata == "strict" || metadata == "immediate") {
      sc.metadata = *faultfs::ParseMetadataModel(metadata);
    } else {
      Fail("/metadata", "must be \"strict\" or \"immediate\"");
    }
  }
  if (root.contains("engine")) ParseEngine(root["engine"], "/engine");
  if (root.contains("faults")) {
    if (!root["faults"].is_array()) {
      Fail("/faults", "must be an array of fault rules");
    } else {
      for (size_t i = 0; i < root["faults"].size(); ++i) {
        faultfs::FaultRule rule;
        if (Rule(root["faults"][i], "/faults/" + std::to_string(i), &rule))
          sc.faults.push_back(rule);
      }
    }
  }
  if (!root.contains("workload"))
    Fail("/workload", "missing required field 'workload'");
  else
    ParseWorkload(root["workload"], "/workload");
  if (root.contains("crash_points")) {
    ParseCrashPoints(root["crash_points"], "/crash_points", &sc.crash_points,
                     false);
  } else if (sc.has_exec()) {
    sc.crash_points =
        ExecNoCrashPoints();  // crashes only where crash steps and rules say
  }
  if (root.contains("crash_modes"))
    ParseCrashModes(root["crash_modes"], "/crash_modes",
                    &out_.scenario.crash_modes);
  if (root.contains("recovery")) ParseRecovery(root["recovery"], "/recovery");
  ParseInvariants(root);
  if (root.contains("reproduce"))
    ParseReproduce(root["reproduce"], "/reproduce");
  if (sc.has_exec() &&
      std::find(sc.modes.begin(), sc.modes.end(), "sim") != sc.modes.end() &&
      root.contains("modes")) {
    Fail("/modes",
         "exec steps run only in fuse mode: remove \"sim\" from modes");
  }
  if (sc.has_exec()) CheckExecScenario(root);
  return std::move(out_);
}

}  // namespace

ParseOutcome ParseScenario(std::string_view text, const std::string& file) {
  return Parser(text, file).Run();
}

ParseOutcome LoadScenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ParseOutcome out;
    out.errors.push_back(
        InputError{.file = path, .message = "cannot read file"});
    return out;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseScenario(ss.str(), path);
}

}  // namespace crashlab::harness
