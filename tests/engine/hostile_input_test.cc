// Issue 15 regressions: damaged catalogs and manifests (invalid UTF-8,
// nesting 100,000 levels deep) are named corruption errors whose reports can
// always be serialised; nothing crashes, nothing is deleted.
#include <gtest/gtest.h>

#include "engine/catalog.h"
#include "engine/inspect.h"
#include "engine/layout.h"
#include "engine/manifest.h"
#include "engine_test_util.h"
#include "faultfs/json_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT: test helpers
using faultfs::SimVfs;

std::string DeepDoc(const std::string& key, size_t levels) {
  return "{\"" + key + "\":" + std::string(levels, '[') +
         std::string(levels, ']') + ",\"sha256\":\"x\"}";
}

// An engine in "db" with one committed checkpoint (ckpt-0000000001).
void MakeDb(SimVfs& vfs) {
  auto e = OpenOrDie(vfs, TestOptions());
  ASSERT_TRUE(e);
  ASSERT_OK(e->Put("a", "1").status());
  ASSERT_OK(e->Sync());
  ASSERT_OK(e->Checkpoint().status());
  ASSERT_OK(e->Close());
}

TEST(HostileInput, CatalogParseRefusesDeepNestingByName) {
  auto c = Catalog::Parse(DeepDoc("catalog", 100000), "CATALOG.json");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().is_corruption());
  EXPECT_EQ(c.status().message(),
            "catalog-corrupt: nesting deeper than 64 at byte 75");
}

TEST(HostileInput, ManifestParseRefusesDeepNestingByName) {
  auto m = Manifest::Parse(DeepDoc("manifest", 100000), "MANIFEST.json");
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(m.status().is_corruption());
  EXPECT_EQ(m.status().message(),
            "manifest-corrupt: nesting deeper than 64 at byte 76");
}

TEST(HostileInput, InvalidUtf8IsCorruptionWithAPrintableMessage) {
  auto c = Catalog::Parse("\xff\xfe{", "CATALOG.json");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().message().starts_with("catalog-corrupt: "));
  EXPECT_NO_THROW((void)nlohmann::json(c.status().message()).dump());
  // A well-formed document whose body carries an invalid byte.
  auto m = Manifest::Parse(
      "{\"manifest\":{\"format\":1,\"id\":\"\xff\"},\"sha256\":\"x\"}", "M");
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(m.status().message().starts_with("manifest-corrupt: "));
  EXPECT_NO_THROW((void)nlohmann::json(m.status().message()).dump());
}

class HostileCatalog : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileCatalog, OpenInspectAndRebuildReportWithoutCrashOrDeletion) {
  SimVfs vfs;
  MakeDb(vfs);
  ASSERT_OK(faultfs::WriteFile(vfs, layout::Catalog("db"), GetParam(),
                               /*sync=*/true));
  RecoveryResult res;
  auto e = Engine::Open(vfs, "db", TestOptions(), &res);
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(e.status().is_corruption()) << e.status().ToString();
  EXPECT_NE(e.status().message().find("catalog-corrupt"), std::string::npos)
      << e.status().ToString();
  std::string out;
  ASSERT_NO_THROW(out = faultfs::DumpJson(res.ToJson(), 2));
  EXPECT_TRUE(nlohmann::json::parse(out).is_object());

  InspectReport rep = Inspect(vfs, "db", TestOptions());
  EXPECT_FALSE(rep.catalog_ok);
  ASSERT_NO_THROW(out = faultfs::DumpJson(rep.ToJson(), 2));
  EXPECT_TRUE(nlohmann::json::parse(out).is_object());

  // The checkpoint and the damaged catalog are both still there.
  EXPECT_OK(vfs.Stat(layout::Manifest("db", "ckpt-0000000001")).status());
  auto cat = faultfs::ReadFile(vfs, layout::Catalog("db"));
  ASSERT_TRUE(cat.ok());
  EXPECT_EQ(*cat, GetParam());

  // An explicit rebuild replaces it and the data comes back.
  std::vector<Problem> skipped;
  auto ids = Engine::RebuildCatalog(vfs, "db", TestOptions(), true, &skipped);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(ids->size(), 1u);
  auto e2 = OpenOrDie(vfs, TestOptions());
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->Get("a"), "1");
}

INSTANTIATE_TEST_SUITE_P(
    Issue15, HostileCatalog,
    ::testing::Values(std::string("\xff\xfe{"), DeepDoc("catalog", 100000),
                      std::string("{\"catalog\":{\"format\":1,\"next_seq\":"
                                  "2,\"checkpoints\":[\"\xc3\"]},\"sha256\":"
                                  "\"x\"}")));

TEST(HostileInput, DeepOrNonUtf8ManifestIsSkippedByNameInInspectAndRebuild) {
  for (const std::string& bad :
       {DeepDoc("manifest", 100000),
        std::string("{\"manifest\":{\"id\":\"\xff\xfe\"},\"sha256\":\"x\"}")}) {
    SimVfs vfs;
    MakeDb(vfs);
    std::string mpath = layout::Manifest("db", "ckpt-0000000001");
    ASSERT_OK(faultfs::WriteFile(vfs, mpath, bad, /*sync=*/true));
    InspectReport rep = Inspect(vfs, "db", TestOptions());
    std::string out;
    ASSERT_NO_THROW(out = faultfs::DumpJson(rep.ToJson(), 2));
    EXPECT_NE(out.find("manifest-corrupt"), std::string::npos) << out;
    RecoveryResult res;
    auto e = Engine::Open(vfs, "db", TestOptions(), &res);
    ASSERT_NO_THROW(out = faultfs::DumpJson(res.ToJson(), 2));
    std::vector<Problem> skipped;
    auto ids = Engine::RebuildCatalog(vfs, "db", TestOptions(), true, &skipped);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    EXPECT_TRUE(ids->empty());
    std::string all;
    for (const auto& p : skipped) all += p.ToString() + "\n";
    EXPECT_NE(all.find("manifest-corrupt"), std::string::npos) << all;
    EXPECT_OK(vfs.Stat(mpath).status());  // skipped, not deleted
  }
}

}  // namespace
}  // namespace crashlab::engine
