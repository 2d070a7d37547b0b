#include "reports/loss_text.h"

#include <cstdint>

namespace crashlab::reports {
namespace {

using nlohmann::json;

// Non-negative integers (signed when built in memory, unsigned when parsed).
bool IsCount(const json& v) {
  return v.is_number_unsigned() ||
         (v.is_number_integer() && v.get<int64_t>() >= 0);
}
uint64_t U(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && IsCount(*it) ? it->get<uint64_t>() : 0;
}
std::string S(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
const json& A(const json& j, const char* key) {
  static const json empty = json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

}  // namespace

std::string JsonString(const json& j, const char* key) {
  return j.is_object() ? S(j, key) : "";
}
uint64_t JsonCount(const json& j, const char* key) {
  return j.is_object() ? U(j, key) : 0;
}
bool JsonBool(const json& j, const char* key, bool fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::string LossHeadline(const json& loss) {
  if (!loss.is_object()) return "";
  uint64_t pending = U(loss, "pending");
  uint64_t lost = pending - std::min(pending, U(loss, "kept"));
  return "crash mode " + S(loss, "mode") + ": " + std::to_string(lost) +
         " of " + std::to_string(pending) + " pending operation" +
         (pending == 1 ? "" : "s") + " lost";
}

std::vector<std::string> LossRolledBack(const json& file) {
  std::vector<std::string> out;
  for (const auto& r : A(file, "rolled_back")) {
    if (!r.is_object()) continue;
    std::string line = S(r, "op") + " " + S(r, "path");
    if (std::string dest = S(r, "dest"); !dest.empty()) line += " -> " + dest;
    line += " (op " + std::to_string(U(r, "op_index")) + ")";
    std::string dirs;
    for (const auto& d : A(r, "missing_fsync_of")) {
      if (d.is_string())
        dirs += (dirs.empty() ? "" : ", ") + d.get<std::string>();
    }
    if (!dirs.empty()) {
      line += ": no fsync of " + dirs;
    } else if (auto h = r.find("held_by"); h != r.end() && IsCount(*h)) {
      line += ": held back by the rolled-back op " +
              std::to_string(h->get<uint64_t>());
    }
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<std::string> LossDropped(const json& file) {
  std::vector<std::string> out;
  uint64_t bytes = U(file, "dropped_bytes");
  const json& ranges = A(file, "dropped");
  if (bytes > 0 || !ranges.empty()) {
    uint64_t n = ranges.size() + U(file, "ranges_omitted");
    std::string line = std::to_string(bytes) + " unsynced byte" +
                       (bytes == 1 ? "" : "s") + " dropped in " +
                       std::to_string(n) + (n == 1 ? " range:" : " ranges:");
    size_t shown = 0;
    for (const auto& r : ranges) {
      if (!r.is_object()) continue;
      if (++shown > 8) {
        line += " …";
        break;
      }
      uint64_t off = U(r, "offset");
      line += " [" + std::to_string(off) + ", " +
              std::to_string(off + U(r, "length")) + ")";
    }
    out.push_back(std::move(line));
  }
  for (const auto& t : A(file, "truncates_dropped")) {
    if (!t.is_object()) continue;
    out.push_back("truncate to " + std::to_string(U(t, "size")) + " (op " +
                  std::to_string(U(t, "op_index")) + ") dropped");
  }
  return out;
}

std::string LossLastFsync(const json& file) {
  auto it = file.find("last_fsync");
  if (it != file.end() && IsCount(*it))
    return "op " + std::to_string(it->get<uint64_t>());
  return "never";
}

std::vector<std::string> LossLines(const json& loss) {
  std::vector<std::string> out;
  if (!loss.is_object()) return out;
  for (const auto& f : A(loss, "files")) {
    if (!f.is_object()) continue;
    std::string line = S(f, "path");
    if (!JsonBool(f, "visible", true)) line += " (no name before the crash)";
    std::string sep = ": ";
    for (const auto& part : LossRolledBack(f)) {
      line += sep + part + " — rolled back";
      sep = "; ";
    }
    for (const auto& part : LossDropped(f)) {
      line += sep + part;
      sep = "; ";
    }
    line += sep + "last fsync: " + LossLastFsync(f);
    out.push_back(std::move(line));
  }
  if (uint64_t more = U(loss, "files_omitted"); more > 0)
    out.push_back("… and " + std::to_string(more) + " more files");
  return out;
}

}  // namespace crashlab::reports
