#include "harness/suite/run_record_builder.h"

#include <algorithm>
#include <set>

#include "harness/fuse/fuse_agreement.h"
#include "harness/scenario/crash_mode_list.h"
#include "harness/workload/image_facts.h"

namespace crashlab::harness {
namespace {

std::string ModeFileSafe(const faultfs::CrashMode& m) {
  std::string s = m.ToString();
  std::replace(s.begin(), s.end(), ':', '-');
  return s;
}

reports::TraceOp ToTraceOp(const faultfs::TraceEntry& e) {
  return reports::TraceOp{
      .index = e.index,
      .op = std::string(faultfs::OpName(e.op)),
      .path = e.path,
      .path2 = e.path2,
      .offset = e.offset,
      .length = e.length,
      .result = e.result == 0 ? "ok" : faultfs::ErrnoName(e.result),
      .persistence_point = e.persistence_point,
      .fault = e.fault};
}

reports::FaultEvent ToFaultEvent(const faultfs::InjectedFault& f,
                                 const std::string& suffix) {
  return reports::FaultEvent{
      .index = f.op_index,
      .op = std::string(faultfs::OpName(f.op)),
      .path = f.path,
      .offset = f.offset,
      .length = f.length,
      .kind = std::string(faultfs::ActionName(f.action)),
      .errno_name = f.err ? faultfs::ErrnoName(f.err) : "",
      .detail = f.detail + suffix};
}

reports::FileImage ImageOf(const faultfs::Image& img, const std::string& path) {
  reports::FileImage fi;
  auto ino = img.Lookup(path);
  if (!ino) return fi;
  const faultfs::Node* n = img.Find(*ino);
  if (!n) return fi;
  fi.exists = true;
  fi.kind = n->type == faultfs::FileType::kDirectory ? "dir"
            : n->type == faultfs::FileType::kSymlink ? "symlink"
                                                     : "file";
  if (n->type == faultfs::FileType::kRegular) fi.size = n->data.size();
  return fi;
}

std::string OpTypeName(OpType t) {
  switch (t) {
    case OpType::kPut:
      return "put";
    case OpType::kDelete:
      return "delete";
    case OpType::kSetOffset:
      return "set_offset";
    case OpType::kSetWatermark:
      return "set_watermark";
  }
  return "?";
}

}  // namespace

reports::ScenarioResult ToScenarioResult(const ScenarioPlan& plan) {
  reports::ScenarioResult r;
  r.file = plan.scenario.file;
  r.name = plan.scenario.name;
  r.mode = "sim";
  r.expected.verdict = plan.scenario.expect_violated.empty()
                           ? reports::Verdict::kPass
                           : reports::Verdict::kFail;
  r.expected.violated = plan.scenario.expect_violated;
  r.duration_seconds = plan.seconds;
  for (const auto& id : plan.scenario.invariants)
    r.invariants.push_back(reports::InvariantCount{.id = id});
  if (!plan.skipped.empty()) {
    r.verdict = reports::Verdict::kError;
    r.error = "not run in sim mode: " + plan.skipped;
    return r;
  }
  std::set<uint64_t> points;
  for (const auto& c : plan.cases) {
    if (!c.done) continue;
    points.insert(c.point);
    for (size_t i = 0; i < c.findings.size(); ++i) {
      if (c.findings[i].violated)
        ++r.invariants[i].violated;
      else
        ++r.invariants[i].held;
    }
  }
  r.crash_points.assign(points.begin(), points.end());
  r.crash_states = plan.crash_states();
  r.distinct_images = plan.distinct_images;
  r.recoveries = plan.recoveries();
  r.nested_crashes = plan.nested_crashes;
  r.checks = plan.checks;
  bool violated = std::any_of(
      r.invariants.begin(), r.invariants.end(),
      [](const reports::InvariantCount& c) { return c.violated > 0; });
  r.verdict = violated ? reports::Verdict::kFail : reports::Verdict::kPass;
  if (plan.stopped()) {
    r.verdict = reports::Verdict::kError;
    r.error = "stopped early (--fail-fast): not every crash state was explored";
  }
  return r;
}

std::vector<std::pair<size_t, size_t>> FirstViolations(
    const ScenarioPlan& plan) {
  // One per (invariant, crash point): the first violating mode. Sharding
  // splits crash points, so merged shard reports hold the same set.
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t inv = 0; inv < plan.scenario.invariants.size(); ++inv) {
    bool have = false;
    uint64_t last_point = 0;
    for (size_t i = 0; i < plan.cases.size(); ++i) {
      const auto& c = plan.cases[i];
      if (!c.done || inv >= c.findings.size() || !c.findings[inv].violated)
        continue;
      if (have && c.point == last_point) continue;
      out.emplace_back(i, inv);
      have = true;
      last_point = c.point;
    }
  }
  return out;
}

Scenario MakeReproducer(const ScenarioPlan& plan, const CaseResult& c,
                        const std::string& invariant) {
  Scenario r = plan.scenario;
  r.file.clear();
  r.seed = plan.seed;
  r.crash_points =
      CrashPoints{.strategy = CrashPointStrategy::kList, .ops = {c.point}};
  r.crash_modes = {SpecForMode(c.mode)};
  r.invariants = {invariant};
  r.expect_violated = {invariant};
  r.reproduce = ReproTarget{.crash_point = c.point,
                            .crash_mode = c.mode.ToString(),
                            .invariant = invariant};
  if (r.description.empty() || r.description.rfind("Reproducer", 0) != 0) {
    r.description = "Reproducer: " + invariant + " violated at crash point " +
                    std::to_string(c.point) + " (" + c.mode.ToString() +
                    ") of scenario " + plan.scenario.name + ".";
  }
  return r;
}

std::string ReproducerFileName(const ScenarioPlan& plan, const CaseResult& c,
                               const std::string& invariant) {
  std::string name = plan.scenario.name;
  for (auto& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' &&
        ch != '_' && ch != '.')
      ch = '_';
  }
  return name + "--" + invariant + "--p" + std::to_string(c.point) + "-" +
         ModeFileSafe(c.mode) + ".json";
}

reports::Violation ToViolation(const ScenarioPlan& plan, const CaseResult& c,
                               size_t inv, const std::string& reproducer_path) {
  const WorkloadRun& run = *plan.workload;
  faultfs::Image post;
  CrashCase cc = BuildCrashCase(plan, c, &post);
  const RecoveryOutcome& rec = *c.recovery;
  reports::Violation v;
  v.scenario_file = plan.scenario.file;
  v.scenario = plan.scenario.name;
  v.mode = "sim";
  v.invariant = plan.scenario.invariants[inv];
  v.message = c.findings[inv].message;
  v.crash_point = c.point;
  v.crash_mode = c.mode.ToString();
  uint64_t lo = c.point >= 8 ? c.point - 8 : 0;
  uint64_t hi = std::min<uint64_t>(run.op_count(), c.point + 4);
  std::set<std::string> paths;
  for (uint64_t i = lo; i < hi; ++i) {
    v.trace.push_back(ToTraceOp(run.trace[i]));
    if (!run.trace[i].path.empty()) paths.insert(run.trace[i].path);
    if (!run.trace[i].path2.empty() &&
        run.trace[i].op == faultfs::OpKind::kRename)
      paths.insert(run.trace[i].path2);
  }
  for (const auto& f : run.faults) {
    if (f.op_index <= c.point) v.faults.push_back(ToFaultEvent(f, ""));
  }
  for (const auto& f : rec.faults)
    v.faults.push_back(ToFaultEvent(f, " (during recovery)"));
  for (const auto& id : cc.view.listed) {
    v.catalog_expected.push_back(reports::CatalogEntry{
        .id = id,
        .detail = {{"acknowledged", cc.view.acked_checkpoints.count(id) > 0}}});
  }
  for (const auto& id : rec.catalog)
    v.catalog_recovered.push_back(reports::CatalogEntry{.id = id});
  v.wal.issued = cc.view.issued;
  if (cc.view.session) {
    size_t from = cc.view.acked > 50 ? cc.view.acked - 50 : 0;
    for (size_t i = from; i < cc.view.acked; ++i) {
      const auto& op = cc.view.session->ops[i];
      v.wal.acknowledged.push_back(
          reports::AckedOp{.seq = i, .op = OpTypeName(op.type), .key = op.key});
    }
  }
  if (rec.ok)
    v.wal.recovered_prefix =
        MatchingPrefix(cc.view, rec.dump, 0, cc.view.issued);
  for (const auto& id : cc.view.listed) {
    reports::CheckpointFiles cf{.checkpoint = id};
    for (const auto& p : ProtectedPaths(cc.pre->durable, {id})) {
      bool deleted = std::find(rec.deleted.begin(), rec.deleted.end(), p) !=
                     rec.deleted.end();
      if (deleted)
        cf.removed.push_back(p);
      else if (post.Lookup(p))
        cf.kept.push_back(p);
      else
        cf.missing.push_back(p);
    }
    v.checkpoint_files.push_back(std::move(cf));
  }
  for (const auto& p : rec.deleted) paths.insert(p);
  size_t n = 0;
  for (const auto& p : paths) {
    if (++n > 24) break;
    v.files.push_back(
        reports::FileState{.path = p,
                           .durable = ImageOf(cc.pre->durable, p),
                           .visible = ImageOf(cc.pre->visible, p)});
  }
  if (rec.ok) {
    StateDump want = cc.view.ModelAt(cc.view.acked);
    std::set<std::string> keys;
    for (const auto& [k, val] : want.kv) keys.insert(k);
    for (const auto& [k, val] : rec.dump.kv) keys.insert(k);
    for (const auto& k : keys) {
      auto a = want.kv.find(k);
      auto b = rec.dump.kv.find(k);
      std::optional<std::string> ea =
          a == want.kv.end() ? std::nullopt
                             : std::optional<std::string>(a->second);
      std::optional<std::string> eb =
          b == rec.dump.kv.end() ? std::nullopt
                                 : std::optional<std::string>(b->second);
      if (ea == eb) {
        ++v.state.matching;
      } else if (v.state.differences.size() < 50) {
        v.state.differences.push_back(
            reports::KeyDiff{.key = k, .expected = ea, .recovered = eb});
      }
    }
  }
  v.recovery_result = rec.result.ToJson();
  v.reproducer = reproducer_path;
  v.reproduce_command = "crashlab replay " + reproducer_path;
  return v;
}

}  // namespace crashlab::harness

// ------------------------------------------------------------ fuse mode

namespace crashlab::harness {
namespace {

std::string FileSafe(std::string name) {
  for (auto& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' &&
        ch != '_' && ch != '.')
      ch = '_';
  }
  return name;
}

CaseResult FuseCaseResult(const FuseCase& c) {
  return CaseResult{.point = c.point,
                    .mode = faultfs::CrashMode::Drop(),
                    .findings = c.findings,
                    .recovery = c.recovery,
                    .done = c.done};
}

}  // namespace

reports::ScenarioResult ToFuseScenarioResult(const FusePlan& plan) {
  const Scenario& sc = plan.scenario;
  reports::ScenarioResult r;
  r.file = sc.file;
  r.name = sc.name;
  r.mode = "fuse";
  r.duration_seconds = plan.seconds + plan.ref.seconds;
  for (const auto& id : sc.invariants)
    r.invariants.push_back(reports::InvariantCount{.id = id});
  reports::InvariantCount agreement{.id = kSimFuseAgreement};
  std::set<std::string> sim_violated;
  std::set<uint64_t> points;
  std::string error;
  for (const auto& c : plan.cases) {
    if (!c.done) continue;
    if (!c.error.empty()) {
      if (error.empty())
        error = "crash point " + std::to_string(c.point) + ": " + c.error;
      continue;
    }
    points.insert(c.point);
    // Every fuse crash point is its own real run: its own image and recovery.
    ++r.crash_states;
    ++r.distinct_images;
    uint64_t nested = c.recovery ? c.recovery->nested_states : 0;
    r.recoveries += 1 + nested;
    r.nested_crashes += nested;
    r.checks += c.findings.size();
    for (size_t i = 0; i < c.findings.size() && i < r.invariants.size(); ++i) {
      if (c.findings[i].violated)
        ++r.invariants[i].violated;
      else
        ++r.invariants[i].held;
    }
    for (size_t i = 0; i < c.sim_findings.size() && i < sc.invariants.size();
         ++i) {
      if (c.sim_findings[i].violated) sim_violated.insert(sc.invariants[i]);
    }
    if (c.agrees())
      ++agreement.held;
    else
      ++agreement.violated;
  }
  r.invariants.push_back(agreement);
  for (const auto& id : sc.expect_violated) {
    if (sim_violated.count(id)) r.expected.violated.push_back(id);
  }
  r.expected.verdict = r.expected.violated.empty() ? reports::Verdict::kPass
                                                   : reports::Verdict::kFail;
  r.crash_points.assign(points.begin(), points.end());
  bool violated = std::any_of(
      r.invariants.begin(), r.invariants.end(),
      [](const reports::InvariantCount& c) { return c.violated > 0; });
  r.verdict = violated ? reports::Verdict::kFail : reports::Verdict::kPass;
  if (!error.empty()) {
    r.verdict = reports::Verdict::kError;
    r.error = error;
  } else if (plan.stopped()) {
    r.verdict = reports::Verdict::kError;
    r.error = "stopped early (--fail-fast): not every crash point was run";
  }
  return r;
}

std::vector<std::pair<size_t, size_t>> FuseViolations(const FusePlan& plan) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t ci = 0; ci < plan.cases.size(); ++ci) {
    const FuseCase& c = plan.cases[ci];
    if (!c.done || !c.error.empty() || !c.recovery) continue;
    for (size_t k = 0; k < c.findings.size(); ++k) {
      if (c.findings[k].violated) out.emplace_back(ci, k);
    }
    if (!c.agrees()) out.emplace_back(ci, kAgreementIndex);
  }
  return out;
}

Scenario MakeFuseReproducer(const FusePlan& plan, const FuseCase& c,
                            size_t inv) {
  Scenario r = plan.scenario;
  r.file.clear();
  r.seed = plan.seed;
  r.crash_points =
      CrashPoints{.strategy = CrashPointStrategy::kList, .ops = {c.point}};
  r.crash_modes = {"drop"};
  if (inv == kAgreementIndex) {
    r.reproduce.reset();
    r.description =
        "Reproducer: the simulator and fuse mode disagree at crash point " +
        std::to_string(c.point) + " (drop) of scenario " + plan.scenario.name +
        " (a harness bug).";
    return r;
  }
  const std::string& id = plan.scenario.invariants[inv];
  r.invariants = {id};
  r.expect_violated = {id};
  r.reproduce = ReproTarget{
      .crash_point = c.point, .crash_mode = "drop", .invariant = id};
  r.description = "Reproducer: " + id +
                  " violated in fuse mode at crash point " +
                  std::to_string(c.point) + " (drop) of scenario " +
                  plan.scenario.name + ".";
  return r;
}

std::string FuseReproducerFileName(const FusePlan& plan, const FuseCase& c,
                                   size_t inv) {
  std::string id = inv == kAgreementIndex ? kSimFuseAgreement
                                          : plan.scenario.invariants[inv];
  return FileSafe(plan.scenario.name) + "--" + id + "--p" +
         std::to_string(c.point) + "-fuse.json";
}

std::string FuseReproduceCommand(size_t inv, const std::string& path) {
  return std::string("crashlab run --mode ") +
         (inv == kAgreementIndex ? "all " : "fuse ") + path;
}

reports::Violation ToFuseViolation(const FusePlan& plan, const FuseCase& c,
                                   size_t inv,
                                   const std::string& reproducer_path) {
  CaseResult cr = FuseCaseResult(c);
  if (cr.findings.empty()) cr.findings.push_back(Finding::Held());
  reports::Violation v = ToViolation(
      plan.ref, cr, inv == kAgreementIndex ? 0 : inv, reproducer_path);
  v.mode = "fuse";
  if (inv == kAgreementIndex) {
    v.invariant = kSimFuseAgreement;
    std::string msg =
        "harness bug: the simulator and fuse mode disagree at crash point " +
        std::to_string(c.point) + " (drop):";
    for (const auto& d : c.disagreements) msg += "\n- " + d;
    v.message = msg;
  }
  v.reproduce_command =
      reproducer_path.empty() ? "" : FuseReproduceCommand(inv, reproducer_path);
  return v;
}

}  // namespace crashlab::harness
