#include "harness/image_facts.h"

#include "engine/catalog.h"
#include "engine/layout.h"
#include "engine/manifest.h"

namespace crashlab::harness {

using faultfs::FileType;
using faultfs::Image;

std::optional<std::string> ReadImageFile(const Image& image, std::string_view path) {
  auto ino = image.Lookup(path);
  if (!ino) return std::nullopt;
  const faultfs::Node* node = image.Find(*ino);
  if (!node || node->type != FileType::kRegular) return std::nullopt;
  return node->data.ReadAll();
}

std::optional<std::vector<std::string>> CatalogIds(const Image& image) {
  std::string path = engine::layout::Catalog("");
  auto text = ReadImageFile(image, path);
  if (!text) return std::nullopt;
  auto cat = engine::Catalog::Parse(*text, path);
  if (!cat.ok()) return std::nullopt;
  std::vector<std::string> ids;
  for (const auto& c : cat->checkpoints) ids.push_back(c.id);
  return ids;
}

std::set<std::string> ProtectedPaths(const Image& image, const std::vector<std::string>& ids) {
  namespace layout = engine::layout;
  std::set<std::string> out;
  for (const auto& id : ids) {
    out.insert(layout::CheckpointDir("", id));
    std::string manifest_path = layout::Manifest("", id);
    out.insert(manifest_path);
    out.insert(layout::Marker("", id));
    auto text = ReadImageFile(image, manifest_path);
    if (!text) continue;
    auto m = engine::Manifest::Parse(*text, manifest_path);
    if (!m.ok()) continue;
    for (const auto& f : m->files) {
      std::string p = layout::StateFile("", f.owner, f.name);
      out.insert(p);
      // and every directory on the way inside the owner's checkpoint dir
      std::string dir = faultfs::ParentPath(p);
      std::string owner_dir = layout::CheckpointDir("", f.owner);
      while (dir.size() > owner_dir.size()) {
        out.insert(dir);
        dir = faultfs::ParentPath(dir);
      }
      out.insert(owner_dir);
    }
  }
  return out;
}

std::vector<std::string> CommittedDirs(const Image& image) {
  std::vector<std::string> out;
  auto dir = image.Lookup(engine::layout::CheckpointsDir(""));
  if (!dir) return out;
  const faultfs::Node* node = image.Find(*dir);
  if (!node || node->type != FileType::kDirectory) return out;
  for (const auto& [name, ino] : node->entries) {
    if (!engine::layout::ParseId(name)) continue;
    if (image.Lookup(engine::layout::Marker("", name))) out.push_back(name);
  }
  return out;
}

Fingerprint ImageFingerprint(const Image& image) {
  uint64_t a = 1469598103934665603ULL, b = 0x84222325cbf29ce4ULL;
  auto feed = [&](std::string_view s) {
    for (unsigned char c : s) {
      a = (a ^ c) * 1099511628211ULL;
      b = (b ^ c) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
    }
    a = (a ^ s.size()) * 1099511628211ULL;
    b = (b ^ (s.size() + 7)) * 0x100000001b3ULL;
  };
  for (const auto& [path, entry] : faultfs::ImageTree(image)) {
    feed(path);
    feed(std::string(1, static_cast<char>('0' + static_cast<int>(entry.type))));
    feed(entry.data);
  }
  return {a, b};
}

faultfs::SimState PostCrashState(const faultfs::SimState& state, const faultfs::CrashMode& mode) {
  faultfs::SimState out = state;
  Image post = state.PostCrash(mode);
  out.visible = post;
  out.durable = post;
  out.pending.clear();
  out.lost.clear();
  return out;
}

}  // namespace crashlab::harness
