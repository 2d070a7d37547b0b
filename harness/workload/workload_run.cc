#include "harness/workload/workload_run.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <memory>
#include <random>
#include <set>

#include "engine/engine.h"
#include "faultfs/json_util.h"
#include "harness/scenario/crash_mode_list.h"
#include "harness/workload/image_facts.h"

namespace crashlab::harness {
namespace {

using faultfs::SimVfs;

std::string Errno(const faultfs::Status& st) { return st.ToString(); }

// The simulator as a workload environment.
class SimEnv final : public WorkloadEnv {
 public:
  explicit SimEnv(faultfs::SimVfs::Options options) : vfs_(options) {}
  faultfs::SimVfs& sim() { return vfs_; }

  faultfs::Vfs& vfs() override { return vfs_; }
  uint64_t op_count() const override { return vfs_.op_count(); }
  void AddRule(const faultfs::FaultRule& rule) override {
    vfs_.faults().Add(rule);
  }
  void ClearRules() override { vfs_.faults().Clear(); }
  std::vector<faultfs::InjectedFault> faults() override {
    return vfs_.faults().log();
  }
  faultfs::Status PowerCut(const faultfs::CrashMode& mode) override {
    vfs_.Crash(mode);
    return faultfs::Status::Ok();
  }
  bool crashed() const override { return vfs_.crashed(); }
  faultfs::Status Restart() override {
    vfs_.Restart();
    return faultfs::Status::Ok();
  }

 private:
  faultfs::SimVfs vfs_;
};

class Driver {
 public:
  Driver(const Scenario& sc, uint64_t seed, WorkloadEnv& env,
         WorkloadObserver* observer)
      : sc_(sc),
        seed_(seed),
        env_(env),
        vfs_(env.vfs()),
        observer_(observer),
        options_(sc.engine.ToOptions()) {}

  WorkloadRun Run();

 private:
  uint64_t Done() const { return env_.op_count(); }
  void PushStep(StepSpan span) {
    if (observer_) observer_->OnStep(span);
    run_.steps.push_back(std::move(span));
  }
  Session* Current() {
    return run_.oracle.sessions().empty() ? nullptr
                                          : &run_.oracle.sessions().back();
  }
  void Open();
  std::string RunStep(const harness::Step& st, size_t index);
  // A durability call (Sync, Checkpoint) returned ok.
  void Acknowledge();
  // The base of a session Open just started: `served` (Dump()) if an allowed
  // prefix of the session before explains it.
  StateDump CheckedBase(StateDump served, std::string* note) const;
  void NoteCatalog();
  void Issue(OpType type, std::string key, std::string value, uint64_t number,
             size_t step, const std::function<faultfs::Result<Lsn>()>& call,
             std::string* outcome);
  std::string GenKey(const harness::Step& st, std::mt19937_64& rng);
  std::string GenValue(const harness::Step& st, std::mt19937_64& rng);

  const Scenario& sc_;
  uint64_t seed_;
  WorkloadEnv& env_;
  faultfs::Vfs& vfs_;
  WorkloadObserver* observer_;  // may be null
  engine::Options options_;
  std::unique_ptr<engine::Engine> eng_;
  StateDump current_;  // model including every issued op
  uint64_t current_hash_ = 0;
  uint64_t fresh_key_ = 0;
  Lsn last_durable_ = 0;
  // Rules per Clear() generation, to report rules that never fired.
  struct RuleGeneration {
    size_t log_start = 0;
    std::vector<std::string> rules;
  };
  std::vector<RuleGeneration> generations_{RuleGeneration{}};
  void AddRule(const faultfs::FaultRule& rule, const std::string& where) {
    env_.AddRule(rule);
    generations_.back().rules.push_back(where + " " +
                                        faultfs::DumpJson(rule.ToJson()));
  }
  WorkloadRun run_;
};

void Driver::Acknowledge() {
  Session* ses = Current();
  if (!eng_ || !ses) return;
  // Every operation issued before the call that returned ok (their LSNs are
  // what Put/Delete/... returned, or the LSN a failed call took).
  Lsn upto = ses->base_lsn;
  for (const auto& op : ses->ops) upto = std::max(upto, op.lsn);
  if (upto > last_durable_) {
    last_durable_ = upto;
    ses->acks.push_back(AckEvent{.at = Done(), .durable_lsn = upto});
    if (observer_) observer_->OnAck(ses->acks.back());
  }
}

StateDump Driver::CheckedBase(StateDump served, std::string* note) const {
  const auto& sessions = run_.oracle.sessions();
  // The session whose promises hold (one whose Open failed promised nothing).
  const Session* prev = nullptr;
  for (auto it = sessions.rbegin(); it != sessions.rend(); ++it) {
    if (it->open_ok) {
      prev = &*it;
      break;
    }
  }
  if (!prev) {
    if (served == StateDump{}) return served;
    *note = "the first Open at op " + std::to_string(Done()) +
            " served a non-empty state on an empty file system";
    return StateDump{};
  }
  Lsn acked_lsn = prev->base_lsn;
  for (const auto& a : prev->acks)
    acked_lsn = std::max(acked_lsn, a.durable_lsn);
  size_t acked = 0;
  for (size_t i = 0; i < prev->ops.size(); ++i) {
    if (prev->ops[i].lsn <= acked_lsn) acked = i + 1;
  }
  StateDump d = ModelAfter(*prev, acked);
  StateDump owed = d;
  uint64_t h = 0;
  for (size_t j = acked;; ++j) {
    if (d == served) return served;
    if (j >= prev->ops.size()) break;
    ApplyOp(prev->ops[j], &d, &h);
  }
  // After damage a reopen may serve an older state (what damage left of an
  // earlier one): any prefix of any earlier session.
  bool damaged = false;
  for (const auto& f : env_.faults()) damaged = damaged || IsDamagingFault(f);
  if (damaged) {
    for (const auto& ses : sessions) {
      if (!ses.open_ok) continue;
      StateDump m = ses.base;
      for (size_t j = 0;; ++j) {
        if (m == served) return served;
        if (j >= ses.ops.size()) break;
        ApplyOp(ses.ops[j], &m, &h);
      }
    }
  }
  *note = "the Open at op " + std::to_string(Done()) +
          " served a state that matches no prefix of the session before it "
          "between its " +
          std::to_string(acked) + " acknowledged and " +
          std::to_string(prev->ops.size()) +
          " issued operations; this session's model starts from the "
          "acknowledged prefix";
  return owed;
}

void Driver::NoteCatalog() {
  if (!eng_ || !Current()) return;
  CatalogEvent ev{.at = Done()};
  for (const auto& c : eng_->checkpoints()) ev.ids.push_back(c.id);
  auto& cats = Current()->catalogs;
  if (!cats.empty() && cats.back().ids == ev.ids) return;
  cats.push_back(std::move(ev));
}

void Driver::Open() {
  Session ses;
  ses.begin = Done();
  options_ =
      sc_.engine.ToOptions();  // a fresh logical clock per engine lifetime
  engine::RecoveryResult rr;
  auto r = engine::Engine::Open(vfs_, "", options_, &rr);
  ses.open_end = Done();
  ses.open_ok = r.ok();
  if (r.ok()) {
    eng_ = std::move(r).value();
    ses.base = CheckedBase(eng_->Dump(), &ses.base_note);
    ses.base_lsn = eng_->last_lsn();
    last_durable_ = ses.base_lsn;
  }
  run_.oracle.sessions().push_back(std::move(ses));
  current_ = Current()->base;
  current_hash_ = HashDump(current_);
  NoteCatalog();
}

void Driver::Issue(OpType type, std::string key, std::string value,
                   uint64_t number, size_t step,
                   const std::function<faultfs::Result<Lsn>()>& call,
                   std::string* outcome) {
  uint64_t at = Done();
  Lsn before = eng_->last_lsn();
  auto r = call();
  Lsn lsn = 0;
  if (r.ok()) {
    lsn = *r;
  } else {
    if (outcome->empty()) *outcome = r.status().ToString();
    // A failed call that still took an LSN may have reached the WAL: its
    // outcome is unknown, so the oracle allows prefixes with and without it.
    if (eng_->last_lsn() <= before) return;
    lsn = eng_->last_lsn();
  }
  IssuedOp op{.lsn = lsn,
              .type = type,
              .key = std::move(key),
              .value = std::move(value),
              .number = number,
              .at = at,
              .step = step};
  ApplyOp(op, &current_, &current_hash_);
  Current()->ops.push_back(std::move(op));
}

std::string Driver::GenKey(const harness::Step& st, std::mt19937_64& rng) {
  uint64_t n = st.key_space ? rng() % st.key_space : fresh_key_++;
  std::string digits = std::to_string(n);
  size_t width = st.key_size > 1 ? st.key_size - 1 : 1;
  if (digits.size() < width)
    digits = std::string(width - digits.size(), '0') + digits;
  return "k" + digits;
}

std::string Driver::GenValue(const harness::Step& st, std::mt19937_64& rng) {
  std::string v(st.value_size, 'a');
  for (auto& c : v) c = static_cast<char>('a' + rng() % 26);
  return v;
}

std::string Driver::RunStep(const harness::Step& st, size_t index) {
  std::mt19937_64 rng(MixSeed(seed_, index));
  bool need_engine =
      st.kind == StepKind::kPut || st.kind == StepKind::kDelete ||
      st.kind == StepKind::kCheckpoint || st.kind == StepKind::kGc ||
      st.kind == StepKind::kSync || st.kind == StepKind::kSetOffset ||
      st.kind == StepKind::kSetWatermark;
  if (need_engine && !eng_)
    return "skipped: no open engine (recovery failed or crashed)";
  std::string outcome;
  switch (st.kind) {
    case StepKind::kPut:
      for (uint64_t i = 0; i < st.count; ++i) {
        std::string k = st.key ? *st.key : GenKey(st, rng);
        std::string v = st.value ? *st.value : GenValue(st, rng);
        Issue(
            OpType::kPut, k, v, 0, index, [&] { return eng_->Put(k, v); },
            &outcome);
      }
      break;
    case StepKind::kDelete:
      for (uint64_t i = 0; i < st.count; ++i) {
        std::string k;
        if (st.key) {
          k = *st.key;
        } else if (!current_.kv.empty()) {
          auto it = current_.kv.begin();
          std::advance(it, static_cast<long>(rng() % current_.kv.size()));
          k = it->first;
        } else {
          k = GenKey(st, rng);
        }
        Issue(
            OpType::kDelete, k, "", 0, index, [&] { return eng_->Delete(k); },
            &outcome);
      }
      break;
    case StepKind::kSetOffset:
      Issue(
          OpType::kSetOffset, st.source, "", st.number, index,
          [&] { return eng_->SetSourceOffset(st.source, st.number); },
          &outcome);
      break;
    case StepKind::kSetWatermark:
      Issue(
          OpType::kSetWatermark, "", "", st.number, index,
          [&] { return eng_->SetWatermark(st.number); }, &outcome);
      break;
    case StepKind::kSync: {
      auto s = eng_->Sync();
      if (s.ok()) {
        Acknowledge();
      } else {
        outcome = Errno(s);
      }
      break;
    }
    case StepKind::kCheckpoint: {
      faultfs::Result<engine::CheckpointResult> r =
          st.checkpoint_kind.empty() ? eng_->Checkpoint()
          : st.checkpoint_kind == "full"
              ? eng_->Checkpoint(engine::CheckpointKind::kFull)
              : eng_->Checkpoint(engine::CheckpointKind::kIncremental);
      if (r.ok()) {
        Acknowledge();  // the checkpoint holds every operation issued before
        Current()->checkpoint_acks.push_back(
            CheckpointAck{.at = Done(), .id = r->info.id});
        if (observer_)
          observer_->OnCheckpointAck(Current()->checkpoint_acks.back());
        outcome = "committed " + r->info.id;
      } else {
        outcome = r.status().ToString();
      }
      NoteCatalog();
      break;
    }
    case StepKind::kGc: {
      auto r = eng_->Gc();
      if (!r.ok()) outcome = r.status().ToString();
      NoteCatalog();
      break;
    }
    case StepKind::kCrash: {
      auto m = faultfs::CrashMode::Parse(st.crash_mode);
      if (auto s = env_.PowerCut(m.ok() ? *m : faultfs::CrashMode::Drop());
          !s.ok()) {
        run_.env_error = "power cut: " + s.ToString();
        return "power cut failed: " + s.ToString();
      }
      eng_.reset();
      outcome = "power cut (" + st.crash_mode + ")";
      break;
    }
    case StepKind::kRecover: {
      if (eng_) {
        // Close() is no durability call in the engine's API: it
        // acknowledges nothing.
        auto s = eng_->Close();
        if (!s.ok()) outcome = "close: " + Errno(s) + "; ";
        eng_.reset();
      }
      if (env_.crashed()) {
        if (auto s = env_.Restart(); !s.ok()) {
          run_.env_error = "restart: " + s.ToString();
          return outcome + "restart failed: " + s.ToString();
        }
      }
      Open();
      outcome += Current()->open_ok ? "recovered" : "recovery failed";
      break;
    }
    case StepKind::kInject:
      AddRule(st.rule, "step " + std::to_string(index));
      break;
    case StepKind::kClear:
      env_.ClearRules();
      generations_.push_back(RuleGeneration{.log_start = env_.faults().size()});
      break;
    case StepKind::kExec:
    case StepKind::kCheck:
      outcome = "skipped: exec and check steps run only in exec mode";
      run_.notes.push_back("step " + std::to_string(index) + ": " + outcome);
      break;
  }
  return outcome.empty() ? "ok" : outcome;
}

WorkloadRun Driver::Run() {
  for (size_t i = 0; i < sc_.faults.size(); ++i)
    AddRule(sc_.faults[i], "faults[" + std::to_string(i) + "]");
  try {
    uint64_t begin = Done();
    Open();
    PushStep(
        StepSpan{.step = -1,
                 .begin = begin,
                 .end = Done(),
                 .outcome = Current()->open_ok ? "ok" : "recovery failed"});
    for (size_t i = 0; i < sc_.workload.size() && run_.env_error.empty(); ++i) {
      begin = Done();
      std::string outcome = RunStep(sc_.workload[i], i);
      PushStep(StepSpan{.step = static_cast<int64_t>(i),
                        .begin = begin,
                        .end = Done(),
                        .outcome = outcome});
    }
  } catch (const std::exception& e) {
    run_.exception = std::make_pair(Done(), std::string(e.what()));
  } catch (...) {
    run_.exception = std::make_pair(Done(), std::string("unknown exception"));
  }
  eng_.reset();
  run_.faults = env_.faults();
  for (size_t g = 0; g < generations_.size(); ++g) {
    size_t end = g + 1 < generations_.size() ? generations_[g + 1].log_start
                                             : run_.faults.size();
    std::set<size_t> fired;
    for (size_t i = generations_[g].log_start;
         i < end && i < run_.faults.size(); ++i) {
      fired.insert(run_.faults[i].rule_index);
    }
    for (size_t r = 0; r < generations_[g].rules.size(); ++r) {
      if (!fired.count(r))
        run_.notes.push_back("fault rule never fired: " +
                             generations_[g].rules[r]);
    }
  }
  // Prefix hashes and model snapshots of every session.
  for (auto& ses : run_.oracle.sessions()) ses.IndexPrefixes();
  return std::move(run_);
}

// What only the simulator can add: the trace, the state before every op,
// and the deletions of paths a catalogued checkpoint needed.
void AddSimRecord(SimVfs& vfs, std::vector<faultfs::SimState> states,
                  WorkloadRun* out) {
  WorkloadRun& run = *out;
  run.trace = vfs.trace();
  run.states = std::move(states);
  run.states.resize(run.trace.size() + 1);
  run.states[run.trace.size()] = vfs.Snapshot();
  std::vector<uint64_t> begins;
  for (const auto& ses : run.oracle.sessions()) begins.push_back(ses.begin);
  run.written = WrittenFiles::Record(run.trace, run.states, run.faults, begins);
  // Deletions of paths a catalogued checkpoint needed at that moment.
  for (const auto& e : run.trace) {
    if ((e.op != faultfs::OpKind::kUnlink && e.op != faultfs::OpKind::kRmdir) ||
        e.result != 0)
      continue;
    const auto& st = run.states[e.index];
    std::vector<std::string> ids;
    for (const auto* img : {&st.visible, &st.durable}) {
      if (auto c = CatalogIds(*img)) {
        for (const auto& id : *c) {
          if (std::find(ids.begin(), ids.end(), id) == ids.end())
            ids.push_back(id);
        }
      }
    }
    std::vector<std::string> needed_by;
    for (const auto& id : ids) {
      if (ProtectedPaths(st.visible, {id}).count(e.path) ||
          ProtectedPaths(st.durable, {id}).count(e.path)) {
        needed_by.push_back(id);
      }
    }
    if (!needed_by.empty())
      run.bad_deletions.push_back(BadDeletion{e.index, e.path, needed_by});
  }
}

}  // namespace

faultfs::SimVfs::Options SimOptions(const Scenario& scenario, uint64_t seed,
                                    bool trace) {
  faultfs::SimVfs::Options o;
  o.model = scenario.metadata;
  o.seed = seed;
  o.record_trace = trace;
  return o;
}

bool IsDamagingFault(const faultfs::InjectedFault& f) {
  using faultfs::ActionKind;
  switch (f.action) {
    case ActionKind::kCorrupt:
      return f.op != faultfs::OpKind::kRead ||
             f.detail.find("persistent") != std::string::npos;
    case ActionKind::kTruncate:
    case ActionKind::kLose:
    case ActionKind::kTorn:
      return true;
    default:
      return false;
  }
}

WorkloadRun RunWorkload(const Scenario& scenario, uint64_t seed) {
  SimEnv env(SimOptions(scenario, seed));
  std::vector<faultfs::SimState> states;  // states[i]: just before op i
  env.sim().SetHook([&states](const faultfs::TraceEntry& next,
                              const faultfs::SimState& state) {
    if (states.size() <= next.index) states.resize(next.index + 1);
    states[next.index] = state;
  });
  WorkloadRun run = Driver(scenario, seed, env, nullptr).Run();
  env.sim().SetHook(nullptr);
  AddSimRecord(env.sim(), std::move(states), &run);
  return run;
}

WorkloadRun RunWorkloadOn(const Scenario& scenario, uint64_t seed,
                          WorkloadEnv& env, WorkloadObserver* observer) {
  return Driver(scenario, seed, env, observer).Run();
}

}  // namespace crashlab::harness
