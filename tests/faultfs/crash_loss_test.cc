// ExplainCrash: what a power cut takes, per file, checked against the crash
// model on SimVfs.
#include "faultfs/crash_loss.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "faultfs/sim_vfs.h"
#include "tests/faultfs/sim_test_util.h"

namespace crashlab::faultfs {
namespace {

using testing::Ok;
using testing::Put;

// Trace index of the last successful `op` on `path`.
uint64_t LastOp(const SimVfs& vfs, OpKind op, const std::string& path) {
  std::optional<uint64_t> found;
  for (const auto& e : vfs.trace()) {
    if (e.op == op && e.path == path && e.result == 0) found = e.index;
  }
  EXPECT_TRUE(found.has_value()) << OpName(op) << " " << path;
  return found.value_or(0);
}

const FileLoss* Find(const CrashLoss& loss, const std::string& path) {
  for (const auto& f : loss.files) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

void WriteAt(SimVfs& vfs, const std::string& path, uint64_t offset,
             const std::string& data) {
  auto f = vfs.Open(path, OpenOptions::ReadWrite());
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Ok(WriteAll(**f, offset, data));
  Ok((*f)->Close());
}

TEST(CrashLoss, UnsyncedWriteIsDroppedWithItsLastFsync) {
  SimVfs vfs;
  Put(vfs, "f", std::string(4096, 'a'), true);
  Ok(vfs.SyncDir(""));
  uint64_t fsync = LastOp(vfs, OpKind::kFsync, "f");
  WriteAt(vfs, "f", 4096, std::string(100, 'b'));
  WriteAt(vfs, "f", 4196, std::string(50, 'c'));  // adjacent: one range
  WriteAt(vfs, "f", 10000, "z");
  CrashLoss loss = ExplainCrash(vfs.Snapshot(), CrashMode::Drop());
  EXPECT_EQ(loss.mode, "drop");
  EXPECT_EQ(loss.pending, 3u);
  EXPECT_EQ(loss.kept, 0u);
  ASSERT_EQ(loss.files.size(), 1u);
  const FileLoss& f = loss.files[0];
  EXPECT_EQ(f.path, "f");
  EXPECT_TRUE(f.visible);
  EXPECT_EQ(f.type, "file");
  EXPECT_EQ(f.dropped, (std::vector<ByteRange>{{4096, 150}, {10000, 1}}));
  EXPECT_EQ(f.dropped_bytes, 151u);
  EXPECT_TRUE(f.rolled_back.empty());
  EXPECT_EQ(f.last_fsync, fsync);
}

TEST(CrashLoss, CreateWithoutDirFsyncNamesTheDirectory) {
  SimVfs vfs;
  Ok(vfs.Mkdir("db"));  // root never fsync'd: the mkdir is pending too
  Put(vfs, "db/data", "payload", true);  // data fsync'd, name not
  uint64_t fsync = LastOp(vfs, OpKind::kFsync, "db/data");
  CrashLoss loss = ExplainCrash(vfs.Snapshot(), CrashMode::Drop());
  ASSERT_EQ(loss.files.size(), 2u);
  EXPECT_EQ(loss.files[0].path, "db");  // sorted by path
  EXPECT_EQ(loss.files[1].path, "db/data");
  const FileLoss& dir = loss.files[0];
  EXPECT_EQ(dir.type, "dir");
  ASSERT_EQ(dir.rolled_back.size(), 1u);
  EXPECT_EQ(dir.rolled_back[0].op, "mkdir");
  EXPECT_EQ(dir.rolled_back[0].path, "db");
  EXPECT_EQ(dir.rolled_back[0].missing_fsync_of, std::vector<std::string>{"."});
  EXPECT_EQ(dir.last_fsync, std::nullopt);
  const FileLoss& data = loss.files[1];
  EXPECT_TRUE(data.dropped.empty());  // its data was fsync'd
  ASSERT_EQ(data.rolled_back.size(), 1u);
  EXPECT_EQ(data.rolled_back[0].op, "create");
  EXPECT_EQ(data.rolled_back[0].path, "db/data");
  EXPECT_EQ(data.rolled_back[0].missing_fsync_of,
            std::vector<std::string>{"db"});
  EXPECT_EQ(data.rolled_back[0].op_index,
            LastOp(vfs, OpKind::kCreate, "db/data"));
  EXPECT_EQ(data.last_fsync, fsync);
  std::vector<std::string> lines = DescribeCrashLoss(loss);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("create db/data"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("no fsync of db"), std::string::npos) << lines[1];
  EXPECT_NE(lines[0].find("last fsync: never"), std::string::npos) << lines[0];
}

TEST(CrashLoss, DirectoryFsyncMakesTheNameDurable) {
  SimVfs vfs;
  Put(vfs, "f", "x", true);
  Ok(vfs.SyncDir(""));
  CrashLoss loss = ExplainCrash(vfs.Snapshot(), CrashMode::Drop());
  EXPECT_EQ(loss.pending, 0u);
  EXPECT_TRUE(loss.files.empty());
}

TEST(CrashLoss, PrefixKeepsTheFirstOps) {
  SimVfs vfs;
  Put(vfs, "f", "", true);
  Ok(vfs.SyncDir(""));
  WriteAt(vfs, "f", 0, "first");
  WriteAt(vfs, "f", 100, "second");
  CrashLoss loss = ExplainCrash(vfs.Snapshot(), CrashMode::Prefix(1));
  EXPECT_EQ(loss.mode, "prefix:1");
  EXPECT_EQ(loss.kept, 1u);
  ASSERT_EQ(loss.files.size(), 1u);
  EXPECT_EQ(loss.files[0].dropped, (std::vector<ByteRange>{{100, 6}}));
}

TEST(CrashLoss, UnlinkHeldBackByAnEarlierRollback) {
  SimVfs vfs;
  Ok(vfs.Mkdir("d"));
  Put(vfs, "d/x", "data", true);
  Ok(vfs.SyncDir("d"));
  Ok(vfs.SyncDir(""));
  Ok(vfs.Rename("d/x", "x"));  // needs d and the root
  Ok(vfs.Unlink("x"));         // needs the root
  Ok(vfs.SyncDir(""));         // the rename still needs d: both stay pending
  uint64_t rename = LastOp(vfs, OpKind::kRename, "d/x");
  CrashLoss loss = ExplainCrash(vfs.Snapshot(), CrashMode::Drop());
  const FileLoss* f = Find(loss, "d/x");  // durable path: no visible name
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(f->visible);
  ASSERT_EQ(f->rolled_back.size(), 2u);
  EXPECT_EQ(f->rolled_back[0].op, "rename");
  EXPECT_EQ(f->rolled_back[0].dest, "x");
  EXPECT_EQ(f->rolled_back[0].missing_fsync_of, std::vector<std::string>{"d"});
  EXPECT_EQ(f->rolled_back[1].op, "unlink");
  EXPECT_EQ(f->rolled_back[1].path, "x");
  EXPECT_TRUE(f->rolled_back[1].missing_fsync_of.empty());
  EXPECT_EQ(f->rolled_back[1].held_by, rename);
}

TEST(CrashLoss, TornRangesAreExactlyTheSectorsThatDidNotPersist) {
  for (uint64_t seed : {1u, 7u, 42u}) {
    SimVfs vfs;
    Put(vfs, "f", "", true);
    Ok(vfs.SyncDir(""));
    WriteAt(vfs, "f", 0, std::string(8 * kSectorSize, 'x'));
    CrashMode mode = CrashMode::Torn(seed);
    CrashLoss loss = ExplainCrash(vfs.Snapshot(), mode);
    vfs.Crash(mode);
    std::string after = vfs.VisibleTree().at("f").data;
    after.resize(8 * kSectorSize, '\0');
    std::vector<bool> lost(8, false);
    if (!loss.files.empty()) {
      for (const auto& r : loss.files[0].dropped) {
        ASSERT_EQ(r.offset % kSectorSize, 0u);
        ASSERT_EQ(r.length % kSectorSize, 0u);
        for (uint64_t s = r.offset / kSectorSize;
             s < (r.offset + r.length) / kSectorSize; ++s)
          lost[s] = true;
      }
    }
    for (size_t s = 0; s < 8; ++s) {
      bool persisted = after[s * kSectorSize] == 'x';
      EXPECT_EQ(persisted, !lost[s]) << "seed " << seed << " sector " << s;
    }
  }
}

TEST(CrashLoss, SyncAllCountsAsTheLastFsync) {
  SimVfs vfs;
  Put(vfs, "f", "a", false);
  Ok(vfs.SyncAll());
  uint64_t sync = LastOp(vfs, OpKind::kSync, "");
  WriteAt(vfs, "f", 1, "b");
  CrashLoss loss = ExplainCrash(vfs.Snapshot(), CrashMode::Drop());
  ASSERT_EQ(loss.files.size(), 1u);
  EXPECT_EQ(loss.files[0].last_fsync, sync);
}

TEST(CrashLoss, DeterministicAndRoundTripsThroughJson) {
  SimVfs vfs;
  Ok(vfs.Mkdir("b"));
  Put(vfs, "b/2", "two", false);
  Put(vfs, "a", "one", true);
  Ok(vfs.Rename("a", "c"));
  SimState snap = vfs.Snapshot();
  CrashLoss one = ExplainCrash(snap, CrashMode::Random(5));
  CrashLoss two = ExplainCrash(snap, CrashMode::Random(5));
  EXPECT_EQ(one, two);
  CrashLoss drop = ExplainCrash(snap, CrashMode::Drop());
  std::vector<std::string> paths;
  for (const auto& f : drop.files) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"b", "b/2", "c"}));
  auto back = CrashLoss::FromJson(drop.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, drop);
  nlohmann::json bad = drop.ToJson();
  bad["files"][1]["rolled_back"][0]["op_index"] = "seven";
  auto err = CrashLoss::FromJson(bad);
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.status().ToString().find("/files/1/rolled_back/0/op_index"),
            std::string::npos)
      << err.status().ToString();
}

TEST(CrashLoss, SimVfsExplainsItsCrashesWhenAsked) {
  SimVfs vfs(SimVfs::Options{.explain_crashes = true});
  EXPECT_FALSE(vfs.LastCrashLoss().has_value());
  Put(vfs, "f", "data", false);
  CrashLoss now = vfs.ExplainCrashNow(CrashMode::Drop());
  vfs.Crash();
  auto last = vfs.LastCrashLoss();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, now);
  ASSERT_EQ(last->files.size(), 1u);
  EXPECT_EQ(last->files[0].path, "f");
  EXPECT_EQ(last->files[0].dropped, (std::vector<ByteRange>{{0, 4}}));
  EXPECT_EQ(last->files[0].rolled_back.size(), 1u);
}

}  // namespace
}  // namespace crashlab::faultfs
