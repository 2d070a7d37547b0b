#include "harness/workload/written_files.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "faultfs/json_util.h"
#include "harness/workload/image_facts.h"
#include "harness/workload/workload_run.h"

namespace crashlab::harness {
namespace {

using nlohmann::json;

constexpr std::string_view kCheckpoints = "checkpoints/";
constexpr std::string_view kCatalogPath = "checkpoints/CATALOG.json";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Every regular file under `dir` in `image`, with its path.
void ListFiles(const faultfs::Image& image, faultfs::Ino dir,
               const std::string& prefix,
               std::vector<std::pair<std::string, std::string>>* out,
               std::set<faultfs::Ino>* seen) {
  const faultfs::Node* node = image.Find(dir);
  if (!node || !seen->insert(dir).second) return;
  for (const auto& [name, child] : node->entries) {
    const faultfs::Node* c = image.Find(child);
    if (!c) continue;
    std::string path = prefix + "/" + name;
    if (c->type == faultfs::FileType::kDirectory) {
      ListFiles(image, child, path, out, seen);
    } else if (c->type == faultfs::FileType::kRegular) {
      out->emplace_back(path, c->data.ReadAll());
    }
  }
}

// Ops that change a file's content or give a name a file.
bool Writes(faultfs::OpKind op) {
  using faultfs::OpKind;
  return op == OpKind::kCreate || op == OpKind::kOpen || op == OpKind::kWrite ||
         op == OpKind::kTruncate || op == OpKind::kRename ||
         op == OpKind::kLink;
}

std::optional<json> ParseJson(std::string_view text) {
  if (faultfs::JsonTooDeepAt(text)) return std::nullopt;
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

}  // namespace

bool WrittenFiles::Tracked(std::string_view path) {
  if (path == kCatalogPath) return true;
  return StartsWith(path, "checkpoints/ckpt-");
}

void WrittenFiles::Add(const std::string& path, uint64_t op,
                       std::string content) {
  auto& v = versions_[path];
  if (!v.empty() && v.back().second == content) return;
  v.emplace_back(op, std::move(content));
}

WrittenFiles WrittenFiles::Record(
    const std::vector<faultfs::TraceEntry>& trace,
    const std::vector<faultfs::SimState>& states,
    const std::vector<faultfs::InjectedFault>& faults,
    const std::vector<uint64_t>& session_begins) {
  WrittenFiles w;
  // Faults that change what a file holds (persistent corruption,
  // truncation) by op and path: the content they leave was not written. Every
  // damaging fault (torn and lost files too) taints what a crash step leaves.
  std::set<std::pair<uint64_t, std::string>> altered_at, damaged;
  for (const auto& f : faults) {
    if (!IsDamagingFault(f)) continue;
    damaged.emplace(f.op_index, f.path);
    if (f.action == faultfs::ActionKind::kCorrupt ||
        f.action == faultfs::ActionKind::kTruncate)
      altered_at.emplace(f.op_index, f.path);
  }
  auto damaged_before = [&](const std::string& path, uint64_t op) {
    for (const auto& [i, p] : damaged) {
      if (i < op && p == path) return true;
    }
    return false;
  };
  std::set<uint64_t> begins(session_begins.begin(), session_begins.end());
  for (const auto& e : trace) {
    if (e.index + 1 >= states.size()) break;
    // After a crash step the disk's image is what the next engine lifetime
    // finds: read it whole once.
    if (e.index > 0 && begins.count(e.index)) {
      std::vector<std::pair<std::string, std::string>> files;
      std::set<faultfs::Ino> seen;
      const auto& img = states[e.index].visible;
      if (auto root = img.Lookup("checkpoints"))
        ListFiles(img, *root, "checkpoints", &files, &seen);
      for (auto& [p, content] : files) {
        if (Tracked(p) && !damaged_before(p, e.index))
          w.Add(p, e.index - 1, std::move(content));
      }
    }
    // A failed op may still have happened (error_after): read what it left.
    if (!Writes(e.op)) continue;
    for (const std::string* p : {&e.path, &e.path2}) {
      if (p->empty() || !Tracked(*p)) continue;
      if (altered_at.count({e.index, *p})) continue;
      auto content = ReadImageFile(states[e.index + 1].visible, *p);
      if (content) w.Add(*p, e.index, std::move(*content));
    }
  }
  return w;
}

std::optional<std::string> WrittenFiles::LatestAt(const std::string& path,
                                                  uint64_t point) const {
  auto it = versions_.find(path);
  if (it == versions_.end()) return std::nullopt;
  std::optional<std::string> out;
  for (const auto& [op, content] : it->second) {
    if (op > point) break;
    out = content;
  }
  return out;
}

bool WrittenFiles::WasWritten(const std::string& path,
                              const std::string& content,
                              uint64_t point) const {
  auto it = versions_.find(path);
  if (it == versions_.end()) return false;
  for (const auto& [op, c] : it->second) {
    if (op > point) break;
    if (c == content) return true;
  }
  return false;
}

std::optional<std::vector<std::string>> ReadCatalogIds(std::string_view text) {
  auto doc = ParseJson(text);
  if (!doc || !doc->is_object() || !doc->contains("catalog"))
    return std::nullopt;
  const json& body = (*doc)["catalog"];
  if (!body.is_object() || !body.contains("checkpoints") ||
      !body["checkpoints"].is_array())
    return std::nullopt;
  std::vector<std::string> ids;
  for (const auto& e : body["checkpoints"]) {
    if (!e.is_object() || !e.contains("id") || !e["id"].is_string())
      return std::nullopt;
    ids.push_back(e["id"].get<std::string>());
  }
  return ids;
}

std::optional<std::vector<std::string>> ReadManifestFiles(
    std::string_view text) {
  auto doc = ParseJson(text);
  if (!doc || !doc->is_object() || !doc->contains("manifest"))
    return std::nullopt;
  const json& body = (*doc)["manifest"];
  if (!body.is_object() || !body.contains("files") || !body["files"].is_array())
    return std::nullopt;
  std::vector<std::string> paths;
  for (const auto& f : body["files"]) {
    if (!f.is_object() || !f.contains("owner") || !f.contains("name") ||
        !f["owner"].is_string() || !f["name"].is_string())
      return std::nullopt;
    paths.push_back(std::string(kCheckpoints) + f["owner"].get<std::string>() +
                    "/" + f["name"].get<std::string>());
  }
  return paths;
}

CatalogView ViewCatalog(const faultfs::Image& post, const WrittenFiles& w,
                        uint64_t point) {
  CatalogView v;
  const std::string path(kCatalogPath);
  auto text = ReadImageFile(post, path);
  if (!text) return v;
  v.present = true;
  if (!w.WasWritten(path, *text, point)) {
    v.why_unreadable = path + " holds content the engine never wrote there";
    return v;
  }
  auto ids = ReadCatalogIds(*text);
  if (!ids) {
    v.why_unreadable = path + " does not read as a catalog";
    return v;
  }
  v.readable = true;
  v.ids = std::move(*ids);
  return v;
}

std::string CheckpointProblem(const faultfs::Image& post, const WrittenFiles& w,
                              uint64_t point, const std::string& id) {
  const std::string dir = std::string(kCheckpoints) + id;
  auto ino = post.Lookup(dir);
  const faultfs::Node* node = ino ? post.Find(*ino) : nullptr;
  if (!node || node->type != faultfs::FileType::kDirectory)
    return dir + " is missing";
  auto same = [&](const std::string& path) -> std::string {
    auto written = w.LatestAt(path, point);
    if (!written) return path + " was never written";
    auto now = ReadImageFile(post, path);
    if (!now) return path + " is missing";
    if (*now != *written) {
      return path + " differs from what was written (" +
             std::to_string(now->size()) + " bytes, written " +
             std::to_string(written->size()) + ")";
    }
    return "";
  };
  const std::string manifest = dir + "/MANIFEST.json";
  for (const std::string& p : {manifest, dir + "/COMMITTED"}) {
    if (auto why = same(p); !why.empty()) return why;
  }
  auto files = ReadManifestFiles(*w.LatestAt(manifest, point));
  if (!files) return manifest + " as written does not read as a manifest";
  for (const auto& p : *files) {
    if (auto why = same(p); !why.empty()) return why;
  }
  return "";
}

}  // namespace crashlab::harness
