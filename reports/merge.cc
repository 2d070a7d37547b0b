#include "reports/merge.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "reports/canonical.h"

namespace crashlab::reports {

namespace {

int Severity(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return 0;
    case Verdict::kFail:
      return 1;
    case Verdict::kError:
      return 2;
  }
  return 2;
}

class Merger {
 public:
  Merger(const std::vector<RunRecord>& inputs,
         const std::vector<std::string>& names)
      : inputs_(inputs), names_(names) {}

  Result<RunRecord> Run() {
    if (inputs_.empty())
      return Status::BadInput("merge", "no reports to merge");
    std::vector<size_t> order(inputs_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return inputs_[a].run.shard.index < inputs_[b].run.shard.index;
    });
    if (Status st = CheckCompatible(); !st.ok()) return st;
    if (Status st = CheckCoverage(); !st.ok()) return st;

    RunRecord out;
    out.run = inputs_[order.front()].run;
    out.run.shard = Shard{};
    out.run.modes.clear();
    out.run.duration_seconds = 0;
    for (size_t i : order) {
      const RunInfo& r = inputs_[i].run;
      out.run.modes.insert(out.run.modes.end(), r.modes.begin(), r.modes.end());
      if (!r.started.empty() &&
          (out.run.started.empty() || r.started < out.run.started)) {
        out.run.started = r.started;
      }
      if (r.finished > out.run.finished) out.run.finished = r.finished;
      out.run.duration_seconds += r.duration_seconds;
      for (const auto& s : inputs_[i].scenarios) {
        if (Status st = AddScenario(i, s, &out); !st.ok()) return st;
      }
      out.violations.insert(out.violations.end(), inputs_[i].violations.begin(),
                            inputs_[i].violations.end());
    }
    Canonicalize(&out);
    return out;
  }

 private:
  std::string Name(size_t i) const {
    std::string label =
        i < names_.size() ? names_[i] : "input " + std::to_string(i + 1);
    return label + " (shard " + inputs_[i].run.shard.ToString() + ")";
  }

  Status CheckCompatible() const {
    const RunInfo& first = inputs_.front().run;
    for (size_t i = 1; i < inputs_.size(); ++i) {
      const RunInfo& r = inputs_[i].run;
      auto mismatch = [&](const std::string& field, const std::string& a,
                          const std::string& b) {
        return Status::BadInput(Name(i), "cannot merge: " + field + " is \"" +
                                             b + "\" but " + Name(0) +
                                             " has \"" + a + "\"");
      };
      if (r.crashlab_version != first.crashlab_version) {
        return mismatch("crashlab_version", first.crashlab_version,
                        r.crashlab_version);
      }
      if (r.commit != first.commit)
        return mismatch("commit", first.commit, r.commit);
      if (r.seed != first.seed)
        return mismatch("seed", std::to_string(first.seed),
                        std::to_string(r.seed));
      if (r.shard.count != first.shard.count) {
        return mismatch("shard count", std::to_string(first.shard.count),
                        std::to_string(r.shard.count));
      }
    }
    return Status::Ok();
  }

  Status CheckCoverage() const {
    const uint32_t n = inputs_.front().run.shard.count;
    std::map<std::string, std::map<uint32_t, size_t>>
        seen;  // mode -> index -> input
    for (size_t i = 0; i < inputs_.size(); ++i) {
      std::set<std::string> modes(inputs_[i].run.modes.begin(),
                                  inputs_[i].run.modes.end());
      for (const auto& mode : modes) {
        auto [it, inserted] = seen[mode].emplace(inputs_[i].run.shard.index, i);
        if (!inserted) {
          return Status::BadInput(
              Name(i), "cannot merge: shard " +
                           inputs_[i].run.shard.ToString() + " of mode " +
                           mode + " is also in " + Name(it->second));
        }
      }
    }
    for (const auto& [mode, shards] : seen) {
      for (uint32_t k = 1; k <= n; ++k) {
        if (!shards.count(k)) {
          return Status::BadInput("merge", "cannot merge: shard " +
                                               std::to_string(k) + "/" +
                                               std::to_string(n) + " of mode " +
                                               mode + " is missing");
        }
      }
    }
    return Status::Ok();
  }

  Status AddScenario(size_t input, const ScenarioResult& s, RunRecord* out) {
    auto key = std::make_tuple(s.file, s.name, s.mode);
    auto it = index_.find(key);
    if (it == index_.end()) {
      index_.emplace(key, out->scenarios.size());
      out->scenarios.push_back(s);
      return Status::Ok();
    }
    ScenarioResult& m = out->scenarios[it->second];
    if (!(m.expected == s.expected)) {
      return Status::BadInput(
          Name(input),
          "cannot merge: scenario \"" + s.name + "\" (" + s.file +
              ") expects a different verdict than in other shards");
    }
    if (Severity(s.verdict) > Severity(m.verdict)) m.verdict = s.verdict;
    if (!s.error.empty() && m.error.find(s.error) == std::string::npos) {
      m.error = m.error.empty() ? s.error : m.error + "; " + s.error;
    }
    m.crash_points.insert(m.crash_points.end(), s.crash_points.begin(),
                          s.crash_points.end());
    std::sort(m.crash_points.begin(), m.crash_points.end());
    m.crash_points.erase(
        std::unique(m.crash_points.begin(), m.crash_points.end()),
        m.crash_points.end());
    m.crash_states += s.crash_states;
    // Sums over shards: a post-crash image two shards share counts twice.
    m.distinct_images += s.distinct_images;
    m.recoveries += s.recoveries;
    m.nested_crashes += s.nested_crashes;
    m.checks += s.checks;
    m.duration_seconds += s.duration_seconds;
    if (s.runs.is_array()) {
      if (!m.runs.is_array()) m.runs = nlohmann::json::array();
      for (const auto& r : s.runs) m.runs.push_back(r);
    }
    for (const auto& inv : s.invariants) {
      auto found =
          std::find_if(m.invariants.begin(), m.invariants.end(),
                       [&](const InvariantCount& c) { return c.id == inv.id; });
      if (found == m.invariants.end()) {
        m.invariants.push_back(inv);
      } else {
        found->held += inv.held;
        found->violated += inv.violated;
      }
    }
    return Status::Ok();
  }

  const std::vector<RunRecord>& inputs_;
  const std::vector<std::string>& names_;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> index_;
};

}  // namespace

Result<RunRecord> Merge(const std::vector<RunRecord>& inputs,
                        const std::vector<std::string>& names) {
  return Merger(inputs, names).Run();
}

}  // namespace crashlab::reports
