// acknowledged-durable: after a crash that damaged nothing, recovery
// succeeds, every acknowledged operation's effect is in the recovered state
// (or a later issued operation's on the same key), and every acknowledged
// checkpoint is in the recovered catalog (unless the catalog file listed it
// when it was acknowledged and no longer did at the crash: a removal).
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "harness/invariants/checkers.h"
#include "harness/workload/image_facts.h"
#include "harness/workload/written_files.h"

namespace crashlab::harness {
namespace {

std::string Show(const std::optional<std::string>& v) {
  if (!v) return "absent";
  if (v->size() > 24) return "\"" + v->substr(0, 24) + "...\"";
  return "\"" + *v + "\"";
}

}  // namespace

Finding CheckAcknowledgedDurable(const CrashCase& c) {
  if (!c.damage.empty())
    return Finding::Held();  // nothing can be promised after damage
  const RecoveryOutcome& r = *c.recovery;
  if (r.threw) return Finding::Held();  // errors-not-crashes
  if (!r.ok) {
    return Finding::Violated(
        "recovery failed after a crash that damaged nothing: " + r.status);
  }
  // Every checkpoint whose Checkpoint() returned ok (or that this session's
  // Open recovered) must be in the recovered catalog. The one excuse is a
  // removal the harness sees in the catalog file itself (read with its own
  // parser, never the engine's checkpoints()): the visible CATALOG.json
  // listed it when it was acknowledged and no longer lists it at the crash —
  // the engine wrote a catalog without it (GC, or a failed GC whose removal
  // is ambiguous), and the crash may persist that.
  auto catalog_ids =
      [](const faultfs::Image& img) -> std::optional<std::vector<std::string>> {
    auto text = ReadImageFile(img, "checkpoints/CATALOG.json");
    if (!text) return std::nullopt;
    return ReadCatalogIds(*text);
  };
  auto lists = [](const std::optional<std::vector<std::string>>& ids,
                  const std::string& id) {
    return ids && std::find(ids->begin(), ids->end(), id) != ids->end();
  };
  std::optional<std::vector<std::string>> at_crash;
  if (c.pre) at_crash = catalog_ids(c.pre->visible);
  for (const auto& [id, at] : c.view.acked_at) {
    if (std::find(r.catalog.begin(), r.catalog.end(), id) != r.catalog.end())
      continue;
    bool listed_at_ack = c.run && at < c.run->states.size() &&
                         lists(catalog_ids(c.run->states[at].visible), id);
    if (listed_at_ack && at_crash && !lists(at_crash, id)) continue;
    return Finding::Violated(
        "acknowledged checkpoint " + id + " is not in the recovered catalog" +
        (listed_at_ack ? std::string()
                       : " (the catalog file did not list it when "
                         "Checkpoint() returned ok)"));
  }
  const OracleView& v = c.view;
  StateDump acked = v.ModelAt(v.acked);
  // Values each key may hold: its acknowledged one, or any later issued one.
  std::map<std::string, std::set<std::optional<std::string>>> allowed;
  std::set<std::string> keys;
  if (v.session) {
    for (const auto& [k, val] : v.session->base.kv) keys.insert(k);
    for (size_t i = 0; i < v.acked; ++i) {
      const auto& op = v.session->ops[i];
      if (op.type == OpType::kPut || op.type == OpType::kDelete)
        keys.insert(op.key);
    }
  }
  for (const auto& k : keys) {
    auto it = acked.kv.find(k);
    allowed[k].insert(it == acked.kv.end()
                          ? std::nullopt
                          : std::optional<std::string>(it->second));
  }
  std::map<std::string, std::set<uint64_t>> offsets;
  for (const auto& [s, o] : acked.source_offsets) offsets[s].insert(o);
  std::set<uint64_t> watermarks{acked.watermark};
  if (v.session) {
    for (size_t i = v.acked; i < v.issued; ++i) {
      const auto& op = v.session->ops[i];
      if (op.type == OpType::kPut && keys.count(op.key))
        allowed[op.key].insert(op.value);
      if (op.type == OpType::kDelete && keys.count(op.key))
        allowed[op.key].insert(std::nullopt);
      if (op.type == OpType::kSetOffset && offsets.count(op.key))
        offsets[op.key].insert(op.number);
      if (op.type == OpType::kSetWatermark) watermarks.insert(op.number);
    }
  }
  for (const auto& [k, vals] : allowed) {
    auto it = r.dump.kv.find(k);
    std::optional<std::string> got =
        it == r.dump.kv.end() ? std::nullopt
                              : std::optional<std::string>(it->second);
    if (!vals.count(got)) {
      auto want = acked.kv.find(k);
      return Finding::Violated(
          "acknowledged value of key " + k + " lost: expected " +
          Show(want == acked.kv.end()
                   ? std::nullopt
                   : std::optional<std::string>(want->second)) +
          " (or a later issued value), recovered " + Show(got) + " (" +
          std::to_string(v.acked) + " of " + std::to_string(v.issued) +
          " operations acknowledged" +
          (v.session && !v.session->base_note.empty()
               ? "; " + v.session->base_note
               : std::string()) +
          ")");
    }
  }
  for (const auto& [s, vals] : offsets) {
    auto it = r.dump.source_offsets.find(s);
    if (it == r.dump.source_offsets.end() || !vals.count(it->second)) {
      return Finding::Violated("acknowledged offset of source " + s + " lost");
    }
  }
  if (!watermarks.count(r.dump.watermark)) {
    return Finding::Violated(
        "acknowledged watermark " + std::to_string(acked.watermark) +
        " lost: recovered " + std::to_string(r.dump.watermark));
  }
  return Finding::Held();
}

}  // namespace crashlab::harness
