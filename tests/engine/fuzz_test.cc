// Fuzzed catalog, manifest, state and WAL bytes: recovery gives a named
// error (or, for a WAL tail, a reported cut) — never a crash, never a
// deletion. Seeds are fixed and printed on failure.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "engine/catalog.h"
#include "engine/layout.h"
#include "engine/manifest.h"
#include "engine/state_file.h"
#include "engine/wal_record.h"
#include "engine_test_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT
using faultfs::SimVfs;

const std::set<std::string> kKnownCodes = {"catalog-missing",
                                           "catalog-corrupt",
                                           "checkpoint-dir-missing",
                                           "marker-missing",
                                           "marker-mismatch",
                                           "manifest-missing",
                                           "manifest-corrupt",
                                           "schema-mismatch",
                                           "state-missing",
                                           "state-size-mismatch",
                                           "state-corrupt",
                                           "wal-corrupt",
                                           "wal-gap",
                                           "wal-torn-tail",
                                           "io-error",
                                           "startup-gc-skipped"};

std::string Mutate(std::string data, std::mt19937_64& rng) {
  if (data.empty()) return "x";
  switch (rng() % 4) {
    case 0: {  // bit flips
      int n = 1 + static_cast<int>(rng() % 8);
      for (int i = 0; i < n; ++i)
        data[rng() % data.size()] ^= static_cast<char>(1u << (rng() % 8));
      return data;
    }
    case 1:  // truncation
      return data.substr(0, rng() % data.size());
    case 2: {  // zeroed range
      size_t off = rng() % data.size();
      size_t len = std::min<size_t>(data.size() - off, 1 + rng() % 64);
      std::fill(data.begin() + off, data.begin() + off + len, '\0');
      return data;
    }
    default: {  // garbage range
      size_t off = rng() % data.size();
      size_t len = std::min<size_t>(data.size() - off, 1 + rng() % 64);
      for (size_t i = 0; i < len; ++i) data[off + i] = static_cast<char>(rng());
      return data;
    }
  }
}

// Builds an engine dir with two checkpoints and a WAL tail; returns the
// state that must come back when nothing is damaged.
StateDump Build(SimVfs& vfs) {
  Options o = TestOptions();
  auto e = OpenOrDie(vfs, o);
  for (int i = 0; i < 30; ++i)
    EXPECT_TRUE(e->Put("k" + std::to_string(i), "v" + std::to_string(i)).ok());
  EXPECT_TRUE(e->Checkpoint().ok());
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(e->Put("k" + std::to_string(i), "w").ok());
  EXPECT_TRUE(e->SetSourceOffset("src", 5).ok());
  EXPECT_TRUE(e->Checkpoint().ok());
  for (int i = 0; i < 9; ++i)
    EXPECT_TRUE(e->Put("t" + std::to_string(i), "x").ok());
  EXPECT_TRUE(e->Sync().ok());
  return e->Dump();
}

std::vector<std::string> Files(SimVfs& vfs) {
  std::vector<std::string> out;
  for (const auto& [path, entry] : vfs.VisibleTree()) out.push_back(path);
  return out;
}

void FuzzFile(const std::string& path, int iterations, bool wal) {
  SimVfs base;
  StateDump expected = Build(base);
  auto original = faultfs::ReadFile(base, path);
  ASSERT_OK(original.status());
  for (int it = 0; it < iterations; ++it) {
    uint64_t seed = 1000 + it;
    SCOPED_TRACE(path + " seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    SimVfs vfs(faultfs::SimVfs::Options{}, base.Snapshot());
    std::string damaged = Mutate(*original, rng);
    ASSERT_OK(faultfs::WriteFile(vfs, path, damaged, true));
    auto files = Files(vfs);
    RecoveryResult res;
    Options o = TestOptions();
    o.startup_gc = false;  // so "nothing deleted" is checkable even on success
    auto e = Engine::Open(vfs, "db", o, &res);
    for (const auto& p : res.problems)
      EXPECT_TRUE(kKnownCodes.count(p.code)) << p.ToString();
    EXPECT_EQ(Files(vfs), files);
    if (!e.ok()) {
      EXPECT_FALSE(res.problems.empty()) << e.status().ToString();
      continue;
    }
    if (wal) {
      // A cut tail gives a prefix: every surviving key is right.
      for (const auto& [k, v] : (*e)->Dump().kv)
        EXPECT_EQ(expected.kv.at(k), v) << k;
    } else {
      EXPECT_EQ((*e)->Dump(), expected) << res.ToText();  // a no-op mutation
    }
  }
}

TEST(Fuzz, Catalog) { FuzzFile("db/checkpoints/CATALOG.json", 150, false); }
TEST(Fuzz, Manifest) {
  FuzzFile("db/checkpoints/ckpt-0000000002/MANIFEST.json", 150, false);
}
TEST(Fuzz, Marker) {
  FuzzFile("db/checkpoints/ckpt-0000000002/COMMITTED", 50, false);
}
TEST(Fuzz, StateSnap) {
  FuzzFile("db/checkpoints/ckpt-0000000001/operators/kv/partition-0.snap", 100,
           false);
}
TEST(Fuzz, StateDelta) {
  SimVfs base;
  Build(base);
  auto files = base.ListDir("db/checkpoints/ckpt-0000000002/operators/kv");
  ASSERT_OK(files.status());
  ASSERT_FALSE(files->empty());
  FuzzFile("db/checkpoints/ckpt-0000000002/operators/kv/" + files->front().name,
           100, false);
}
TEST(Fuzz, Wal) {
  SimVfs base;
  Build(base);
  auto segs = base.ListDir("db/wal");
  ASSERT_OK(segs.status());
  ASSERT_FALSE(segs->empty());
  FuzzFile("db/wal/" + segs->back().name, 300, true);
}

// The decoders on pure noise: no crash, no acceptance of garbage.
TEST(Fuzz, DecodersOnNoise) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string noise(rng() % 200, '\0');
    for (auto& c : noise) c = static_cast<char>(rng());
    WalRecord r;
    size_t n = 0;
    DecodeFrame(noise, true, &r, &n);
    DecodeFrame(noise, false, &r, &n);
    std::map<std::string, std::string> kv;
    std::string err;
    EXPECT_FALSE(ApplyStateFile(noise, i % 2, 0, &kv, &err));
    EXPECT_FALSE(Manifest::Parse(noise, "m").ok());
    EXPECT_FALSE(Catalog::Parse(noise, "c").ok());
  }
}

}  // namespace
}  // namespace crashlab::engine
