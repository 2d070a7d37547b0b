// Fuzz target: lines a workload/recovery worker writes on its pipe (the
// harness reads them from a process it does not trust: it may crash mid-line
// or be a broken engine). Each line parses to an event or an error; events
// fold into a report; "recovery" bodies decode or are refused.
#include "faultfs/json_util.h"
#include "fuzz_check.h"
#include "harness/fuse/worker_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;  // NOLINT
  std::string_view text = fuzz::AsText(data, size);
  harness::WorkerReport report;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string line(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty()) continue;
    auto ev = harness::ParseWorkerEvent(line);
    if (!ev.ok()) {
      (void)faultfs::DumpJson(nlohmann::json(ev.status().ToString()));
      continue;
    }
    if (ev->kind == harness::WorkerEvent::Kind::kRecovery) {
      auto o = harness::RecoveryOutcomeFromJson(ev->body);
      if (o.ok()) (void)harness::RecoveryEventLine(*o);
    }
    auto st = harness::AddWorkerEvent(*ev, &report);
    if (!st.ok()) (void)faultfs::DumpJson(nlohmann::json(st.ToString()));
  }
  return 0;
}
