#include "faultfs/sim_state.h"

#include <algorithm>
#include <cassert>
#include <deque>
#include <nlohmann/json.hpp>
#include <random>

namespace crashlab::faultfs {

// ---------------------------------------------------------------- Image

Image::Image() { Create(kRootIno, FileType::kDirectory, 0755).nlink = 2; }

const Node* Image::Find(Ino ino) const {
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : it->second.get();
}

void Image::Save(Ino ino) {
  if (!undo_ || undo_->count(ino) != 0) return;
  auto it = nodes_.find(ino);
  (*undo_)[ino] = it == nodes_.end() ? nullptr : it->second;
}

void Image::Rollback() {
  if (!undo_) return;
  for (auto& [ino, node] : *undo_) {
    if (node == nullptr) {
      nodes_.erase(ino);
    } else {
      nodes_[ino] = std::move(node);
    }
  }
  undo_->clear();
}

Node& Image::Mut(Ino ino) {
  assert(Find(ino) != nullptr);
  Save(ino);
  auto& slot = nodes_.at(ino);
  if (slot.use_count() > 1) slot = std::make_shared<Node>(*slot);
  return *slot;
}

Node& Image::MutUntracked(Ino ino) {
  assert(Find(ino) != nullptr);
  auto& slot = nodes_.at(ino);
  if (slot.use_count() > 1) slot = std::make_shared<Node>(*slot);
  return *slot;
}

Node& Image::Create(Ino ino, FileType type, uint32_t mode) {
  auto node = std::make_shared<Node>();
  node->type = type;
  node->mode = mode;
  node->nlink = type == FileType::kDirectory ? 2 : 1;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  node->atime = node->mtime = node->ctime = now;
  Save(ino);
  nodes_[ino] = node;
  return *node;
}

Node& Image::Ensure(Ino ino, FileType type, uint32_t mode) {
  if (Find(ino) == nullptr) return Create(ino, type, mode);
  return Mut(ino);
}

void Image::Erase(Ino ino) {
  Save(ino);
  nodes_.erase(ino);
}

std::optional<Ino> Image::Lookup(std::string_view path) const {
  Ino cur = kRootIno;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    const Node* dir = Find(cur);
    if (dir == nullptr || dir->type != FileType::kDirectory)
      return std::nullopt;
    auto it = dir->entries.find(std::string(path.substr(pos, slash - pos)));
    if (it == dir->entries.end()) return std::nullopt;
    cur = it->second;
    pos = slash + 1;
  }
  return cur;
}

void Image::CollectGarbage() {
  std::map<Ino, uint32_t> links;
  std::deque<Ino> queue{kRootIno};
  links[kRootIno] = 2;
  while (!queue.empty()) {
    Ino ino = queue.front();
    queue.pop_front();
    const Node* node = Find(ino);
    if (node == nullptr || node->type != FileType::kDirectory) continue;
    for (const auto& [name, child] : node->entries) {
      if (Find(child) == nullptr) continue;
      bool seen = links.count(child) != 0;
      const Node* c = Find(child);
      if (c->type == FileType::kDirectory) {
        links[ino] += seen ? 0 : 1;
        if (!seen) links[child] = 2;
      } else {
        links[child] += 1;
      }
      if (!seen) queue.push_back(child);
    }
  }
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    auto l = links.find(it->first);
    if (l == links.end()) {
      Save(it->first);
      it = nodes_.erase(it);
      continue;
    }
    if (it->second->nlink != l->second) Mut(it->first).nlink = l->second;
    ++it;
  }
  // Entries that point at missing nodes are dropped too.
  for (const auto& [ino, node] : std::map<Ino, std::shared_ptr<Node>>(nodes_)) {
    if (node->type != FileType::kDirectory) continue;
    bool dangling = false;
    for (const auto& [name, child] : node->entries)
      dangling |= Find(child) == nullptr;
    if (!dangling) continue;
    auto& entries = Mut(ino).entries;
    std::erase_if(entries,
                  [&](const auto& e) { return Find(e.second) == nullptr; });
  }
}

namespace {

void ListInto(const Image& image, Ino dir, const std::string& prefix, Tree& out,
              std::set<Ino>& visiting) {
  const Node* node = image.Find(dir);
  if (node == nullptr || !visiting.insert(dir).second) return;
  for (const auto& [name, child] : node->entries) {
    const Node* c = image.Find(child);
    if (c == nullptr) continue;
    std::string path = prefix.empty() ? name : prefix + "/" + name;
    TreeEntry entry{.type = c->type};
    if (c->type == FileType::kRegular) entry.data = c->data.ReadAll();
    if (c->type == FileType::kSymlink) entry.data = c->target;
    out[path] = std::move(entry);
    if (c->type == FileType::kDirectory)
      ListInto(image, child, path, out, visiting);
  }
  visiting.erase(dir);
}

}  // namespace

Tree ImageTree(const Image& image) {
  Tree out;
  std::set<Ino> visiting;
  ListInto(image, kRootIno, "", out, visiting);
  return out;
}

nlohmann::json TreeToJson(const Tree& tree) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [path, entry] : tree) {
    nlohmann::json e = {{"type", std::string(FileTypeName(entry.type))}};
    if (entry.type == FileType::kRegular) {
      e["size"] = entry.data.size();
      bool printable = entry.data.size() <= 256;
      for (unsigned char ch : entry.data) printable &= ch >= 0x20 && ch < 0x7f;
      if (printable) e["data"] = entry.data;
    } else if (entry.type == FileType::kSymlink) {
      e["target"] = entry.data;
    }
    out[path] = std::move(e);
  }
  return out;
}

// ---------------------------------------------------------------- PendingOp

std::string PendingOp::Describe() const {
  std::string ino_s = " ino " + std::to_string(ino);
  switch (kind) {
    case Kind::kWrite:
      return "write" + ino_s + " [" + std::to_string(offset) + ", " +
             std::to_string(offset + (bytes ? bytes->size() : 0)) + ")";
    case Kind::kTruncate:
      return "truncate" + ino_s + " to " + std::to_string(size);
    case Kind::kLinkEntry:
      return "link " + std::to_string(dir) + "/" + name + " ->" + ino_s;
    case Kind::kUnlinkEntry:
      return "unlink " + std::to_string(dir) + "/" + name;
    case Kind::kRename:
      return "rename " + std::to_string(dir) + "/" + name + " -> " +
             std::to_string(dir2) + "/" + name2;
  }
  return "?";
}

void ApplyPendingOp(Image& image, const PendingOp& op) {
  switch (op.kind) {
    case PendingOp::Kind::kWrite: {
      bool fresh = image.Find(op.ino) == nullptr;
      Node& node = image.Ensure(op.ino, FileType::kRegular, op.new_mode);
      if (fresh) node.uid = op.new_uid, node.gid = op.new_gid;
      op.bytes->ApplyTo(node.data, op.torn_keep);
      return;
    }
    case PendingOp::Kind::kTruncate:
      image.Ensure(op.ino, FileType::kRegular, op.new_mode)
          .data.Resize(op.size);
      return;
    case PendingOp::Kind::kLinkEntry: {
      if (image.Find(op.ino) == nullptr) {
        Node& node = image.Create(op.ino, op.new_type, op.new_mode);
        node.target = op.new_target;
        node.uid = op.new_uid;
        node.gid = op.new_gid;
        if (op.new_time.tv_sec != 0 || op.new_time.tv_nsec != 0)
          node.atime = node.mtime = node.ctime = op.new_time;
      }
      image.Ensure(op.dir, FileType::kDirectory, 0755).entries[op.name] =
          op.ino;
      return;
    }
    case PendingOp::Kind::kUnlinkEntry: {
      Node& dir = image.Ensure(op.dir, FileType::kDirectory, 0755);
      auto it = dir.entries.find(op.name);
      if (it != dir.entries.end() && it->second == op.ino)
        dir.entries.erase(it);
      return;
    }
    case PendingOp::Kind::kRename: {
      image.Ensure(op.ino, op.new_type, op.new_mode);
      Node& from = image.Ensure(op.dir, FileType::kDirectory, 0755);
      auto it = from.entries.find(op.name);
      if (it != from.entries.end() && it->second == op.ino)
        from.entries.erase(it);
      image.Ensure(op.dir2, FileType::kDirectory, 0755).entries[op.name2] =
          op.ino;
      return;
    }
  }
}

// ---------------------------------------------------------------- SimState

namespace {

// Applies a write keeping each 512-byte sector (aligned to file offsets)
// with probability 1/2; `lost` gets the sectors (and the tail past
// torn_keep) that did not persist.
void ApplyTornWrite(Image& image, const PendingOp& op, std::mt19937_64& rng,
                    std::vector<std::pair<uint64_t, uint64_t>>* lost) {
  std::string bytes = op.bytes->ToString();
  std::string_view data(bytes);
  uint64_t full = data.size();
  data = data.substr(0, std::min<uint64_t>(data.size(), op.torn_keep));
  Node& node = image.Ensure(op.ino, FileType::kRegular, op.new_mode);
  uint64_t pos = op.offset;
  uint64_t end = op.offset + data.size();
  while (pos < end) {
    uint64_t sector_end =
        std::min<uint64_t>((pos / kSectorSize + 1) * kSectorSize, end);
    if (rng() & 1) {
      node.data.Write(pos, data.substr(pos - op.offset, sector_end - pos));
    } else if (lost != nullptr) {
      lost->emplace_back(pos, sector_end - pos);
    }
    pos = sector_end;
  }
  if (lost != nullptr && full > data.size())
    lost->emplace_back(end, full - data.size());
}

// The namespace ops a crash keeps must be closed under "a namespace op never
// overtakes an earlier pending op on the same directory entry": an op is
// kept only when it is drawn and no earlier pending namespace op on one of
// its entries was left out. Data ops are independent of one another.
class DependencyGate {
 public:
  // Whether `op` may persist given the ops decided so far; records the
  // decision (`drawn`: the crash would keep it).
  bool Decide(const PendingOp& op, bool drawn) {
    if (op.is_data()) return drawn;
    bool is_rename = op.kind == PendingOp::Kind::kRename;
    std::pair<Ino, std::string> a{op.dir, op.name};
    std::pair<Ino, std::string> b{op.dir2, op.name2};
    bool held = skipped_.count(a) != 0 || (is_rename && skipped_.count(b) != 0);
    if (drawn && !held) return true;
    skipped_.insert(std::move(a));
    if (is_rename) skipped_.insert(std::move(b));
    return false;
  }

 private:
  std::set<std::pair<Ino, std::string>> skipped_;
};

}  // namespace

Image SimState::PostCrash(const CrashMode& mode,
                          std::vector<PendingFate>* fates) const {
  Image img = durable;
  if (fates != nullptr) fates->assign(pending.size(), PendingFate{});
  // Records op i's fate; `keep`: the op was applied whole.
  auto note = [&](size_t i, bool keep) {
    if (fates == nullptr) return;
    const PendingOp& op = pending[i];
    PendingFate& f = (*fates)[i];
    f.kept = keep;
    if (op.kind != PendingOp::Kind::kWrite) return;
    uint64_t size = op.bytes ? op.bytes->size() : 0;
    uint64_t kept = keep ? std::min(size, op.torn_keep) : 0;
    if (kept < size) f.lost_ranges.emplace_back(op.offset + kept, size - kept);
  };
  switch (mode.kind) {
    case CrashMode::Kind::kDrop:
      for (size_t i = 0; i < pending.size(); ++i) note(i, false);
      break;
    case CrashMode::Kind::kPrefix:
      for (size_t i = 0; i < pending.size(); ++i) {
        bool keep = i < mode.arg;
        if (keep) ApplyPendingOp(img, pending[i]);
        note(i, keep);
      }
      break;
    case CrashMode::Kind::kTorn: {
      // Torn data together with a dependency-closed subset of the other ops.
      std::mt19937_64 rng(mode.arg);
      DependencyGate gate;
      for (size_t i = 0; i < pending.size(); ++i) {
        const PendingOp& op = pending[i];
        if (op.kind == PendingOp::Kind::kWrite) {
          std::vector<std::pair<uint64_t, uint64_t>> lost_here;
          ApplyTornWrite(img, op, rng, fates ? &lost_here : nullptr);
          if (fates != nullptr) {
            (*fates)[i].kept = lost_here.empty();
            (*fates)[i].lost_ranges = std::move(lost_here);
          }
        } else {
          bool keep = gate.Decide(op, rng() & 1);
          if (keep) ApplyPendingOp(img, op);
          note(i, keep);
        }
      }
      break;
    }
    case CrashMode::Kind::kRandom: {
      std::mt19937_64 rng(mode.arg);
      DependencyGate gate;
      for (size_t i = 0; i < pending.size(); ++i) {
        bool keep = gate.Decide(pending[i], rng() & 1);
        if (keep) ApplyPendingOp(img, pending[i]);
        note(i, keep);
      }
      break;
    }
  }
  if (!lost.empty()) {
    for (const auto& [ino, node] :
         std::map<Ino, std::shared_ptr<Node>>(img.nodes())) {
      if (node->type != FileType::kDirectory) continue;
      bool hit = false;
      for (const auto& [name, child] : node->entries)
        hit |= lost.count(child) != 0;
      if (hit)
        std::erase_if(img.Mut(ino).entries,
                      [&](const auto& e) { return lost.count(e.second) != 0; });
    }
  }
  img.CollectGarbage();
  return img;
}

namespace {

// Removes the ops at `positions` (ascending), keeping the order of the rest.
// Moves only the ops after the first removed one (usually few: recent ops
// sync first).
void Compact(std::vector<PendingOp>& pending,
             const std::vector<size_t>& positions) {
  if (positions.empty()) return;
  size_t w = positions.front();
  size_t next = 0;
  for (size_t r = positions.front(); r < pending.size(); ++r) {
    if (next < positions.size() && positions[next] == r) {
      ++next;
      continue;
    }
    pending[w++] = std::move(pending[r]);
  }
  pending.resize(w);
}

}  // namespace

void SimState::EnsureIndex() {
  if (pending_indexed == pending.size()) return;
  pending_data_count.clear();
  pending_namespace_count = 0;
  for (const auto& op : pending) {
    if (op.is_data()) {
      ++pending_data_count[op.ino];
    } else {
      ++pending_namespace_count;
    }
  }
  pending_indexed = pending.size();
}

void SimState::AddPending(PendingOp op) {
  EnsureIndex();
  if (op.is_data()) {
    ++pending_data_count[op.ino];
  } else {
    ++pending_namespace_count;
  }
  pending.push_back(std::move(op));
  ++pending_indexed;
}

void SimState::DropPendingData(Ino ino) {
  EnsureIndex();
  if (undo_on_) {
    std::vector<size_t> positions;
    for (size_t i = 0; i < pending.size(); ++i) {
      if (pending[i].is_data() && pending[i].ino == ino) positions.push_back(i);
    }
    SaveRemoved(positions);
  }
  std::erase_if(
      pending, [&](const PendingOp& p) { return p.is_data() && p.ino == ino; });
  pending_data_count.erase(ino);
  pending_indexed = pending.size();
}

void SimState::SyncData(Ino ino) {
  EnsureIndex();
  auto count = pending_data_count.find(ino);
  if (count == pending_data_count.end()) return;
  // The ops of `ino`, found from the newest back (an fsync after each write
  // looks at one op, however long the pending list is).
  std::vector<size_t> positions;
  for (size_t i = pending.size();
       i-- > 0 && positions.size() < count->second;) {
    if (pending[i].is_data() && pending[i].ino == ino) positions.push_back(i);
  }
  std::reverse(positions.begin(), positions.end());
  for (size_t i : positions) {
    const PendingOp& op = pending[i];
    ApplyDataDurably(op);
    if (log_durable) durable_log.push_back(op);
  }
  SaveRemoved(positions);
  pending_data_count.erase(count);
  Compact(pending, positions);
  pending_indexed = pending.size();
}

void SimState::SyncDirectory(Ino dir) {
  EnsureIndex();
  if (pending_namespace_count == 0) return;
  // The namespace ops, found from the newest back.
  std::vector<size_t> ns;
  for (size_t i = pending.size();
       i-- > 0 && ns.size() < pending_namespace_count;) {
    if (!pending[i].is_data()) ns.push_back(i);
  }
  std::reverse(ns.begin(), ns.end());
  UndoRecord needs{.kind = UndoRecord::Kind::kNeeds};
  for (size_t i : ns) {
    if (pending[i].needs.erase(dir) != 0 && undo_on_)
      needs.needs.emplace_back(i, dir);
  }
  if (undo_on_ && !needs.needs.empty()) undo_log_.push_back(std::move(needs));
  // Apply, in issue order, every namespace op whose directories were all
  // fsync'd and that no earlier pending op on the same entry holds back.
  std::set<std::pair<Ino, std::string>> blocked;
  std::vector<size_t> done;
  for (size_t i : ns) {
    const PendingOp& op = pending[i];
    std::pair<Ino, std::string> a{op.dir, op.name};
    std::pair<Ino, std::string> b{op.dir2, op.name2};
    bool is_rename = op.kind == PendingOp::Kind::kRename;
    bool held = blocked.count(a) != 0 || (is_rename && blocked.count(b) != 0);
    if (op.needs.empty() && !held) {
      ApplyPendingOp(durable, op);
      if (log_durable) durable_log.push_back(op);
      done.push_back(i);
    } else {
      blocked.insert(std::move(a));
      if (is_rename) blocked.insert(std::move(b));
    }
  }
  pending_namespace_count -= done.size();
  SaveRemoved(done);
  Compact(pending, done);
  pending_indexed = pending.size();
}

void SimState::SyncAttrs(Ino ino) {
  auto it = attrs_dirty.find(ino);
  if (it == attrs_dirty.end()) return;
  attrs_dirty.erase(it);
  if (undo_on_)
    undo_log_.push_back(
        UndoRecord{.kind = UndoRecord::Kind::kAttrs, .ino = ino});
  const Node* v = visible.Find(ino);
  if (v == nullptr) return;  // gone: nothing left to persist
  bool fresh = durable.Find(ino) == nullptr;
  Node* dp = nullptr;
  if (undo_on_ && !fresh && !durable.InUndo(ino)) {
    // Only the attributes are kept for the undo, not a copy of the node.
    const Node* old = durable.Find(ino);
    UndoRecord r{.kind = UndoRecord::Kind::kAttrValues, .ino = ino};
    r.attrs.mode = old->mode;
    r.attrs.uid = old->uid;
    r.attrs.gid = old->gid;
    r.attrs.atime = old->atime;
    r.attrs.mtime = old->mtime;
    r.attrs.ctime = old->ctime;
    undo_log_.push_back(std::move(r));
    dp = &durable.MutUntracked(ino);
  } else {
    dp = &durable.Ensure(ino, v->type, v->mode);
  }
  Node& d = *dp;
  if (fresh) d.target = v->target;
  d.mode = v->mode;
  d.uid = v->uid;
  d.gid = v->gid;
  d.atime = v->atime;
  d.mtime = v->mtime;
  d.ctime = v->ctime;
  if (log_durable) durable_attr_log.insert(ino);
}

void SimState::SyncEverything() {
  for (const auto& op : pending) ApplyPendingOp(durable, op);
  for (Ino ino : std::set<Ino>(attrs_dirty)) SyncAttrs(ino);
  if (log_durable)
    durable_log.insert(durable_log.end(), pending.begin(), pending.end());
  if (undo_on_ && !pending.empty()) {
    undo_log_.push_back(UndoRecord{.kind = UndoRecord::Kind::kCleared,
                                   .ops = std::move(pending)});
  }
  pending.clear();
  pending_data_count.clear();
  pending_namespace_count = 0;
  pending_indexed = 0;
}

void SimState::SaveRemoved(const std::vector<size_t>& positions) {
  if (!undo_on_ || positions.empty()) return;
  UndoRecord r{.kind = UndoRecord::Kind::kRemoved, .positions = positions};
  r.ops.reserve(positions.size());
  for (size_t i : positions) r.ops.push_back(pending[i]);
  undo_log_.push_back(std::move(r));
}

void SimState::ApplyDataDurably(const PendingOp& op) {
  const Node* n = durable.Find(op.ino);
  if (!undo_on_ || n == nullptr || n->type != FileType::kRegular ||
      durable.InUndo(op.ino)) {
    ApplyPendingOp(durable, op);
    return;
  }
  // The pages the op changes: a write's own pages (pages in a gap it opens
  // stay absent), a shrinking truncate's pages from the new end on (the
  // last kept one gets its tail zeroed); a growing truncate changes only
  // the size.
  constexpr uint64_t P = Content::kPageSize;
  uint64_t size = n->data.size();
  UndoRecord r{.kind = UndoRecord::Kind::kContent, .ino = op.ino, .size = size};
  bool touches = false;
  if (op.kind == PendingOp::Kind::kWrite) {
    uint64_t len = std::min<uint64_t>(op.bytes->size(), op.torn_keep);
    touches = len > 0;
    r.first = op.offset / P;
    r.last = touches ? (op.offset + len - 1) / P : r.first;
  } else if (op.size < size) {
    touches = true;
    r.first = op.size / P;
    r.last = (size - 1) / P;
  }
  if (touches) {
    n->data.ForEachPageIn(r.first, r.last,
                          [&](uint64_t index, const auto& page) {
                            r.pages.emplace_back(index, page);
                          });
  }
  r.pages_touched = touches;
  undo_log_.push_back(std::move(r));
  Node& node = durable.MutUntracked(op.ino);
  if (op.kind == PendingOp::Kind::kWrite) {
    op.bytes->ApplyTo(node.data, op.torn_keep);
  } else {
    node.data.Resize(op.size);
  }
}

void SimState::StartUndo() {
  undo_on_ = true;
  undo_log_.clear();
  durable.StartUndo();
}

void SimState::EndUndo() {
  undo_on_ = false;
  undo_log_.clear();
  durable.EndUndo();
}

void SimState::RollbackUndo() {
  if (!undo_on_) return;
  // Nodes the image kept first: they are as they were before the changes
  // the records below undo (a node is either kept there or recorded here
  // before its first change).
  durable.Rollback();
  for (auto r = undo_log_.rbegin(); r != undo_log_.rend(); ++r) {
    switch (r->kind) {
      case UndoRecord::Kind::kRemoved: {
        // The inverse of Compact(): the removed ops go back to their places.
        std::vector<PendingOp> merged;
        merged.reserve(pending.size() + r->ops.size());
        size_t next = 0;
        size_t kept = 0;
        for (size_t pos = 0; pos < pending.size() + r->ops.size(); ++pos) {
          if (next < r->positions.size() && r->positions[next] == pos) {
            merged.push_back(std::move(r->ops[next++]));
          } else {
            merged.push_back(std::move(pending[kept++]));
          }
        }
        pending = std::move(merged);
        break;
      }
      case UndoRecord::Kind::kNeeds:
        for (const auto& [pos, dir] : r->needs) pending[pos].needs.insert(dir);
        break;
      case UndoRecord::Kind::kAttrs:
        attrs_dirty.insert(r->ino);
        break;
      case UndoRecord::Kind::kCleared:
        pending = std::move(r->ops);
        break;
      case UndoRecord::Kind::kContent: {
        if (durable.Find(r->ino) == nullptr) break;
        Content& data = durable.MutUntracked(r->ino).data;
        data.Resize(r->size);
        if (r->pages_touched) {
          data.ErasePages(r->first, r->last);
          for (auto& [index, page] : r->pages)
            data.RestorePage(index, std::move(page));
        }
        break;
      }
      case UndoRecord::Kind::kAttrValues: {
        if (durable.Find(r->ino) == nullptr) break;
        Node& n = durable.MutUntracked(r->ino);
        n.mode = r->attrs.mode;
        n.uid = r->attrs.uid;
        n.gid = r->attrs.gid;
        n.atime = r->attrs.atime;
        n.mtime = r->attrs.mtime;
        n.ctime = r->attrs.ctime;
        break;
      }
    }
  }
  undo_log_.clear();
  durable_log.clear();
  durable_attr_log.clear();
  // The index is rebuilt from the restored list.
  pending_data_count.clear();
  pending_namespace_count = 0;
  pending_indexed = SIZE_MAX;
}

}  // namespace crashlab::faultfs
