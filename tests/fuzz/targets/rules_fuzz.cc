// Fuzz target: fault-rule files (a JSON array or JSON lines, as given to
// `faultfs mount --rules`) and single rules (`ctl inject`, scenario
// "faults"). A parsed rule's JSON form parses back to the same JSON; the
// crash-mode parser is fed the same bytes.
#include "faultfs/crash_mode.h"
#include "faultfs/daemon/rules_file.h"
#include "faultfs/fault_rule.h"
#include "faultfs/json_util.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;  // NOLINT
  std::string text(fuzz::AsText(data, size));
  auto rules = faultfs::daemon::ParseRulesText("rules.json", text);
  if (rules.ok()) {
    for (const auto& r : *rules) {
      std::string j = faultfs::DumpJson(r.ToJson());
      auto back = faultfs::FaultRule::Parse(j, "again");
      FUZZ_CHECK(back.ok());
      FUZZ_CHECK(faultfs::DumpJson(back->ToJson()) == j);
    }
  } else {
    (void)faultfs::DumpJson(nlohmann::json(rules.status().ToString()));
  }
  auto one = faultfs::FaultRule::Parse(text, "rule");
  if (one.ok()) (void)faultfs::DumpJson(one->ToJson());
  if (size < 256) {
    auto mode = faultfs::CrashMode::Parse(text);
    if (mode.ok()) {
      auto back = faultfs::CrashMode::Parse(mode->ToString());
      FUZZ_CHECK(back.ok());
      FUZZ_CHECK(back->ToString() == mode->ToString());
    }
  }
  return 0;
}
