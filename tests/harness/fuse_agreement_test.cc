// The simulator and fuse mode agree: for every shipped scenario (scenarios/
// and scenarios/unsafe/), at its sampled (and targeted) crash points, the
// durable state faultfs leaves in its backing dir equals the simulator's
// post-crash image, the worker drove the engine op for op like the
// simulator, and the verdicts match. And a deliberately different state IS
// reported, with both states shown. Label `fuse`.
#include "harness/fuse/fuse_agreement.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "faultfs/backing_image.h"
#include "harness/fuse/fuse_mode.h"
#include "harness/fuse/image_compare.h"
#include "harness/mount/fuse_mount.h"
#include "harness/scenario/scenario_files.h"
#include "harness/suite/run_record_builder.h"
#include "tests/harness/fuse_test_env.h"

namespace crashlab::harness {
namespace {

namespace fs = std::filesystem;

class FuseAgreementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/crashlab-fuse-agreement-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty() && FindStaleMounts(dir_).empty())
      fs::remove_all(dir_, ec);
  }
  FuseModeSettings Settings(uint64_t sample) const {
    FuseModeSettings s;
    s.sample = sample;
    s.work_dir = dir_;
    s.explore.jobs = 2;
    s.fuse.crashlab_binary = CRASHLAB_BINARY;
    s.fuse.faultfs_binary = FAULTFS_BINARY;
    return s;
  }
  std::string dir_;
};

std::vector<Scenario> Load(const std::vector<std::string>& paths) {
  std::vector<InputError> errors;
  auto files = CollectScenarioFiles(paths, &errors);
  auto scenarios = LoadScenarios(files, &errors);
  EXPECT_TRUE(errors.empty()) << JoinErrors(errors);
  return scenarios;
}

TEST_F(FuseAgreementTest, SimAndFuseAgreeOnEveryShippedScenario) {
  FUSE_OR_SKIP();
  auto t0 = std::chrono::steady_clock::now();
  auto scenarios = Load({"scenarios"});
  ASSERT_GE(scenarios.size(), 30u);
  FuseModeSettings settings = Settings(2);
  auto plans = PlanFuse(scenarios, settings);
  ASSERT_TRUE(plans.ok()) << plans.status().ToString();
  RunFusePlans(&*plans, settings, nullptr);
  size_t cases = 0, targeted = 0, with_violation = 0;
  for (const auto& plan : *plans) {
    if (!plan.skipped.empty()) continue;
    EXPECT_FALSE(plan.cases.empty()) << plan.scenario.name;
    for (const auto& c : plan.cases) {
      ++cases;
      targeted += c.targeted ? 1 : 0;
      ASSERT_TRUE(c.done);
      EXPECT_TRUE(c.error.empty())
          << plan.scenario.name << " p" << c.point << ": " << c.error;
      std::string all;
      for (const auto& d : c.disagreements) all += "\n" + d;
      EXPECT_TRUE(c.agrees())
          << plan.scenario.name << " p" << c.point << ":" << all;
      ASSERT_EQ(c.findings.size(), c.sim_findings.size()) << plan.scenario.name;
      bool violated = false;
      for (size_t k = 0; k < c.findings.size(); ++k) {
        EXPECT_EQ(c.findings[k].violated, c.sim_findings[k].violated)
            << plan.scenario.name << " p" << c.point << " "
            << plan.scenario.invariants[k];
        violated |= c.findings[k].violated;
      }
      with_violation += violated ? 1 : 0;
      EXPECT_GT(c.worker_ops, c.point) << plan.scenario.name;
    }
  }
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  std::cout << "fuse agreement: " << cases << " crash points (" << targeted
            << " targeted, " << with_violation << " with a violation) in "
            << secs << " s\n";
  EXPECT_GE(with_violation, 9u);  // the unsafe modes, caught identically
}

// Runs one point of basic-put-sync with a reference that was deliberately
// changed: an extra durable file in the simulator's state, and a verdict
// flipped. Both must be reported as disagreements showing both sides.
TEST_F(FuseAgreementTest, ADeliberateDifferenceIsReportedWithBothStates) {
  FUSE_OR_SKIP();
  auto scenarios = Load({"scenarios/basic-put-sync.json"});
  ASSERT_EQ(scenarios.size(), 1u);
  FuseModeSettings settings = Settings(1);
  auto plans = PlanFuse(scenarios, settings);
  ASSERT_TRUE(plans.ok()) << plans.status().ToString();
  FusePlan& plan = (*plans)[0];
  ASSERT_EQ(plan.cases.size(), 1u);
  uint64_t p = plan.cases[0].point;

  auto run = std::make_shared<WorkloadRun>(*plan.ref.workload);
  faultfs::SimState& st = run->states[p + 1];
  faultfs::Ino ino = st.next_ino + 1000;
  st.durable.Create(ino, faultfs::FileType::kRegular, 0644)
      .data.Write(0, "not on the disk");
  st.durable.Mut(faultfs::kRootIno).entries["deliberate-difference"] = ino;
  plan.ref.workload = run;
  for (auto& c : plan.ref.cases) {
    if (c.point == p) c.findings[0] = Finding::Violated("deliberately flipped");
  }

  RunFusePlans(&*plans, settings, nullptr);
  const FuseCase& c = plan.cases[0];
  ASSERT_TRUE(c.error.empty()) << c.error;
  ASSERT_FALSE(c.agrees());
  std::string all;
  for (const auto& d : c.disagreements) all += d + "\n";
  EXPECT_NE(all.find("deliberate-difference: only in sim"), std::string::npos)
      << all;
  EXPECT_NE(all.find("sim:  file 15 bytes"), std::string::npos)
      << all;  // both states shown
  EXPECT_NE(all.find("fuse: (absent)"), std::string::npos) << all;
  EXPECT_NE(all.find("verdict differs for " + plan.scenario.invariants[0] +
                     ": sim violated (deliberately flipped); fuse held"),
            std::string::npos)
      << all;

  // In the record: a finding of its own, and the expectation is not met.
  reports::ScenarioResult r = ToFuseScenarioResult(plan);
  EXPECT_FALSE(r.expectation_met());
  bool counted = false;
  for (const auto& ic : r.invariants) {
    if (ic.id == kSimFuseAgreement) {
      counted = true;
      EXPECT_EQ(ic.violated, 1u);
    }
  }
  EXPECT_TRUE(counted);
  auto vs = FuseViolations(plan);
  ASSERT_FALSE(vs.empty());
  EXPECT_EQ(vs.back().second, kAgreementIndex);
  reports::Violation v =
      ToFuseViolation(plan, c, kAgreementIndex, "repro.json");
  EXPECT_EQ(v.invariant, "sim-fuse-agreement");
  EXPECT_EQ(v.mode, "fuse");
  EXPECT_NE(v.message.find("harness bug"), std::string::npos);
  EXPECT_NE(v.message.find("deliberate-difference"), std::string::npos);
  EXPECT_EQ(v.reproduce_command, "crashlab run --mode all repro.json");
}

TEST(FuseAgreementUnitTest, CompareDurableStateNamesEveryDifference) {
  faultfs::Image a, b;
  auto add = [](faultfs::Image& img, faultfs::Ino ino, const std::string& name,
                faultfs::FileType t, const std::string& data) {
    faultfs::Node& n = img.Create(ino, t, 0644);
    if (t == faultfs::FileType::kSymlink) n.target = data;
    if (t == faultfs::FileType::kRegular) n.data.Write(0, data);
    img.Mut(faultfs::kRootIno).entries[name] = ino;
  };
  add(a, 2, "same", faultfs::FileType::kRegular, "x");
  add(b, 7, "same", faultfs::FileType::kRegular,
      "x");  // inode numbers do not matter
  add(a, 3, "data", faultfs::FileType::kRegular, "abcdef");
  add(b, 3, "data", faultfs::FileType::kRegular, "abcXef");
  add(a, 4, "link", faultfs::FileType::kSymlink, "t1");
  add(b, 4, "link", faultfs::FileType::kSymlink, "t2");
  add(a, 5, "kind", faultfs::FileType::kDirectory, "");
  add(b, 5, "kind", faultfs::FileType::kRegular, "");
  add(b, 6, "extra", faultfs::FileType::kRegular, "");
  auto diffs = CompareImages(a, b);
  ASSERT_EQ(diffs.size(), 4u);
  EXPECT_EQ(diffs[0].path, "data");
  EXPECT_NE(diffs[0].what.find("first difference at byte 3"), std::string::npos)
      << diffs[0].what;
  EXPECT_EQ(diffs[1].path, "extra");
  EXPECT_NE(diffs[1].what.find("only in fuse"), std::string::npos);
  EXPECT_EQ(diffs[2].path, "kind");
  EXPECT_EQ(diffs[3].what, "symlink target differs: sim t1, fuse t2");
  auto msgs = CompareDurableState(a, b);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_NE(msgs[0].find("differs in 4 path(s)"), std::string::npos);
  EXPECT_NE(msgs[0].find("  same: file 1 bytes"), std::string::npos) << msgs[0];
  EXPECT_TRUE(CompareDurableState(a, a).empty());
}

TEST(FuseAgreementUnitTest, BackingImageSkipsFaultfsOwnDirectory) {
  char tmpl[] = "/tmp/crashlab-backing-image-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string d = tmpl;
  fs::create_directories(d + "/.faultfs/tmp");
  fs::create_directories(d + "/sub/deeper");
  std::ofstream(d + "/sub/f") << "hello";
  fs::create_symlink("sub/f", d + "/l");
  auto img = faultfs::ReadBackingImage(d);
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  auto tree = faultfs::ImageTree(*img);
  std::vector<std::string> paths;
  for (const auto& [p, e] : tree) paths.push_back(p);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"l", "sub", "sub/deeper", "sub/f"}));
  EXPECT_EQ(tree["sub/f"].data, "hello");
  EXPECT_EQ(tree["l"].data, "sub/f");
  EXPECT_FALSE(faultfs::ReadBackingImage(d + "/missing").ok());
  fs::remove_all(d);
}

}  // namespace
}  // namespace crashlab::harness
