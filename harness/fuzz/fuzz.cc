#include "harness/fuzz/fuzz.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "faultfs/json_util.h"
#include "harness/scenario/scenario_parser.h"
#include "harness/scenario/scenario_writer.h"
#include "harness/sim/shrinker.h"
#include "harness/suite/run_record_builder.h"

namespace crashlab::harness {
namespace {

using ojson = nlohmann::ordered_json;

// splitmix64: a tiny generator whose sequence is fixed by its seed on every
// platform (std::uniform_int_distribution is not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi].
  uint64_t Range(uint64_t lo, uint64_t hi) {
    return lo + Next() % (hi - lo + 1);
  }
  bool Chance(unsigned percent) { return Next() % 100 < percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Next() % v.size()];
  }

 private:
  uint64_t s_;
};

// A fault schedule fragment: the rule, and the step(s) that make it bite.
struct FaultTemplate {
  const char* rule;  // a rule, or an array of rules injected together
  const char*
      then;  // a step, or an array of steps, to issue right after the inject
  bool checkpoints_first = false;  // it needs several checkpoints to bite
};

const std::vector<FaultTemplate>& FaultTemplates() {
  static const std::vector<FaultTemplate> t{
      {R"({"op": "rename", "path": "**/CATALOG.json.tmp", "action": "error", "errno": "EIO", "times": 1})",
       R"({"op": "checkpoint"})"},
      {R"({"op": "rename", "path": "**/CATALOG.json.tmp", "action": "error_after", "errno": "EIO", "nth": 1})",
       R"({"op": "checkpoint"})"},
      {R"({"op": "fsync", "path": "checkpoints/*/operators/**", "action": "error", "errno": "EIO", "nth": 2})",
       R"({"op": "checkpoint"})"},
      {R"({"op": "fsyncdir", "path": "checkpoints", "action": "error", "errno": "EIO", "times": 1})",
       R"({"op": "checkpoint"})"},
      {R"({"op": "fdatasync", "path": "wal/*.log", "action": "fsyncgate", "nth": 1})",
       R"({"op": "sync"})"},
      {R"({"op": "write", "path": "wal/*.log", "action": "short_write", "bytes": 100, "nth": 1})",
       R"({"op": "sync"})"},
      {R"({"op": "write", "path": "wal/*.log", "action": "torn", "bytes": 512, "times": 1})",
       R"({"op": "sync"})"},
      {R"({"op": "write", "path": "checkpoints/**", "action": "enospc_after_bytes", "bytes": 600})",
       R"({"op": "checkpoint"})"},
      {R"({"op": "any", "path": "checkpoints/CATALOG.json", "action": "lose", "times": 1})",
       R"({"op": "recover"})", true},
      {R"({"op": "any", "path": "checkpoints/*/operators/kv/partition-0.snap", "action": "lose", "times": 1})",
       R"({"op": "recover"})", true},
      {R"({"op": "read", "path": "**/MANIFEST.json", "action": "corrupt", "corrupt": {"garbage": [0, 32]}})",
       R"({"op": "gc"})", true},
      {R"({"op": "fsync", "path": "**/partition-0.snap", "action": "corrupt", "corrupt": {"bitflips": 4}, "persistent": true, "nth": 1})",
       R"({"op": "checkpoint"})"},
      {R"({"op": "fsync", "path": "**/partition-1.snap", "action": "truncate", "size": 10, "nth": 1})",
       R"({"op": "checkpoint"})"},
      // fsyncgate on directories (lesson 9): the dropped entries never become
      // durable. The first fsync of wal/ follows the creation of a segment;
      // the 2nd and 3rd of checkpoints/ in a commit are the catalog's and its
      // restore's; the 1st in a GC pass is the catalog's.
      {R"({"op": "fsyncdir", "path": "wal", "action": "fsyncgate", "nth": 1})",
       R"([{"op": "put", "count": 2}, {"op": "sync"}])"},
      {R"({"op": "fsyncdir", "path": "checkpoints", "action": "fsyncgate", "nth": 2, "times": 2})",
       R"({"op": "checkpoint"})"},
      {R"({"op": "fsyncdir", "path": "checkpoints", "action": "fsyncgate", "nth": 1})",
       R"({"op": "gc"})", true},
      {R"({"op": "fsync", "path": "checkpoints/CATALOG.json.tmp", "action": "fsyncgate", "nth": 1})",
       R"({"op": "checkpoint"})"},
      {R"({"op": "fdatasync", "path": "wal/*.log", "action": "error", "errno": "EIO", "nth": 1})",
       R"([{"op": "put", "count": 2}, {"op": "sync"}])"},
      // Two faults: the commit's catalog rename is dropped and the restore of
      // the old catalog fails, so the visible catalog is not the durable one.
      {R"([{"op": "fsyncdir", "path": "checkpoints", "action": "fsyncgate", "nth": 2},
           {"op": "write", "path": "checkpoints/CATALOG.json.tmp", "action": "error", "errno": "ENOSPC", "nth": 2}])",
       R"([{"op": "checkpoint"}, {"op": "recover"}])"},
  };
  return t;
}

ojson EngineJson(Rng& rng, const std::vector<std::string>& unsafe) {
  ojson e = ojson::object();
  e["max_retained"] = rng.Range(1, 3);
  e["incremental"] = rng.Chance(60);
  e["max_delta_chain"] = rng.Range(1, 4);
  e["partitions"] = rng.Range(1, 4);
  e["wal_group_size"] = rng.Pick(std::vector<uint64_t>{1, 2, 4, 6, 8});
  e["wal_segment_bytes"] = rng.Chance(30) ? 4096 : (4u << 20);
  e["gc_after_checkpoint"] = rng.Chance(50);
  if (!unsafe.empty()) e["unsafe"] = unsafe;
  return e;
}

// Appends one motif (one to four steps) to `w`.
void AddMotif(Rng& rng, ojson* w, uint64_t* offset) {
  auto put = [&](uint64_t lo, uint64_t hi) {
    ojson s{{"op", "put"}, {"count", rng.Range(lo, hi)}};
    if (rng.Chance(50))
      s["value_size"] = rng.Pick(std::vector<uint64_t>{200, 300, 700});
    if (rng.Chance(25)) s["key_space"] = 8;
    return s;
  };
  switch (rng.Next() % 10) {
    case 0:
    case 1:
      w->push_back(put(1, 8));
      break;
    case 2:
      w->push_back(put(1, 6));
      w->push_back(ojson{{"op", "sync"}});
      break;
    case 3:
    case 4: {
      ojson s{{"op", "checkpoint"}};
      if (rng.Chance(40)) s["kind"] = rng.Chance(50) ? "full" : "incremental";
      w->push_back(s);
      break;
    }
    case 5:
      w->push_back(ojson{{"op", "delete"},
                         {"key", "k000000" + std::to_string(rng.Range(0, 7))}});
      break;
    case 6:
      w->push_back(rng.Chance(50) ? ojson{{"op", "gc"}}
                                  : ojson{{"op", "recover"}});
      break;
    case 7:
      *offset += rng.Range(1, 100);
      w->push_back(
          ojson{{"op", "set_offset"}, {"source", "src"}, {"offset", *offset}});
      break;
    default: {
      const FaultTemplate& f = rng.Pick(FaultTemplates());
      if (f.checkpoints_first) {
        for (uint64_t k = rng.Range(2, 3); k > 0; --k) {
          w->push_back(put(1, 2));
          w->push_back(ojson{{"op", "checkpoint"}});
        }
      }
      ojson rules = ojson::parse(f.rule);
      if (!rules.is_array()) rules = ojson::array({rules});
      for (auto& rule : rules)
        w->push_back(ojson{{"op", "inject"}, {"rule", rule}});
      if (rng.Chance(30)) w->push_back(put(1, 4));
      ojson then = ojson::parse(f.then);
      if (then.is_array()) {
        for (auto& step : then) w->push_back(step);
      } else {
        w->push_back(then);
      }
      if (rng.Chance(70)) w->push_back(ojson{{"op", "clear"}});
      break;
    }
  }
}

// Fault motifs on the checkpoint log and HEAD (derived from the catalog),
// drawn from their own stream and appended at the end, so a seed's earlier
// steps are the same as before they existed.
void AddDerivedMetadataMotif(uint64_t seed, ojson* w) {
  Rng rng(seed ^ 0x6a09e667f3bcc909ULL);
  if (!rng.Chance(40)) return;
  static const char* const kRules[] = {
      R"({"op": "rename", "path": "checkpoints/HEAD.tmp", "action": "error", "errno": "EIO", "times": 1})",
      R"({"op": "write", "path": "checkpoints/CHECKPOINTS.log", "action": "error", "errno": "EIO", "times": 1})",
      R"({"op": "fdatasync", "path": "checkpoints/CHECKPOINTS.log", "action": "fsyncgate", "nth": 1})",
  };
  w->push_back(ojson{{"op", "put"}, {"count", rng.Range(1, 3)}});
  w->push_back(ojson{{"op", "checkpoint"}});
  w->push_back(ojson{{"op", "put"}, {"count", rng.Range(1, 3)}});
  w->push_back(
      ojson{{"op", "inject"}, {"rule", ojson::parse(kRules[rng.Next() % 3])}});
  w->push_back(ojson{{"op", "checkpoint"}});
  w->push_back(ojson{{"op", "clear"}});
  if (rng.Chance(50)) w->push_back(ojson{{"op", "recover"}});
  w->push_back(ojson{{"op", "put"}, {"count", rng.Range(1, 2)}});
  w->push_back(ojson{{"op", "sync"}});
}

ojson GenerateJson(uint64_t seed, const std::vector<std::string>& unsafe) {
  Rng rng(seed);
  ojson sc = ojson::object();
  sc["name"] = "fuzz-" + std::to_string(seed);
  sc["description"] = "Generated by crashlab fuzz (scenario seed " +
                      std::to_string(seed) + ").";
  sc["seed"] = seed % 1000000007;
  sc["engine"] = EngineJson(rng, unsafe);
  ojson w = ojson::array();
  uint64_t offset = 0;
  w.push_back(ojson{{"op", "put"}, {"count", rng.Range(2, 8)}});
  uint64_t motifs = rng.Range(2, 5);
  for (uint64_t i = 0; i < motifs; ++i) AddMotif(rng, &w, &offset);
  if (rng.Chance(50)) w.push_back(ojson{{"op", "sync"}});
  AddDerivedMetadataMotif(seed, &w);
  sc["workload"] = w;
  sc["crash_points"] = "every-op";
  ojson modes = ojson::array({"drop"});
  if (rng.Chance(35)) modes.push_back("prefix");
  if (rng.Chance(50)) modes.push_back(rng.Chance(50) ? "torn" : "torn:3");
  if (rng.Chance(50)) modes.push_back(rng.Chance(50) ? "random" : "random:3");
  sc["crash_modes"] = modes;
  sc["invariants"] = "all";
  sc["expect"] = "pass";
  return sc;
}

std::string Join(const std::filesystem::path& dir, const std::string& name) {
  return (dir / name).string();
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  return static_cast<bool>(f);
}

constexpr size_t kMaxCases = 1500;

}  // namespace

uint64_t FuzzScenarioSeed(uint64_t run_seed, uint64_t index) {
  Rng r(run_seed ^ (index * 0xd1b54a32d192ed03ULL));
  return r.Next() >> 1;  // keep it printable as a positive JSON integer
}

Scenario GenerateScenario(uint64_t seed,
                          const std::vector<std::string>& unsafe) {
  ParseOutcome p =
      ParseScenario(faultfs::DumpJson(GenerateJson(seed, unsafe), 2),
                    "fuzz-" + std::to_string(seed));
  // The generator only emits valid scenarios; a parse error is a bug here.
  if (!p.ok())
    throw std::logic_error("crashlab fuzz generated an invalid scenario: " +
                           JoinErrors(p.errors));
  p.scenario.file.clear();
  return p.scenario;
}

FuzzResult RunFuzz(const FuzzOptions& opts,
                   const std::function<void(const FuzzStats&)>& progress) {
  FuzzResult out;
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  ExploreOptions eo;
  eo.jobs = std::max(1u, opts.jobs);
  for (uint64_t i = 0;; ++i) {
    if (elapsed() >= opts.seconds) break;
    if (opts.max_scenarios && i >= opts.max_scenarios) break;
    uint64_t sseed = FuzzScenarioSeed(opts.seed, i);
    Scenario sc = GenerateScenario(sseed, opts.unsafe);
    std::vector<ScenarioPlan> plans{PlanScenario(sc, eo)};
    if (plans[0].cases.size() > kMaxCases) {
      // Long workloads: only the persistence points, so one scenario does
      // not eat the whole budget.
      sc.crash_points =
          CrashPoints{.strategy = CrashPointStrategy::kEveryPersistencePoint};
      plans[0] = PlanScenario(sc, eo);
    }
    ExplorePlans(&plans, eo, nullptr);
    const ScenarioPlan& plan = plans[0];
    ++out.stats.scenarios;
    out.stats.crash_states += plan.crash_states();
    out.stats.recoveries += plan.recoveries();
    out.stats.checks += plan.checks;
    out.stats.seconds = elapsed();
    if (progress) progress(out.stats);
    // The first violation in canonical order (crash point, mode, invariant).
    const CaseResult* hit = nullptr;
    size_t inv = 0;
    for (const auto& c : plan.cases) {
      for (size_t k = 0; k < c.findings.size() && !hit; ++k) {
        if (c.findings[k].violated) {
          hit = &c;
          inv = k;
        }
      }
      if (hit) break;
    }
    if (!hit) continue;
    FuzzFinding f;
    f.index = i;
    f.scenario_seed = sseed;
    f.seconds_to_detect = elapsed();
    f.invariant = sc.invariants[inv];
    f.message = hit->findings[inv].message;
    f.original = MakeReproducer(plan, *hit, f.invariant);
    std::filesystem::path dir(opts.out_dir);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::string base = "fuzz-s" + std::to_string(opts.seed) + "-i" +
                       std::to_string(i) + "--" + f.invariant;
    f.original_path = Join(dir, base + ".json");
    if (!WriteFile(f.original_path, WriteScenario(f.original))) {
      out.error = "cannot write " + f.original_path;
    }
    ShrinkResult r = Shrink(f.original, eo, opts.shrink_candidates);
    f.minimal = r.reproduced ? r.minimal : f.original;
    f.minimal_path = Join(dir, base + ".min.json");
    if (!WriteFile(f.minimal_path, WriteScenario(f.minimal)) &&
        out.error.empty()) {
      out.error = "cannot write " + f.minimal_path;
    }
    out.finding = std::move(f);
    break;
  }
  out.stats.seconds = elapsed();
  return out;
}

}  // namespace crashlab::harness
