#include "harness/fuse/fuse_agreement.h"

#include <functional>
#include <sstream>

#include "harness/fuse/image_compare.h"

namespace crashlab::harness {
namespace {

std::string DescribeOp(const faultfs::TraceEntry& e) {
  std::ostringstream o;
  o << "#" << e.index << " " << faultfs::OpName(e.op) << " "
    << (e.path.empty() ? "." : e.path);
  if (!e.path2.empty()) o << " -> " << e.path2;
  if (e.length || e.offset) o << " [" << e.offset << ", +" << e.length << ")";
  o << " = " << (e.result == 0 ? "ok" : faultfs::ErrnoName(e.result));
  if (!e.fault.empty()) o << " (fault " << e.fault << ")";
  return o.str();
}

bool SameOp(const faultfs::TraceEntry& a, const faultfs::TraceEntry& b) {
  return a.index == b.index && a.op == b.op && a.path == b.path &&
         a.path2 == b.path2 && a.offset == b.offset && a.length == b.length &&
         a.result == b.result && a.fault == b.fault;
}

// Compares two event lists cut at the crash (events "at" <= point + 1). The
// worker stops right after op `point`, before the engine call in progress
// returns, so events at exactly point + 1 may be missing on its side (they
// must not differ).
template <typename T>
void CompareEvents(const std::string& what, std::vector<T> sim,
                   std::vector<T> fuse, uint64_t point,
                   const std::function<uint64_t(const T&)>& at,
                   const std::function<std::string(const T&)>& show,
                   const std::function<bool(const T&, const T&)>& same,
                   std::vector<std::string>* out) {
  auto cut = [&](std::vector<T>& v) {
    std::erase_if(v, [&](const T& e) { return at(e) > point + 1; });
  };
  cut(sim);
  cut(fuse);
  size_t n = std::min(sim.size(), fuse.size());
  for (size_t i = 0; i < n; ++i) {
    if (!same(sim[i], fuse[i])) {
      out->push_back(what + " #" + std::to_string(i) + " differs: sim " +
                     show(sim[i]) + "; fuse " + show(fuse[i]));
      return;
    }
  }
  if (fuse.size() > sim.size()) {
    out->push_back(what + ": fuse has " +
                   std::to_string(fuse.size() - sim.size()) +
                   " more than sim, first " + show(fuse[n]));
    return;
  }
  for (size_t i = n; i < sim.size(); ++i) {
    if (at(sim[i]) != point + 1) {
      out->push_back(what + ": sim has " + std::to_string(sim.size() - n) +
                     " more than fuse, first " + show(sim[n]));
      return;
    }
  }
}

std::string Keys(const engine::StateDump& d) {
  std::ostringstream o;
  o << d.kv.size() << " keys";
  size_t shown = 0;
  for (const auto& [k, v] : d.kv) {
    if (shown++ == 6) {
      o << " ...";
      break;
    }
    o << (shown == 1 ? ": " : ", ") << k << "="
      << (v.size() > 12 ? v.substr(0, 12) + "..." : v);
  }
  return o.str();
}

std::string List(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return "[" + s + "]";
}

}  // namespace

std::string RecoverySummary(const RecoveryOutcome& o) {
  if (o.threw) return "exception: " + o.exception;
  if (!o.ok) return "failed: " + o.status;
  return "ok, " + std::to_string(o.dump.kv.size()) + " keys, catalog " +
         List(o.catalog);
}

std::vector<std::string> CompareDurableState(const faultfs::Image& sim,
                                             const faultfs::Image& fuse) {
  auto diffs = CompareImages(sim, fuse);
  if (diffs.empty()) return {};
  std::ostringstream o;
  o << "durable state after the crash differs in " << diffs.size()
    << " path(s):\n";
  for (const auto& d : diffs) o << "  " << d.path << ": " << d.what << "\n";
  o << "both states (sim: the simulator's post-crash image; fuse: faultfs's "
       "backing dir):\n"
    << DescribeImages(sim, fuse);
  std::string s = o.str();
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return {s};
}

std::vector<std::string> CompareWorkerReport(const WorkloadRun& sim,
                                             const WorkerReport& fuse,
                                             uint64_t point) {
  std::vector<std::string> out;
  // Operations 0..point.
  std::vector<faultfs::TraceEntry> sim_ops(
      sim.trace.begin(),
      sim.trace.begin() + std::min<uint64_t>(point + 1, sim.trace.size()));
  std::vector<faultfs::TraceEntry> fuse_ops;
  for (const auto& e : fuse.ops) {
    if (e.index <= point) fuse_ops.push_back(e);
  }
  size_t n = std::min(sim_ops.size(), fuse_ops.size());
  for (size_t i = 0; i < n; ++i) {
    if (!SameOp(sim_ops[i], fuse_ops[i])) {
      out.push_back("operation " + std::to_string(i) + " differs: sim " +
                    DescribeOp(sim_ops[i]) + "; fuse " +
                    DescribeOp(fuse_ops[i]));
      break;
    }
  }
  if (out.empty() && sim_ops.size() != fuse_ops.size()) {
    out.push_back(
        "operations up to the crash point " + std::to_string(point) + ": sim " +
        std::to_string(sim_ops.size()) + ", fuse " +
        std::to_string(fuse_ops.size()) +
        (fuse_ops.size() < sim_ops.size()
             ? "; the first fuse lacks: " + DescribeOp(sim_ops[n])
             : "; the first extra in fuse: " + DescribeOp(fuse_ops[n])));
  }
  if (!fuse.crash_point) {
    out.push_back("the worker did not stop at crash point " +
                  std::to_string(point) +
                  (fuse.done_ops ? " (its workload ended after " +
                                       std::to_string(*fuse.done_ops) + " ops)"
                                 : ""));
  } else if (*fuse.crash_point != point) {
    out.push_back("the worker stopped at op " +
                  std::to_string(*fuse.crash_point) + ", not at " +
                  std::to_string(point));
  }

  std::vector<AckEvent> sim_acks;
  std::vector<CheckpointAck> sim_cacks;
  for (const auto& s : sim.oracle.sessions()) {
    sim_acks.insert(sim_acks.end(), s.acks.begin(), s.acks.end());
    sim_cacks.insert(sim_cacks.end(), s.checkpoint_acks.begin(),
                     s.checkpoint_acks.end());
  }
  CompareEvents<AckEvent>(
      "acknowledgement", sim_acks, fuse.acks, point,
      [](const AckEvent& a) { return a.at; },
      [](const AckEvent& a) {
        return "durable_lsn " + std::to_string(a.durable_lsn) + " at " +
               std::to_string(a.at);
      },
      [](const AckEvent& a, const AckEvent& b) {
        return a.at == b.at && a.durable_lsn == b.durable_lsn;
      },
      &out);
  CompareEvents<CheckpointAck>(
      "checkpoint acknowledgement", sim_cacks, fuse.checkpoint_acks, point,
      [](const CheckpointAck& a) { return a.at; },
      [](const CheckpointAck& a) {
        return a.id + " at " + std::to_string(a.at);
      },
      [](const CheckpointAck& a, const CheckpointAck& b) {
        return a.at == b.at && a.id == b.id;
      },
      &out);
  CompareEvents<StepSpan>(
      "workload step", sim.steps, fuse.steps, point,
      [](const StepSpan& s) { return s.end; },
      [](const StepSpan& s) {
        return "step " + std::to_string(s.step) + " ops [" +
               std::to_string(s.begin) + ", " + std::to_string(s.end) + ") " +
               s.outcome;
      },
      [](const StepSpan& a, const StepSpan& b) {
        return a.step == b.step && a.begin == b.begin && a.end == b.end &&
               a.outcome == b.outcome;
      },
      &out);
  // Faults hit operations; the one at `point` is done on both sides.
  CompareEvents<faultfs::InjectedFault>(
      "injected fault", sim.faults, fuse.faults, point,
      [](const faultfs::InjectedFault& f) { return f.op_index; },
      [](const faultfs::InjectedFault& f) {
        return std::string(faultfs::ActionName(f.action)) + " on " +
               std::string(faultfs::OpName(f.op)) + " " + f.path + " at op " +
               std::to_string(f.op_index);
      },
      [](const faultfs::InjectedFault& a, const faultfs::InjectedFault& b) {
        return a.op_index == b.op_index && a.op == b.op && a.path == b.path &&
               a.action == b.action && a.err == b.err;
      },
      &out);
  bool sim_threw = sim.exception && sim.exception->first <= point + 1;
  bool fuse_threw = fuse.exception && fuse.exception->first <= point + 1;
  if (sim_threw != fuse_threw) {
    out.push_back(std::string("an exception escaped the engine in ") +
                  (sim_threw ? "sim" : "fuse") + " only: " +
                  (sim_threw ? sim.exception->second : fuse.exception->second));
  }
  return out;
}

std::vector<std::string> CompareRecoveries(const RecoveryOutcome& sim,
                                           const RecoveryOutcome& fuse) {
  std::vector<std::string> out;
  if (sim.threw != fuse.threw || sim.ok != fuse.ok) {
    out.push_back("recovery outcome differs: sim " + RecoverySummary(sim) +
                  "; fuse " + RecoverySummary(fuse));
    return out;
  }
  if (!sim.ok) return out;
  if (!(sim.dump == fuse.dump)) {
    out.push_back("recovered state differs: sim " + Keys(sim.dump) + "; fuse " +
                  Keys(fuse.dump));
  }
  if (sim.catalog != fuse.catalog) {
    out.push_back("recovered catalog differs: sim " + List(sim.catalog) +
                  "; fuse " + List(fuse.catalog));
  }
  if (sim.deleted != fuse.deleted) {
    out.push_back("files deleted by recovery differ: sim " + List(sim.deleted) +
                  "; fuse " + List(fuse.deleted));
  }
  return out;
}

std::vector<std::string> CompareVerdicts(
    const std::vector<std::string>& invariants, const std::vector<Finding>& sim,
    const std::vector<Finding>& fuse) {
  std::vector<std::string> out;
  for (size_t i = 0; i < invariants.size(); ++i) {
    bool s = i < sim.size() && sim[i].violated;
    bool f = i < fuse.size() && fuse[i].violated;
    if (s == f) continue;
    out.push_back(
        "verdict differs for " + invariants[i] + ": sim " +
        (s ? "violated (" + sim[i].message + ")" : std::string("held")) +
        "; fuse " +
        (f ? "violated (" + fuse[i].message + ")" : std::string("held")));
  }
  return out;
}

}  // namespace crashlab::harness
