// Fuzz target: state files (.snap/.delta). The first byte picks what the
// reader expects (delta or snap, partition 0-3); ApplyStateFile either
// refuses with an error or applies changes, and a re-encoded snapshot of the
// result decodes to the same map.
#include <map>

#include "engine/state_file.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;  // NOLINT
  if (size == 0) return 0;
  bool delta = (data[0] & 1) != 0;
  uint32_t partition = (data[0] >> 1) & 3;
  std::string_view bytes = fuzz::AsText(data + 1, size - 1);
  std::map<std::string, std::string> kv;
  std::string error;
  bool ok = engine::ApplyStateFile(bytes, delta, partition, &kv, &error);
  if (!ok) {
    FUZZ_CHECK(!error.empty());
    return 0;
  }
  std::vector<engine::StateChange> changes;
  for (const auto& [k, v] : kv) changes.push_back({k, v});
  std::string snap = engine::EncodeStateFile(false, partition, changes);
  std::map<std::string, std::string> again;
  FUZZ_CHECK(engine::ApplyStateFile(snap, false, partition, &again, &error));
  FUZZ_CHECK(again == kv);
  return 0;
}
