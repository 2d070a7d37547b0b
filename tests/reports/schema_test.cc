// report.json against reports/report.schema.json, with a real JSON Schema
// validator: python3's jsonschema module (Debian: python3-jsonschema).
#include <gtest/gtest.h>

#include "reports/report_io.h"
#include "tests/reports/sample_runs.h"
#include "tests/reports/test_support.h"

namespace crashlab::reports {
namespace {

using testing::RunShell;
using testing::ShellQuote;
using testing::SourceDir;
using testing::TempDir;

std::filesystem::path SchemaPath() {
  return SourceDir().parent_path().parent_path() / "reports" /
         "report.schema.json";
}

bool HaveValidator() {
  return RunShell("python3 -c 'import jsonschema' >/dev/null 2>&1").exit_code ==
         0;
}

// Validates `doc` (a file) with Draft 2020-12 and format checking; also
// checks the schema itself against the metaschema.
testing::CommandResult Validate(const std::filesystem::path& doc) {
  const char* script =
      "import json,sys,jsonschema\n"
      "schema=json.load(open(sys.argv[1]))\n"
      "jsonschema.Draft202012Validator.check_schema(schema)\n"
      "v=jsonschema.Draft202012Validator(schema,format_checker=jsonschema."
      "FormatChecker())\n"
      "errs=sorted(v.iter_errors(json.load(open(sys.argv[2]))),key=lambda "
      "e:list(e.absolute_path))\n"
      "for e in errs: print('/'+'/'.join(map(str,e.absolute_path))+': "
      "'+e.message)\n"
      "sys.exit(1 if errs else 0)\n";
  return RunShell("python3 -c " + ShellQuote(script) + " " +
                  ShellQuote(SchemaPath().string()) + " " +
                  ShellQuote(doc.string()));
}

class SchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CRASHLAB_REQUIRE_TOOL(HaveValidator(),
                          "python3 with the jsonschema module (Debian: "
                          "python3-jsonschema) not found");
  }
};

TEST_F(SchemaTest, PassingRunIsValid) {
  TempDir tmp;
  ASSERT_TRUE(WriteReports(testing::BuildRun(testing::PassingSpec()),
                           tmp.path(), kFormatJson)
                  .ok());
  auto r = Validate(tmp.path() / kJsonFile);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(SchemaTest, FailingRunIsValid) {
  TempDir tmp;
  ASSERT_TRUE(WriteReports(testing::BuildRun(testing::FailingSpec()),
                           tmp.path(), kFormatJson)
                  .ok());
  auto r = Validate(tmp.path() / kJsonFile);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(SchemaTest, MergedRunIsValid) {
  TempDir tmp;
  RunRecord r = testing::BuildRun(testing::FailingSpec(), {2, 3});
  ASSERT_TRUE(WriteReports(r, tmp.path(), kFormatJson).ok());
  auto v = Validate(tmp.path() / kJsonFile);
  EXPECT_EQ(v.exit_code, 0) << v.output;
}

TEST_F(SchemaTest, ExecViolationWithLossIsValid) {
  TempDir tmp;
  ASSERT_TRUE(
      WriteReports(testing::ExecViolationRun(false), tmp.path(), kFormatJson)
          .ok());
  auto r = Validate(tmp.path() / kJsonFile);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(SchemaTest, SchemaChecksTheLossShape) {
  TempDir tmp;
  nlohmann::json j = ToJson(testing::ExecViolationRun(false));
  j["violations"].back()["loss"]["files"][1]["rolled_back"][0]["op"] = "mv";
  j["violations"].back()["loss"]["files"][0].erase("last_fsync");
  ASSERT_TRUE(WriteFileAtomically(tmp.path() / "bad.json", j.dump()).ok());
  auto r = Validate(tmp.path() / "bad.json");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("/violations/0/loss"), std::string::npos) << r.output;
}

// The validator really validates: a document with a wrong verdict and an
// extra field is rejected, naming both.
TEST_F(SchemaTest, SchemaRejectsWhatToJsonNeverEmits) {
  TempDir tmp;
  nlohmann::json j = ToJson(testing::BuildRun(testing::FailingSpec()));
  j["scenarios"][0]["verdict"] = "passed";
  j["violations"][0]["surprise"] = 1;
  ASSERT_TRUE(WriteFileAtomically(tmp.path() / "bad.json", j.dump()).ok());
  auto r = Validate(tmp.path() / "bad.json");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("/scenarios/0/verdict"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("surprise"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace crashlab::reports
