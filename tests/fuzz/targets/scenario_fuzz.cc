// Fuzz target: scenario files. ParseScenario either returns errors that
// each name a line and column inside the text, or a scenario whose written
// form parses again to the same written form.
#include "faultfs/json_util.h"
#include "fuzz_check.h"
#include "harness/scenario/scenario_parser.h"
#include "harness/scenario/scenario_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;  // NOLINT
  std::string_view text = fuzz::AsText(data, size);
  harness::ParseOutcome p = harness::ParseScenario(text, "fuzz.json");
  if (!p.ok()) {
    for (const auto& e : p.errors) {
      FUZZ_CHECK(!e.message.empty());
      (void)faultfs::DumpJson(nlohmann::json(e.message));
    }
    return 0;
  }
  std::string written = harness::WriteScenario(p.scenario);
  harness::ParseOutcome again = harness::ParseScenario(written, "again.json");
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(harness::WriteScenario(again.scenario) == written);
  return 0;
}
