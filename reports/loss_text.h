#pragma once
// A violation's `loss` (what the power cut took, per file; the
// "crash_loss" object of report.schema.json) in words, for summary.md and
// report.html. Reads the JSON defensively: a field that is missing or of
// another type is left out, never a crash.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace crashlab::reports {

// Defensive field reads of JSON that came from a file: a missing key or
// another type gives the fallback (nlohmann's value() would throw).
std::string JsonString(const nlohmann::json& j, const char* key);
uint64_t JsonCount(const nlohmann::json& j, const char* key);
bool JsonBool(const nlohmann::json& j, const char* key, bool fallback);

// "drop: 12 of 12 pending operations lost" (the crash as a whole).
std::string LossHeadline(const nlohmann::json& loss);

// One file's rolled-back operations: "mkdir db (op 3): no fsync of ."
std::vector<std::string> LossRolledBack(const nlohmann::json& file);
// One file's dropped data: "8192 unsynced bytes in 2 ranges: [0, 4096)
// [8192, 12288)" and "truncate to 0 (op 7) dropped"; empty when none.
std::vector<std::string> LossDropped(const nlohmann::json& file);
// "op 17" or "never".
std::string LossLastFsync(const nlohmann::json& file);

// One line per file: "db/data.mdb: create db/data.mdb (op 12) rolled back:
// no fsync of db; last fsync: op 15" (plain text, not escaped).
std::vector<std::string> LossLines(const nlohmann::json& loss);

}  // namespace crashlab::reports
