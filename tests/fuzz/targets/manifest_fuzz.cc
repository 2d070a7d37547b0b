// Fuzz target: MANIFEST.json bytes. Manifest::Parse either refuses with a
// named manifest-corrupt error or round-trips; inspect and rebuild-catalog
// over an engine directory holding these bytes never crash, never delete.
#include "engine/engine.h"
#include "engine/inspect.h"
#include "engine/layout.h"
#include "engine/manifest.h"
#include "faultfs/json_util.h"
#include "faultfs/sim_vfs.h"
#include "fuzz_check.h"

namespace crashlab::fuzz {
namespace {

const faultfs::SimState& BaseState() {
  static const faultfs::SimState state = [] {
    faultfs::SimVfs vfs;
    auto o = engine::Options::Deterministic();
    auto e = engine::Engine::Open(vfs, "db", o, nullptr);
    FUZZ_CHECK(e.ok());
    for (int i = 0; i < 2; ++i) {
      FUZZ_CHECK((*e)->Put("k" + std::to_string(i), "v").ok());
      FUZZ_CHECK((*e)->Sync().ok());
      FUZZ_CHECK((*e)->Checkpoint().ok());
    }
    FUZZ_CHECK((*e)->Close().ok());
    return vfs.Snapshot();
  }();
  return state;
}

}  // namespace
}  // namespace crashlab::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;  // NOLINT
  std::string_view text = fuzz::AsText(data, size);
  auto m = engine::Manifest::Parse(text, "MANIFEST.json");
  if (m.ok()) {
    std::string again = m->Serialize();
    auto m2 = engine::Manifest::Parse(again, "MANIFEST.json");
    FUZZ_CHECK(m2.ok());
    FUZZ_CHECK(m2->Serialize() == again);
  } else {
    FUZZ_CHECK(m.status().is_corruption());
    FUZZ_CHECK(m.status().message().starts_with("manifest-corrupt: "));
    (void)faultfs::DumpJson(nlohmann::json(m.status().ToString()));
  }
  faultfs::SimVfs vfs(faultfs::SimVfs::Options{}, fuzz::BaseState());
  const std::string path = engine::layout::Manifest("db", "ckpt-0000000002");
  FUZZ_CHECK(faultfs::WriteFile(vfs, path, text, true).ok());
  auto o = engine::Options::Deterministic();
  o.create_if_missing = false;
  engine::InspectReport rep = engine::Inspect(vfs, "db", o);
  (void)faultfs::DumpJson(rep.ToJson(), 2);
  engine::RecoveryResult res;
  auto e = engine::Engine::Open(vfs, "db", o, &res);
  (void)faultfs::DumpJson(res.ToJson(), 2);
  if (e.ok()) FUZZ_CHECK((*e)->Close().ok());
  std::vector<engine::Problem> skipped;
  auto ids = engine::Engine::RebuildCatalog(vfs, "db", o, true, &skipped);
  if (ids.ok()) {
    for (const auto& p : skipped) (void)faultfs::DumpJson(nlohmann::json(p.ToString()));
  }
  FUZZ_CHECK(vfs.Stat(engine::layout::Manifest("db", "ckpt-0000000001")).ok());
  return 0;
}
