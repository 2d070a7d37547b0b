#include "engine/recovery_result.h"

namespace crashlab::engine {

nlohmann::json RecoveryResult::ToJson() const {
  nlohmann::json problems_j = nlohmann::json::array();
  for (const auto& p : problems) problems_j.push_back(p.ToJson());
  return {{"ok", ok},
          {"fresh", fresh},
          {"checkpoint", checkpoint_id},
          {"epoch", epoch},
          {"wal_position", wal_position},
          {"skipped_checkpoints", skipped_checkpoints},
          {"fallback_used", fallback_used},
          {"resharded_from", resharded_from},
          {"records_replayed", records_replayed},
          {"bytes_repersisted", bytes_repersisted},
          {"catalog_repersisted", catalog_repersisted},
          {"head_status", head_status},
          {"head_id", head_id},
          {"log_status", log_status},
          {"log_records", log_records},
          {"log_rewritten", log_rewritten},
          {"head_rewritten", head_rewritten},
          {"latest_status", latest_status},
          {"latest_id", latest_id},
          {"warnings", warnings},
          {"last_lsn", last_lsn},
          {"bytes_cut", bytes_cut},
          {"torn_segment", torn_segment},
          {"keys", keys},
          {"catalog", catalog},
          {"problems", problems_j},
          {"deleted", deleted},
          {"error", error}};
}

std::string RecoveryResult::ToText() const {
  std::string s;
  s += ok ? "recovery: ok\n" : "recovery: FAILED: " + error + "\n";
  s += "  checkpoint: " +
       (checkpoint_id.empty() ? std::string("(none)") : checkpoint_id) +
       " (epoch " + std::to_string(epoch) + ", wal position " +
       std::to_string(wal_position) + ")\n";
  if (fallback_used) {
    s += "  FALLBACK used: skipped";
    for (const auto& id : skipped_checkpoints) s += " " + id;
    s += "\n";
  }
  if (resharded_from)
    s += "  RESHARD: checkpoint has " + std::to_string(resharded_from) +
         " partitions; the next checkpoint is full\n";
  s += "  records replayed: " + std::to_string(records_replayed) +
       ", last lsn: " + std::to_string(last_lsn) +
       ", keys: " + std::to_string(keys) + "\n";
  if (bytes_repersisted)
    s += "  replayed WAL bytes re-persisted: " +
         std::to_string(bytes_repersisted) + "\n";
  if (catalog_repersisted)
    s += "  catalog re-persisted (an interrupted catalog write left its tmp "
         "file)\n";
  if (bytes_cut)
    s += "  torn WAL tail cut: " + std::to_string(bytes_cut) + " bytes of " +
         torn_segment + "\n";
  s += "  checkpoint log: " + log_status + ", " + std::to_string(log_records) +
       " records" + (log_rewritten ? " (rewritten from the catalog)" : "") +
       "; HEAD: " + head_status +
       (head_id.empty() ? "" : " (" + head_id + ")") +
       (head_rewritten ? " (rewritten)" : "") + "; LATEST: " + latest_status +
       (latest_id.empty() ? "" : " (" + latest_id + ")") + "\n";
  for (const auto& w : warnings) s += "  warning: " + w + "\n";
  for (const auto& p : problems) s += "  problem: " + p.ToString() + "\n";
  for (const auto& d : deleted) s += "  deleted: " + d + "\n";
  return s;
}

}  // namespace crashlab::engine
