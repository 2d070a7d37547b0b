#include "harness/workload/recovery_run.h"

#include <algorithm>
#include <exception>
#include <random>

#include "faultfs/sim_vfs.h"
#include "harness/scenario/crash_mode_list.h"
#include "harness/workload/image_facts.h"
#include "harness/workload/workload_run.h"

namespace crashlab::harness {
namespace {

using faultfs::SimState;
using faultfs::SimVfs;

// The part of `s` that PostCrashState(s, Drop) reads: a crash in drop mode
// keeps the durable image and forgets what is visible or pending.
SimState DropCrashInput(const SimState& s) {
  SimState out;
  out.durable = s.durable;
  out.lost = s.lost;
  out.next_ino = s.next_ino;
  out.log_durable = s.log_durable;
  out.durable_log = s.durable_log;
  return out;
}

// Open + Dump, optionally capturing the state before every op: what a drop
// crash needs of it, or all of it (`whole`) for modes that keep pending ops.
RecoveryOutcome OpenOnce(const RecoveryRequest& req, const SimState& state,
                         std::vector<SimState>* states, bool whole = false) {
  RecoveryOutcome out;
  SimVfs vfs(SimOptions(*req.scenario, req.seed), state);
  for (const auto& rule : req.scenario->recovery.faults) vfs.faults().Add(rule);
  if (states) {
    vfs.SetHook([states, whole](const faultfs::TraceEntry& next,
                                const SimState& s) {
      if (states->size() <= next.index) states->resize(next.index + 1);
      (*states)[next.index] = whole ? s : DropCrashInput(s);
    });
  }
  engine::Options options = req.scenario->engine.ToOptions();
  try {
    auto r = engine::Engine::Open(vfs, "", options, &out.result);
    out.ok = r.ok();
    if (r.ok()) {
      auto eng = std::move(r).value();
      out.dump = eng->Dump();
      for (const auto& c : eng->checkpoints()) out.catalog.push_back(c.id);
    } else {
      out.status = r.status().ToString();
    }
  } catch (const std::exception& e) {
    out.threw = true;
    out.exception = e.what();
  } catch (...) {
    out.threw = true;
    out.exception = "unknown exception";
  }
  vfs.SetHook(nullptr);
  out.trace = vfs.trace();
  out.faults = vfs.faults().log();
  for (const auto& e : out.trace) {
    if ((e.op == faultfs::OpKind::kUnlink || e.op == faultfs::OpKind::kRmdir) &&
        e.result == 0) {
      out.deleted.push_back(e.path);
    }
  }
  if (states) {
    states->resize(out.trace.size() + 1);
    (*states)[out.trace.size()] =
        whole ? vfs.Snapshot() : DropCrashInput(vfs.Snapshot());
  }
  return out;
}

void InspectImage(const RecoveryRequest& req, const SimState& state,
                  RecoveryOutcome* out) {
  SimVfs vfs(SimOptions(*req.scenario, req.seed, false), state);
  engine::InspectReport rep =
      engine::Inspect(vfs, "", req.scenario->engine.ToOptions());
  out->catalog_present = rep.catalog_present;
  out->catalog_ok = rep.catalog_ok;
  if (!rep.checkpoints.empty()) {
    out->newest_id = rep.checkpoints.back().id;
    out->newest_problems = rep.checkpoints.back().problems;
  }
  out->committed_dirs = CommittedDirs(state.visible);
}

std::string Summary(const RecoveryOutcome& o) {
  if (o.threw) return "exception: " + o.exception;
  if (!o.ok) return "failed: " + o.status;
  return "ok, " + std::to_string(o.dump.kv.size()) + " keys, catalog [" + [&] {
    std::string s;
    for (const auto& id : o.catalog) s += (s.empty() ? "" : ", ") + id;
    return s;
  }() + "]";
}

}  // namespace

bool RecoveryOutcome::damaged() const {
  return std::any_of(
      faults.begin(), faults.end(), [](const faultfs::InjectedFault& f) {
        return f.action == faultfs::ActionKind::kCorrupt || IsDamagingFault(f);
      });
}

std::vector<uint64_t> NestedCrashPoints(const CrashPoints& cp, uint64_t ops,
                                        uint64_t seed) {
  std::vector<uint64_t> all;
  for (uint64_t i = 0; i < ops; ++i) all.push_back(i);
  if (cp.strategy == CrashPointStrategy::kSample && cp.count < all.size()) {
    std::mt19937_64 rng(cp.seed ? cp.seed : MixSeed(seed, ops));
    std::vector<uint64_t> pick;
    // The last op (recovery finished) is always tried.
    pick.push_back(ops - 1);
    all.pop_back();
    std::shuffle(all.begin(), all.end(), rng);
    for (uint64_t i = 0; pick.size() < cp.count && i < all.size(); ++i)
      pick.push_back(all[i]);
    std::sort(pick.begin(), pick.end());
    return pick;
  }
  return all;
}

RecoveryOutcome RunRecovery(const RecoveryRequest& req, const SimState& state) {
  bool nested = req.check_idempotence && req.scenario->recovery.faults.empty();
  std::vector<SimState> states;
  const auto& modes = req.scenario->recovery.crash_modes;
  bool whole = !(modes.size() == 1 && modes[0] == "drop");
  RecoveryOutcome out =
      OpenOnce(req, state, nested ? &states : nullptr, whole);
  if (out.ok) InspectImage(req, state, &out);
  if (!nested || out.threw || out.trace.empty()) return out;
  for (uint64_t r : NestedCrashPoints(req.scenario->recovery.crash_points,
                                      out.trace.size(), req.seed)) {
    const SimState& at = states[r + 1];
    for (const auto& mode : ExpandCrashModes(modes, at.pending.size(),
             HasPendingWrites(at), MixSeed(req.seed, 0x6e65737465), r)) {
      SimState post = PostCrashState(at, mode);
      RecoveryOutcome again = OpenOnce(req, post, nullptr);
      ++out.nested_states;
      bool same =
          again.threw == out.threw && again.ok == out.ok &&
          (!out.ok || (again.dump == out.dump && again.catalog == out.catalog));
      if (!same) {
        out.idempotence_failure =
            "a crash" +
            (mode.kind == faultfs::CrashMode::Kind::kDrop
                 ? std::string()
                 : " (" + mode.ToString() + ")") +
            " after recovery op " + std::to_string(r) + " (" +
            std::string(faultfs::OpName(out.trace[r].op)) + " " +
            out.trace[r].path + ") and a second recovery gave " +
            Summary(again) + "; the uninterrupted recovery gave " +
            Summary(out);
        return out;
      }
    }
  }
  return out;
}

}  // namespace crashlab::harness
