// WAL framing, torn tails, corruption and gaps.
#include <gtest/gtest.h>

#include "engine/crc32c.h"
#include "engine/layout.h"
#include "engine/wal_reader.h"
#include "engine/wal_record.h"
#include "engine_test_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT
using faultfs::SimVfs;

TEST(Crc32c, KnownVector) {
  // The standard CRC32C check value.
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
}

TEST(WalRecord, RoundTripsEveryType) {
  std::vector<WalRecord> in(4);
  in[0] = {RecordType::kPut, 1, 10, 10, "key", "value", 0};
  in[1] = {RecordType::kDelete, 1, 11, 10, "key", "", 0};
  in[2] = {RecordType::kOffset, 2, 12, 12, "topic", "", 99};
  in[3] = {RecordType::kWatermark, 2, 13, 12, "", "", 1234};
  std::string buf;
  for (const auto& r : in) EncodeRecord(r, &buf);
  std::string_view view(buf);
  for (const auto& want : in) {
    WalRecord got;
    size_t n = 0;
    ASSERT_EQ(DecodeFrame(view, true, &got, &n), FrameStatus::kOk);
    EXPECT_EQ(got.type, want.type);
    EXPECT_EQ(got.lsn, want.lsn);
    EXPECT_EQ(got.key, want.key);
    EXPECT_EQ(got.value, want.value);
    EXPECT_EQ(got.number, want.number);
    view.remove_prefix(n);
  }
  EXPECT_TRUE(view.empty());
}

TEST(WalRecord, DetectsDamage) {
  std::string buf;
  EncodeRecord({RecordType::kPut, 0, 1, 1, "k", "v", 0}, &buf);
  WalRecord r;
  size_t n = 0;
  EXPECT_EQ(DecodeFrame(std::string_view(buf).substr(0, buf.size() - 1), true,
                        &r, &n),
            FrameStatus::kIncomplete);
  std::string bad = buf;
  bad[bad.size() - 1] ^= 1;
  EXPECT_EQ(DecodeFrame(bad, true, &r, &n), FrameStatus::kBadCrc);
  EXPECT_EQ(DecodeFrame(std::string(8, '\0'), true, &r, &n),
            FrameStatus::kBadLength);
}

// Writes `groups` group commits of `per` records each.
void WriteGroups(SimVfs& vfs, int groups, int per) {
  Options o = TestOptions();
  o.wal_group_size = per;
  auto e = OpenOrDie(vfs, o);
  for (int g = 0; g < groups; ++g) {
    for (int i = 0; i < per; ++i)
      ASSERT_OK(e->Put("k" + std::to_string(g * per + i), "v").status());
  }
  ASSERT_OK(e->Sync());
}

std::string OnlySegment(SimVfs& vfs) {
  auto segs = vfs.ListDir("db/wal");
  EXPECT_EQ(segs->size(), 1u);
  return "db/wal/" + segs->at(0).name;
}

TEST(WalReplay, TruncatedTailIsCutAndReported) {
  SimVfs vfs;
  WriteGroups(vfs, 3, 2);
  std::string seg = OnlySegment(vfs);
  uint64_t size = vfs.Stat(seg)->size;
  ASSERT_OK(vfs.Truncate(seg, size - 5));
  RecoveryResult res;
  auto e = OpenOrDie(vfs, TestOptions(), &res);
  ASSERT_TRUE(e);
  EXPECT_EQ(res.last_lsn, 5u);
  EXPECT_GT(res.bytes_cut, 0u);
  EXPECT_EQ(res.torn_segment, seg);
  EXPECT_EQ(ProblemCodes(res.problems),
            std::vector<std::string>{"wal-torn-tail"});
  // The cut is durable, and the log continues cleanly.
  ASSERT_OK(e->Put("next", "1").status());
  ASSERT_OK(e->Sync());
  e.reset();
  vfs.Crash();
  auto e2 = OpenOrDie(vfs, TestOptions(), &res);
  ASSERT_TRUE(e2);
  EXPECT_EQ(res.bytes_cut, 0u);
  EXPECT_EQ(res.last_lsn, 6u);
  EXPECT_EQ(e2->Get("next"), "1");
}

TEST(WalReplay, BadRecordFollowedByGoodGroupIsCorruption) {
  SimVfs vfs;
  WriteGroups(vfs, 3, 2);
  std::string seg = OnlySegment(vfs);
  // Flip a byte inside the first record (group 1).
  auto f = vfs.Open(seg, faultfs::OpenOptions::ReadWrite());
  ASSERT_OK(f.status());
  ASSERT_OK(faultfs::WriteAll(**f, 30, "\xff"));
  ASSERT_OK((*f)->Close());
  RecoveryResult res;
  auto e = Engine::Open(vfs, "db", TestOptions(), &res);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(ProblemCodes(res.problems),
            std::vector<std::string>{"wal-corrupt"});
  EXPECT_NE(e.status().message().find("wal-corrupt"), std::string::npos);
}

TEST(WalReplay, DamageInsideLastGroupIsTorn) {
  SimVfs vfs;
  WriteGroups(vfs, 1, 4);
  std::string seg = OnlySegment(vfs);
  auto f = vfs.Open(seg, faultfs::OpenOptions::ReadWrite());
  ASSERT_OK(f.status());
  ASSERT_OK(
      faultfs::WriteAll(**f, 60, std::string(8, '\0')));  // inside record 2
  ASSERT_OK((*f)->Close());
  RecoveryResult res;
  auto e = OpenOrDie(vfs, TestOptions(), &res);
  ASSERT_TRUE(e);
  EXPECT_EQ(res.last_lsn, 1u);
  EXPECT_GT(res.bytes_cut, 0u);
}

TEST(WalReplay, MissingSegmentIsGap) {
  SimVfs vfs;
  Options o = TestOptions();
  o.wal_segment_bytes = 4096;
  {
    auto e = OpenOrDie(vfs, o);
    for (int i = 0; i < 300; ++i)
      ASSERT_OK(
          e->Put("key" + std::to_string(i), std::string(30, 'x')).status());
    ASSERT_OK(e->Sync());
  }
  auto segs = vfs.ListDir("db/wal");
  ASSERT_GE(segs->size(), 3u);
  ASSERT_OK(vfs.Unlink("db/wal/" + segs->at(1).name));
  RecoveryResult res;
  auto e = Engine::Open(vfs, "db", o, &res);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(ProblemCodes(res.problems), std::vector<std::string>{"wal-gap"});
}

TEST(WalReplay, TornNonLastSegmentIsCorruption) {
  SimVfs vfs;
  Options o = TestOptions();
  o.wal_segment_bytes = 4096;
  {
    auto e = OpenOrDie(vfs, o);
    for (int i = 0; i < 300; ++i)
      ASSERT_OK(
          e->Put("key" + std::to_string(i), std::string(30, 'x')).status());
    ASSERT_OK(e->Sync());
  }
  auto segs = vfs.ListDir("db/wal");
  std::string first = "db/wal/" + segs->at(0).name;
  ASSERT_OK(vfs.Truncate(first, vfs.Stat(first)->size - 3));
  RecoveryResult res;
  auto e = Engine::Open(vfs, "db", o, &res);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(ProblemCodes(res.problems),
            std::vector<std::string>{"wal-corrupt"});
}

TEST(WalReplay, CatalogMissingWithTruncatedWalIsRefused) {
  SimVfs vfs;
  {
    auto e = OpenOrDie(vfs, TestOptions());
    ASSERT_OK(e->Put("a", "1").status());
    ASSERT_OK(e->Checkpoint().status());
    ASSERT_OK(e->Put("b", "1").status());
    ASSERT_OK(e->Sync());
  }
  // Lose the catalog and every checkpoint directory: only the WAL remains.
  ASSERT_OK(vfs.Unlink("db/checkpoints/CATALOG.json"));
  std::vector<std::string> deleted;
  RecoveryResult res;
  ASSERT_OK(vfs.Rename("db/checkpoints/ckpt-0000000001", "db/elsewhere"));
  auto e = Engine::Open(vfs, "db", TestOptions(), &res);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(ProblemCodes(res.problems),
            std::vector<std::string>{"catalog-missing"});
}

}  // namespace
}  // namespace crashlab::engine
