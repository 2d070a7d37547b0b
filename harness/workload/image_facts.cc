#include "harness/workload/image_facts.h"

#include <algorithm>

#include "engine/layout.h"
#include "harness/workload/written_files.h"

namespace crashlab::harness {

using faultfs::FileType;
using faultfs::Image;

std::optional<std::string> ReadImageFile(const Image& image,
                                         std::string_view path) {
  auto ino = image.Lookup(path);
  if (!ino) return std::nullopt;
  const faultfs::Node* node = image.Find(*ino);
  if (!node || node->type != FileType::kRegular) return std::nullopt;
  return node->data.ReadAll();
}

namespace {

// The node at `path` (shared), null if absent.
std::shared_ptr<faultfs::Node> NodeAt(const Image& image,
                                      std::string_view path) {
  auto ino = image.Lookup(path);
  if (!ino) return nullptr;
  auto it = image.nodes().find(*ino);
  return it == image.nodes().end() ? nullptr : it->second;
}

enum CacheKind { kCatalogIds = 0, kManifestPaths = 1 };

FactsCache::Paths ParseCatalogIds(const faultfs::Node& node,
                                  const std::string& path) {
  if (node.type != FileType::kRegular) return nullptr;
  (void)path;
  // The harness's own reading (written_files.h), not the engine's parser: a
  // bug there must not hide a catalogued checkpoint from no-orphan-deletion.
  auto ids = ReadCatalogIds(node.data.ReadAll());
  if (!ids) return nullptr;
  return std::make_shared<std::vector<std::string>>(std::move(*ids));
}

// The state files a manifest lists and every directory on the way inside
// their owners' checkpoint dirs; null if it is not a parseable manifest.
FactsCache::Paths ParseManifestPaths(const faultfs::Node& node,
                                     const std::string& path) {
  namespace layout = engine::layout;
  (void)path;
  if (node.type != FileType::kRegular) return nullptr;
  // The harness's own reading, as for the catalog.
  auto files = ReadManifestFiles(node.data.ReadAll());
  if (!files) return nullptr;
  auto paths = std::make_shared<std::vector<std::string>>();
  auto& out = *paths;
  const std::string checkpoints = layout::CheckpointsDir("") + "/";
  for (const auto& p : *files) {
    out.push_back(p);
    // checkpoints/<owner>/...: the owner's directory and every one between.
    std::string owner = p.substr(checkpoints.size());
    owner = owner.substr(0, owner.find('/'));
    std::string dir = faultfs::ParentPath(p);
    std::string owner_dir = layout::CheckpointDir("", owner);
    while (dir.size() > owner_dir.size()) {
      out.push_back(dir);
      dir = faultfs::ParentPath(dir);
    }
    out.push_back(owner_dir);
  }
  return paths;
}

// The parse of the file at `path` as `kind` (the path only names errors).
FactsCache::Paths Parsed(const Image& image, const std::string& path,
                         CacheKind kind, FactsCache* cache) {
  auto node = NodeAt(image, path);
  if (!node) return nullptr;
  auto parse = kind == kCatalogIds ? ParseCatalogIds : ParseManifestPaths;
  if (!cache) return parse(*node, path);
  return cache->Get(node, kind,
                    [&](const faultfs::Node& n) { return parse(n, path); });
}

}  // namespace

FactsCache::Paths FactsCache::Get(
    const std::shared_ptr<faultfs::Node>& node, int kind,
    const std::function<Paths(const faultfs::Node&)>& parse) {
  std::pair<const faultfs::Node*, int> key{node.get(), kind};
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) return it->second.value;
  }
  Paths value = parse(*node);
  std::lock_guard lock(mu_);
  entries_.emplace(key, Entry{node, value});
  return value;
}

std::optional<std::vector<std::string>> CatalogIds(const Image& image,
                                                   FactsCache* cache) {
  auto ids = Parsed(image, engine::layout::Catalog(""), kCatalogIds, cache);
  if (!ids) return std::nullopt;
  return *ids;
}

std::set<std::string> ProtectedPaths(const Image& image,
                                     const std::vector<std::string>& ids,
                                     FactsCache* cache) {
  namespace layout = engine::layout;
  std::set<std::string> out;
  for (const auto& id : ids) {
    out.insert(layout::CheckpointDir("", id));
    std::string manifest_path = layout::Manifest("", id);
    out.insert(manifest_path);
    out.insert(layout::Marker("", id));
    if (auto paths = Parsed(image, manifest_path, kManifestPaths, cache)) {
      out.insert(paths->begin(), paths->end());
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

namespace {

// Like faultfs::ImageTree, but with the nodes rather than copies of their
// bytes.
void ListNodes(const Image& image, faultfs::Ino dir, const std::string& prefix,
               std::map<std::string, const faultfs::Node*>& out,
               std::set<faultfs::Ino>& visiting) {
  const faultfs::Node* node = image.Find(dir);
  if (node == nullptr || !visiting.insert(dir).second) return;
  for (const auto& [name, child] : node->entries) {
    const faultfs::Node* c = image.Find(child);
    if (c == nullptr) continue;
    std::string path = prefix.empty() ? name : prefix + "/" + name;
    out[path] = c;
    if (c->type == FileType::kDirectory)
      ListNodes(image, child, path, out, visiting);
  }
  visiting.erase(dir);
}

}  // namespace

Fingerprint ImageFingerprint(const Image& image) {
  // Hashes what ImageTree lists (path, type, file data or link target), each
  // string byte by byte then its length, reading file pages in place.
  uint64_t a = 1469598103934665603ULL, b = 0x84222325cbf29ce4ULL;
  auto bytes = [&](const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      auto c = static_cast<unsigned char>(p[i]);
      a = (a ^ c) * 1099511628211ULL;
      b = (b ^ c) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
    }
  };
  auto end = [&](uint64_t size) {
    a = (a ^ size) * 1099511628211ULL;
    b = (b ^ (size + 7)) * 0x100000001b3ULL;
  };
  auto feed = [&](std::string_view s) {
    bytes(s.data(), s.size());
    end(s.size());
  };
  static const faultfs::Content::Page kZeros{};
  std::map<std::string, const faultfs::Node*> nodes;
  std::set<faultfs::Ino> visiting;
  ListNodes(image, faultfs::kRootIno, "", nodes, visiting);
  for (const auto& [path, node] : nodes) {
    feed(path);
    feed(std::string(1, static_cast<char>('0' + static_cast<int>(node->type))));
    if (node->type == FileType::kRegular) {
      const faultfs::Content& data = node->data;
      uint64_t done = 0;  // bytes fed
      auto zeros = [&](uint64_t upto) {
        while (done < upto) {
          uint64_t n =
              std::min<uint64_t>(upto - done, faultfs::Content::kPageSize);
          bytes(kZeros.data(), n);
          done += n;
        }
      };
      data.ForEachPage([&](uint64_t index, const char* page) {
        uint64_t at = index * faultfs::Content::kPageSize;
        if (at >= data.size()) return;
        zeros(at);
        uint64_t n =
            std::min<uint64_t>(faultfs::Content::kPageSize, data.size() - at);
        bytes(page, n);
        done = at + n;
      });
      zeros(data.size());
      end(data.size());
    } else if (node->type == FileType::kSymlink) {
      feed(node->target);
    } else {
      feed("");
    }
  }
  return {a, b};
}

faultfs::SimState PostCrashState(const faultfs::SimState& state,
                                 const faultfs::CrashMode& mode) {
  // Built field by field: copying `state` whole would copy its pending ops
  // and their index only to clear them.
  faultfs::SimState out;
  out.visible = state.PostCrash(mode);
  out.durable = out.visible;
  out.next_ino = state.next_ino;
  out.log_durable = state.log_durable;
  out.durable_log = state.durable_log;
  return out;
}

bool HasPendingWrites(const faultfs::SimState& state) {
  for (const auto& op : state.pending) {
    if (op.kind == faultfs::PendingOp::Kind::kWrite) return true;
  }
  return false;
}

}  // namespace crashlab::harness
