// Fuzz target: CATALOG.json bytes. Catalog::Parse either refuses with a
// named catalog-corrupt error or returns a catalog that round-trips; and an
// engine whose catalog holds these bytes opens or refuses, with a recovery
// report and an inspect report that always serialise.
#include <memory>

#include "engine/catalog.h"
#include "engine/engine.h"
#include "engine/inspect.h"
#include "engine/layout.h"
#include "faultfs/json_util.h"
#include "faultfs/sim_vfs.h"
#include "fuzz_check.h"

namespace crashlab::fuzz {
namespace {

// An engine directory "db" with two checkpoints and some WAL, built once.
const faultfs::SimState& BaseState() {
  static const faultfs::SimState state = [] {
    faultfs::SimVfs vfs;
    auto o = engine::Options::Deterministic();
    auto e = engine::Engine::Open(vfs, "db", o, nullptr);
    FUZZ_CHECK(e.ok());
    for (int i = 0; i < 3; ++i) {
      FUZZ_CHECK((*e)->Put("k" + std::to_string(i), "v").ok());
      FUZZ_CHECK((*e)->Sync().ok());
      FUZZ_CHECK((*e)->Checkpoint().ok());
    }
    FUZZ_CHECK((*e)->Put("tail", "t").ok());
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
  auto c = engine::Catalog::Parse(text, "CATALOG.json");
  if (c.ok()) {
    std::string again = c->Serialize();
    auto c2 = engine::Catalog::Parse(again, "CATALOG.json");
    FUZZ_CHECK(c2.ok());
    FUZZ_CHECK(c2->Serialize() == again);
  } else {
    FUZZ_CHECK(c.status().is_corruption());
    FUZZ_CHECK(c.status().message().starts_with("catalog-corrupt: "));
    (void)faultfs::DumpJson(nlohmann::json(c.status().ToString()));
  }
  faultfs::SimVfs vfs(faultfs::SimVfs::Options{}, fuzz::BaseState());
  FUZZ_CHECK(
      faultfs::WriteFile(vfs, engine::layout::Catalog("db"), text, true).ok());
  engine::RecoveryResult res;
  auto o = engine::Options::Deterministic();
  o.create_if_missing = false;
  auto e = engine::Engine::Open(vfs, "db", o, &res);
  (void)faultfs::DumpJson(res.ToJson(), 2);
  if (e.ok()) {
    FUZZ_CHECK((*e)->Close().ok());
  } else {
    // Refusing a damaged catalog deletes nothing.
    FUZZ_CHECK(vfs.Stat(engine::layout::Manifest("db", "ckpt-0000000001")).ok());
  }
  engine::InspectReport rep = engine::Inspect(vfs, "db", o);
  (void)faultfs::DumpJson(rep.ToJson(), 2);
  (void)rep.ToText();
  return 0;
}
