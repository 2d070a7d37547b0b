#pragma once
// Helpers shared by the engine tests: deterministic options, open/expect
// helpers, and fault rules by JSON.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "faultfs/fault_rule.h"
#include "faultfs/sim_vfs.h"

namespace crashlab::engine::testing {

inline Options TestOptions() {
  Options o = Options::Deterministic();
  o.wal_group_size = 4;
  o.partitions = 3;
  o.max_retained = 2;
  return o;
}

#define ASSERT_OK(expr)                                       \
  do {                                                        \
    auto _st = (expr);                                        \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (0)

#define EXPECT_OK(expr)                                       \
  do {                                                        \
    auto _st = (expr);                                        \
    EXPECT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (0)

inline std::unique_ptr<Engine> OpenOrDie(faultfs::Vfs& vfs, const Options& o,
                                         RecoveryResult* res = nullptr,
                                         std::string_view dir = "db") {
  RecoveryResult local;
  auto e = Engine::Open(vfs, dir, o, res ? res : &local);
  EXPECT_TRUE(e.ok()) << e.status().ToString() << "\n"
                      << (res ? res : &local)->ToText();
  if (!e.ok()) return nullptr;
  return std::move(*e);
}

inline void AddRule(faultfs::SimVfs& vfs, const std::string& json) {
  auto r = faultfs::FaultRule::Parse(json);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  vfs.faults().Add(*r);
}

// A SimVfs restarted from the post-crash state of `vfs` (crash mode drop).
inline std::unique_ptr<faultfs::SimVfs> CrashCopy(
    const faultfs::SimVfs& vfs,
    const faultfs::CrashMode& mode = faultfs::CrashMode::Drop()) {
  auto copy = std::make_unique<faultfs::SimVfs>(faultfs::SimVfs::Options{},
                                                vfs.Snapshot());
  copy->Crash(mode);
  return copy;
}

}  // namespace crashlab::engine::testing

namespace crashlab::engine::testing {

// The file-system state just before one operation.
struct CrashPoint {
  faultfs::TraceEntry next_op;
  faultfs::SimState state;
};

// Runs `body` with a hook on `vfs` recording the state before every
// operation (plus the state after the last one, with an empty next_op).
inline std::vector<CrashPoint> CaptureCrashPoints(
    faultfs::SimVfs& vfs, const std::function<void()>& body) {
  std::vector<CrashPoint> points;
  vfs.SetHook([&](const faultfs::TraceEntry& e, const faultfs::SimState& s) {
    points.push_back({e, s});
  });
  body();
  vfs.SetHook(nullptr);
  points.push_back({faultfs::TraceEntry{}, vfs.Snapshot()});
  return points;
}

// Crash modes worth trying for a state: drop, every prefix:K, torn and random.
inline std::vector<faultfs::CrashMode> ModesFor(const faultfs::SimState& s,
                                                uint64_t seed) {
  std::vector<faultfs::CrashMode> modes = {faultfs::CrashMode::Drop()};
  for (uint64_t k = 1; k <= s.pending.size(); ++k)
    modes.push_back(faultfs::CrashMode::Prefix(k));
  if (!s.pending.empty()) {
    modes.push_back(faultfs::CrashMode::Torn(seed));
    modes.push_back(faultfs::CrashMode::Random(seed));
  }
  return modes;
}

// A SimVfs holding the post-crash state of `state` under `mode`.
inline std::unique_ptr<faultfs::SimVfs> AfterCrash(
    const faultfs::SimState& state, const faultfs::CrashMode& mode) {
  auto v = std::make_unique<faultfs::SimVfs>(faultfs::SimVfs::Options{}, state);
  v->Crash(mode);
  return v;
}

// Ids of a checkpoint list, in order.
inline std::vector<std::string> Ids(const std::vector<CheckpointInfo>& list) {
  std::vector<std::string> out;
  for (const auto& c : list) out.push_back(c.id);
  return out;
}

// TestOptions keeping three checkpoints.
inline Options ThreeRetained() {
  Options o = TestOptions();
  o.max_retained = 3;
  return o;
}

// Three committed checkpoints (all retained), data after the last; null if
// the engine does not open.
inline std::unique_ptr<Engine> ThreeCheckpoints(faultfs::SimVfs& vfs,
                                                const Options& o) {
  auto e = OpenOrDie(vfs, o);
  if (!e) return nullptr;
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 5; ++i)
      EXPECT_TRUE(
          e->Put("k" + std::to_string(i + c), "v" + std::to_string(c)).ok());
    auto r = e->Checkpoint();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) {
      EXPECT_TRUE(r->warnings.empty()) << r->warnings[0];
    }
  }
  EXPECT_TRUE(e->Put("after", "x").ok());
  EXPECT_TRUE(e->Sync().ok());
  return e;
}

}  // namespace crashlab::engine::testing
