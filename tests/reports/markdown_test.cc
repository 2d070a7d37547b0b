// summary.md: the headline, the unmet scenarios, the reproduce commands.
#include <gtest/gtest.h>

#include "reports/markdown_writer.h"
#include "tests/reports/sample_runs.h"

namespace crashlab::reports {
namespace {

TEST(MarkdownTest, PassingRunIsOneHeadlineAndARunLine) {
  std::string md = RenderMarkdown(testing::BuildRun(testing::PassingSpec()));
  EXPECT_EQ(md.rfind("## ✅ crashlab: 3 scenarios, every expectation met", 0),
            0u)
      << md;
  EXPECT_NE(md.find("seed 1234"), std::string::npos);
  EXPECT_NE(md.find("18 crash points · 36 cases (point × mode)"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("### Violations"), std::string::npos);
}

// A shard without an unsafe mode's violating points does not claim an unmet
// expectation: the merge judges it.
TEST(MarkdownTest, ShardLeavesExpectedViolationsItLacksToTheMerge) {
  testing::RunSpec spec = testing::FailingSpec();
  spec.scenarios.erase(spec.scenarios.begin() + 4);  // the exec error
  for (auto& st : spec.states) {
    if (st.scenario == 0) st.violated.clear();  // no phantom
  }
  size_t deferred_shards = 0;
  for (const auto& shard : testing::BuildShards(spec, 8)) {
    std::string md = RenderMarkdown(shard);
    EXPECT_EQ(md.rfind("## ✅ crashlab: 4 scenarios, ", 0), 0u) << md;
    if (md.find("judged when the shards are merged") != std::string::npos) {
      ++deferred_shards;
      EXPECT_NE(
          md.find("nothing unexpected in shard " + shard.run.shard.ToString()),
          std::string::npos)
          << md;
      EXPECT_NE(md.find("3 other scenarios meet their expectation"),
                std::string::npos)
          << md;
    }
  }
  EXPECT_GT(deferred_shards, 0u);
}

TEST(MarkdownTest, FailingRunListsUnmetScenariosAndReproduceCommands) {
  std::string md = RenderMarkdown(testing::BuildRun(testing::FailingSpec()));
  EXPECT_EQ(
      md.rfind("## ❌ crashlab: 2 of 5 scenarios did not meet expectations", 0),
      0u)
      << md;
  EXPECT_NE(md.find("| phantom-after-failed-rename | `scenarios/catalog.json` "
                    "| sim | pass | violated "
                    "no-phantom-checkpoint (6) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| kv-store &lt;exec> & friends |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("```sh\n  crashlab replay "
                    "crashlab-report/repro/phantom-after-failed-rename-"),
            std::string::npos)
      << md;
  // The caught unsafe mode is not listed as something to act on.
  EXPECT_EQ(md.find("skip-dir-fsync-is-caught-acknowledged-durable"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("…and 1 more"), std::string::npos)
      << md;  // 6 violations, 5 shown
}

TEST(MarkdownTest, StaysShortForHugeRuns) {
  std::string md =
      RenderMarkdown(testing::BuildRun(testing::LargeSpec(20000, 7)));
  EXPECT_LT(md.size(), 12000u);
}

// Every exec violation says what the power cut took, expected or not.
TEST(MarkdownTest, ExecViolationListsWhatThePowerCutTook) {
  for (bool expected : {false, true}) {
    std::string md = RenderMarkdown(testing::ExecViolationRun(expected));
    EXPECT_NE(md.find("What the power cut took (crash mode drop: 3 of 3 "
                      "pending operations lost):"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("  - db: mkdir db (op 0): no fsync of . — rolled back; "
                      "last fsync: never\n"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("  - db/data.mdb: create db/data.mdb (op 3): no fsync "
                      "of db — rolled back; 4096 unsynced bytes dropped in 1 "
                      "range: [8192, 12288); last fsync: op 40\n"),
              std::string::npos)
        << md;
    EXPECT_EQ(
        md.find("### Expected violations of programs") != std::string::npos,
        expected)
        << md;
  }
}

}  // namespace
}  // namespace crashlab::reports
