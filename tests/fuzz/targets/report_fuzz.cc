// Fuzz target: report.json (`crashlab report merge` / `render`). A parsed
// record renders to JSON, HTML, JUnit and Markdown; its JSON rendering
// parses back to the same record; merging it with itself is refused or
// yields a record that renders too.
#include "faultfs/json_util.h"
#include "fuzz_check.h"
#include "reports/html_writer.h"
#include "reports/junit_writer.h"
#include "reports/markdown_writer.h"
#include "reports/merge.h"
#include "reports/report_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;  // NOLINT
  std::string_view text = fuzz::AsText(data, size);
  auto r = reports::ParseReport(text, "report.json");
  if (!r.ok()) {
    (void)faultfs::DumpJson(nlohmann::json(r.status().message()));
    return 0;
  }
  std::string json = reports::RenderJson(*r);
  (void)reports::RenderHtml(*r);
  (void)reports::RenderJunit(*r);
  (void)reports::RenderMarkdown(*r);
  auto back = reports::ParseReport(json, "rendered.json");
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(reports::RenderJson(*back) == json);
  auto merged = reports::Merge({*r, *back}, {"a", "b"});
  if (merged.ok()) {
    (void)reports::RenderJson(*merged);
    (void)reports::RenderHtml(*merged);
  }
  return 0;
}
