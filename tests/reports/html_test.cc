// report.html: self-contained, complete for violations, light for big runs;
// and a headless Chromium test that the page renders what matters.
#include <gtest/gtest.h>

#include <regex>

#include "reports/html_writer.h"
#include "reports/markdown_writer.h"
#include "reports/report_io.h"
#include "tests/reports/sample_runs.h"
#include "tests/reports/test_support.h"

namespace crashlab::reports {
namespace {

using testing::ArtifactDir;
using testing::ReadFile;
using testing::RunShell;
using testing::ShellQuote;
using testing::TempDir;

size_t Count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos;
       p = hay.find(needle, p + 1))
    ++n;
  return n;
}

TEST(HtmlTest, IsSelfContained) {
  std::string html = RenderHtml(testing::BuildRun(testing::FailingSpec()));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  // No external resource of any kind.
  std::regex external(R"re((src|href)\s*=\s*["']?(https?:)?//)re",
                      std::regex::icase);
  EXPECT_FALSE(std::regex_search(html, external));
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
  EXPECT_NE(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"timeline\""), std::string::npos);
}

TEST(HtmlTest, ViolationHasEverySection) {
  std::string html = RenderHtml(testing::BuildRun(testing::FailingSpec()));
  for (const char* part :
       {"Timeline", "power cut after op 5",
        "Files involved: visible vs durable",
        "Checkpoint catalog: expected vs recovered",
        "State: expected vs recovered",
        "Acknowledged operations vs recovered WAL prefix",
        "Files per checkpoint", "Injected faults", "Engine recovery result",
        "button class=\"copy\"", "id=\"only-failures\""}) {
    EXPECT_NE(html.find(part), std::string::npos) << part;
  }
  // Escaped user text, never raw.
  EXPECT_NE(html.find("&lt;rename CATALOG.json.tmp → CATALOG.json&gt;"),
            std::string::npos);
  EXPECT_EQ(html.find("kv-store <exec>"), std::string::npos);
  // Exactly one violation is open: the first unexpected one.
  EXPECT_EQ(Count(html, "<details class=\"violation\""), 15u);
  EXPECT_EQ(Count(html, "\" open>"), 1u);
}

// A program's violation: what the power cut took, the program's steps, and
// none of the engine's sections.
TEST(HtmlTest, ExecViolationShowsTheLossAndNoEngineSections) {
  std::string html = RenderHtml(testing::ExecViolationRun(false));
  for (const char* part :
       {"What the power cut took", "crash mode drop: 3 of 3 pending",
        "mkdir db (op 0): no fsync of .",
        "create db/data.mdb (op 3): no fsync of db",
        "4096 unsynced bytes dropped in 1 range: [8192, 12288)", "op 40",
        "never", "Program run: as written", "commits-survive",
        "k1 missing &lt;gone&gt;", "Injected faults"}) {
    EXPECT_NE(html.find(part), std::string::npos) << part;
  }
  for (const char* part :
       {"Checkpoint catalog", "matches no prefix", "Engine recovery result",
        "State: expected vs recovered", "Files per checkpoint"}) {
    EXPECT_EQ(html.find(part), std::string::npos) << part;
  }
  // Engine violations keep their sections and have no loss section.
  std::string engine = RenderHtml(testing::BuildRun(testing::FailingSpec()));
  EXPECT_EQ(engine.find("What the power cut took"), std::string::npos);
  EXPECT_EQ(engine.find("Program run:"), std::string::npos);
}

// A report.json read back may hold anything in `loss` and the exec run:
// wrong types are left out, never a crash.
TEST(HtmlTest, MistypedLossAndRunFieldsDoNotThrow) {
  RunRecord r = testing::ExecViolationRun(false);
  Violation& v = r.violations.back();
  v.loss["files"][0]["path"] = 5;
  v.loss["files"][0]["visible"] = "no";
  v.loss["files"][1]["rolled_back"][0]["missing_fsync_of"] = {1, "d"};
  v.loss["files_omitted"] = "many";
  v.recovery_result["steps"][0]["step"] = "zero";
  v.recovery_result["steps"][1]["detail"] = nullptr;
  std::string html;
  EXPECT_NO_THROW(html = RenderHtml(r));
  EXPECT_NE(html.find("What the power cut took"), std::string::npos);
  EXPECT_NE(html.find("no fsync of d"), std::string::npos);
  EXPECT_NO_THROW(RenderMarkdown(r));
}

TEST(HtmlTest, PassingRunSaysSo) {
  std::string html = RenderHtml(testing::BuildRun(testing::PassingSpec()));
  EXPECT_NE(html.find("Every scenario met its expectation."),
            std::string::npos);
  EXPECT_NE(html.find("No invariant was violated"), std::string::npos);
}

TEST(HtmlTest, ThousandsOfCrashStatesStayLight) {
  // 50,000 crash states, 2,500 violations: details only for the first 200.
  RunRecord r = testing::BuildRun(testing::LargeSpec(50000, 20));
  ASSERT_EQ(r.violations.size(), 2500u);
  std::string html = RenderHtml(r);
  EXPECT_EQ(Count(html, "<details class=\"violation\""), kHtmlMaxDetailed);
  EXPECT_NE(html.find("2,300 more (summary only)"), std::string::npos);
  EXPECT_LT(html.size(), 8u << 20)
      << "report.html grew to " << html.size() << " bytes";
}

bool HaveChromium(std::string* binary) {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    if (RunShell(std::string("command -v ") + name + " >/dev/null").exit_code ==
        0) {
      *binary = name;
      return true;
    }
  }
  return false;
}

std::string ChromiumFlags(const std::filesystem::path& profile) {
  return " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
         "--disable-background-networking"
         " --disable-component-update --disable-sync --disable-dev-shm-usage "
         "--hide-scrollbars"
         " --user-data-dir=" +
         ShellQuote(profile.string());
}

TEST(HtmlBrowserTest, ChromiumShowsViolationTimelineAndReproduceCommand) {
  std::string chromium;
  CRASHLAB_REQUIRE_TOOL(HaveChromium(&chromium),
                        "headless Chromium not found (Debian: chromium)");
  TempDir tmp;
  RunRecord r = testing::BuildRun(testing::FailingSpec());
  ASSERT_TRUE(WriteReports(r, tmp.path(), kFormatHtml).ok());
  const std::string url = "file://" + (tmp.path() / kHtmlFile).string();

  auto dom = RunShell("timeout 120 " + chromium +
                      ChromiumFlags(tmp.path() / "profile-dom") +
                      " --dump-dom " + ShellQuote(url) + " 2>/dev/null");
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  const std::string& page = dom.output;
  const Violation* first = nullptr;
  for (const auto& v : r.violations) {
    if (v.scenario == "phantom-after-failed-rename" && first == nullptr)
      first = &v;
  }
  ASSERT_NE(first, nullptr);
  // The violation, its timeline with the crash marked, and the command.
  EXPECT_NE(page.find("phantom-after-failed-rename"), std::string::npos);
  EXPECT_NE(page.find("no-phantom-checkpoint"), std::string::npos);
  EXPECT_NE(page.find("<svg class=\"timeline\""), std::string::npos);
  EXPECT_NE(page.find("crash after op " + std::to_string(first->crash_point)),
            std::string::npos);
  EXPECT_NE(
      page.find("power cut after op " + std::to_string(first->crash_point)),
      std::string::npos);
  EXPECT_NE(page.find(first->reproduce_command), std::string::npos);
  // The script ran (the DOM is the live one) and did not throw on load.
  EXPECT_NE(page.find("id=\"only-failures\""), std::string::npos);

  std::error_code ec;
  std::filesystem::create_directories(ArtifactDir(), ec);
  const auto png = ArtifactDir() / "report_failing.png";
  std::filesystem::remove(png, ec);
  std::filesystem::copy_file(
      tmp.path() / kHtmlFile, ArtifactDir() / "report_failing.html",
      std::filesystem::copy_options::overwrite_existing, ec);
  auto shot = RunShell(
      "timeout 120 " + chromium + ChromiumFlags(tmp.path() / "profile-shot") +
      " --window-size=1280,2200 --screenshot=" + ShellQuote(png.string()) +
      " " + ShellQuote(url));
  EXPECT_EQ(shot.exit_code, 0) << shot.output;
  ASSERT_TRUE(std::filesystem::exists(png)) << shot.output;
  EXPECT_GT(std::filesystem::file_size(png), 20000u);
  std::string head = ReadFile(png).substr(0, 8);
  EXPECT_EQ(head, std::string("\x89PNG\r\n\x1a\n", 8));
  RecordProperty("screenshot", png.string());
}

}  // namespace
}  // namespace crashlab::reports
