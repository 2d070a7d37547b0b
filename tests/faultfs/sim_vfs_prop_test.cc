// Properties of the crash model, checked against an independent reference
// written here: the reference keeps only a log of operations and decides
// afterwards which of them a later fsync covered.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "faultfs/sim_vfs.h"

namespace crashlab::faultfs {
namespace {

const std::vector<std::string> kDirs = {"", "d", "e"};
const std::vector<std::string> kNames = {"a", "b", "c"};

struct Action {
  int kind = 0;  // see Apply()
  int src = 0;   // index into paths
  int dst = 0;
  int offset = 0;
  std::string data;
};

std::string PathOf(int index) {
  const std::string& dir = kDirs[index / kNames.size() % kDirs.size()];
  const std::string& name = kNames[index % kNames.size()];
  return dir.empty() ? name : dir + "/" + name;
}

// ---- the reference ----------------------------------------------------------

struct RefOp {
  enum Kind {
    kWrite,
    kTrunc,
    kLink,
    kUnlink,
    kRename,
    kSyncData,
    kSyncDir,
    kSyncAll
  } kind;
  int ino = 0;
  std::string dir, name, dir2, name2;
  int offset = 0;
  std::string data;
};

class Reference {
 public:
  bool Exists(const std::string& path) const { return names_.count(path) != 0; }

  void Create(const std::string& path) {
    int ino = next_ino_++;
    names_[path] = ino;
    content_[ino] = "";
    log_.push_back({RefOp::kLink, ino, ParentPath(path), BaseName(path)});
  }
  void Write(const std::string& path, int offset, const std::string& data) {
    int ino = names_.at(path);
    std::string& c = content_[ino];
    if (c.size() < offset + data.size()) c.resize(offset + data.size(), '\0');
    c.replace(offset, data.size(), data);
    log_.push_back({RefOp::kWrite, ino, "", "", "", "", offset, data});
  }
  void Truncate(const std::string& path, int size) {
    int ino = names_.at(path);
    content_[ino].resize(size, '\0');
    log_.push_back({RefOp::kTrunc, ino, "", "", "", "", size});
  }
  void Unlink(const std::string& path) {
    int ino = names_.at(path);
    names_.erase(path);
    log_.push_back({RefOp::kUnlink, ino, ParentPath(path), BaseName(path)});
  }
  void Rename(const std::string& from, const std::string& to) {
    int ino = names_.at(from);
    names_.erase(from);
    names_[to] = ino;
    log_.push_back({RefOp::kRename, ino, ParentPath(from), BaseName(from),
                    ParentPath(to), BaseName(to)});
  }
  void SyncFile(const std::string& path) {
    log_.push_back({RefOp::kSyncData, names_.at(path)});
  }
  void SyncDir(const std::string& dir) {
    log_.push_back({RefOp::kSyncDir, 0, dir});
  }
  void SyncAll() { log_.push_back({RefOp::kSyncAll}); }

  // What a drop crash leaves: path -> content.
  std::map<std::string, std::string> Durable() const {
    std::vector<bool> durable(log_.size(), false);
    std::map<std::pair<std::string, std::string>, bool>
        entry_ok;  // all ns ops so far durable?
    for (size_t i = 0; i < log_.size(); ++i) {
      const RefOp& op = log_[i];
      auto synced_later = [&](auto pred) {
        for (size_t j = i + 1; j < log_.size(); ++j) {
          if (log_[j].kind == RefOp::kSyncAll || pred(log_[j])) return true;
        }
        return false;
      };
      auto dir_synced = [&](const std::string& dir) {
        return synced_later([&](const RefOp& s) {
          return s.kind == RefOp::kSyncDir && s.dir == dir;
        });
      };
      auto all_before_ok = [&](const std::string& d, const std::string& n) {
        auto it = entry_ok.find({d, n});
        return it == entry_ok.end() || it->second;
      };
      switch (op.kind) {
        case RefOp::kWrite:
        case RefOp::kTrunc:
          durable[i] = synced_later([&](const RefOp& s) {
            return s.kind == RefOp::kSyncData && s.ino == op.ino;
          });
          break;
        case RefOp::kLink:
        case RefOp::kUnlink:
          durable[i] = dir_synced(op.dir) && all_before_ok(op.dir, op.name);
          entry_ok[{op.dir, op.name}] =
              durable[i] && all_before_ok(op.dir, op.name);
          break;
        case RefOp::kRename: {
          bool ok = dir_synced(op.dir) && dir_synced(op.dir2) &&
                    all_before_ok(op.dir, op.name) &&
                    all_before_ok(op.dir2, op.name2);
          durable[i] = ok;
          entry_ok[{op.dir, op.name}] = ok;
          entry_ok[{op.dir2, op.name2}] = ok;
          break;
        }
        default:
          break;
      }
    }
    std::map<std::string, int> names;
    std::map<int, std::string> content;
    for (size_t i = 0; i < log_.size(); ++i) {
      if (!durable[i]) continue;
      const RefOp& op = log_[i];
      auto join = [](const std::string& d, const std::string& n) {
        return d.empty() ? n : d + "/" + n;
      };
      switch (op.kind) {
        case RefOp::kWrite: {
          std::string& c = content[op.ino];
          if (c.size() < op.offset + op.data.size())
            c.resize(op.offset + op.data.size(), '\0');
          c.replace(op.offset, op.data.size(), op.data);
          break;
        }
        case RefOp::kTrunc:
          content[op.ino].resize(op.offset, '\0');
          break;
        case RefOp::kLink:
          names[join(op.dir, op.name)] = op.ino;
          break;
        case RefOp::kUnlink:
          names.erase(join(op.dir, op.name));
          break;
        case RefOp::kRename:
          if (names.count(join(op.dir, op.name)) &&
              names[join(op.dir, op.name)] == op.ino) {
            names.erase(join(op.dir, op.name));
          }
          names[join(op.dir2, op.name2)] = op.ino;
          break;
        default:
          break;
      }
    }
    std::map<std::string, std::string> out;
    for (const auto& [path, ino] : names) out[path] = content[ino];
    return out;
  }

 private:
  std::map<std::string, int> names_;
  std::map<int, std::string> content_;
  std::vector<RefOp> log_;
  int next_ino_ = 1;
};

// ---- driving both -----------------------------------------------------------

void Setup(SimVfs& vfs) {
  RC_ASSERT(vfs.Mkdir("d").ok());
  RC_ASSERT(vfs.Mkdir("e").ok());
  RC_ASSERT(vfs.SyncDir("").ok());
}

std::map<std::string, std::string> Files(const Tree& tree) {
  std::map<std::string, std::string> out;
  for (const auto& [path, entry] : tree) {
    if (entry.type == FileType::kRegular) out[path] = entry.data;
  }
  return out;
}

// Applies one action to both, if it is valid; returns a description.
void Apply(const Action& a, SimVfs& vfs, Reference& ref) {
  std::string src = PathOf(a.src);
  std::string dst = PathOf(a.dst);
  switch (a.kind % 9) {
    case 0:  // create
      if (ref.Exists(src)) return;
      RC_ASSERT(WriteFile(vfs, src, "", false).ok());
      ref.Create(src);
      return;
    case 1:
    case 2: {  // write
      if (!ref.Exists(src)) return;
      auto f = vfs.Open(src, OpenOptions::ReadWrite());
      RC_ASSERT(f.ok());
      RC_ASSERT(WriteAll(**f, a.offset, a.data).ok());
      RC_ASSERT((*f)->Close().ok());
      ref.Write(src, a.offset, a.data);
      return;
    }
    case 3:  // truncate
      if (!ref.Exists(src)) return;
      RC_ASSERT(vfs.Truncate(src, a.offset).ok());
      ref.Truncate(src, a.offset);
      return;
    case 4: {  // fsync file
      if (!ref.Exists(src)) return;
      auto f = vfs.Open(src, OpenOptions::ReadOnly());
      RC_ASSERT(f.ok());
      RC_ASSERT((*f)->Sync().ok());
      RC_ASSERT((*f)->Close().ok());
      ref.SyncFile(src);
      return;
    }
    case 5:  // fsync dir
      RC_ASSERT(vfs.SyncDir(kDirs[a.dst % kDirs.size()]).ok());
      ref.SyncDir(kDirs[a.dst % kDirs.size()]);
      return;
    case 6:  // rename (over an existing file too)
      if (!ref.Exists(src) || src == dst) return;
      RC_ASSERT(vfs.Rename(src, dst).ok());
      ref.Rename(src, dst);
      return;
    case 7:  // unlink
      if (!ref.Exists(src)) return;
      RC_ASSERT(vfs.Unlink(src).ok());
      ref.Unlink(src);
      return;
    case 8:  // sync everything (rarely)
      if (a.offset % 4 != 0) return;
      RC_ASSERT(vfs.SyncAll().ok());
      ref.SyncAll();
      return;
  }
}

rc::Gen<Action> GenAction() {
  return rc::gen::build<Action>(
      rc::gen::set(&Action::kind, rc::gen::inRange(0, 9)),
      rc::gen::set(&Action::src, rc::gen::inRange(0, 9)),
      rc::gen::set(&Action::dst, rc::gen::inRange(0, 9)),
      rc::gen::set(&Action::offset, rc::gen::inRange(0, 1200)),
      rc::gen::set(
          &Action::data,
          rc::gen::map(rc::gen::pair(rc::gen::inRange<size_t>(1, 700),
                                     rc::gen::elementOf(std::string("abcxyz"))),
                       [](const std::pair<size_t, char>& p) {
                         return std::string(p.first, p.second);
                       })));
}

RC_GTEST_PROP(SimVfsProp, DropCrashEqualsReference, ()) {
  auto actions = *rc::gen::container<std::vector<Action>>(GenAction());
  SimVfs vfs;
  Reference ref;
  Setup(vfs);
  for (const auto& a : actions) Apply(a, vfs, ref);
  RC_ASSERT(Files(vfs.DurableTree()) == ref.Durable());
  vfs.Crash();
  RC_ASSERT(Files(vfs.VisibleTree()) == ref.Durable());
}

RC_GTEST_PROP(SimVfsProp, FsyncedDataUnderDurableNameSurvives, ()) {
  auto actions = *rc::gen::container<std::vector<Action>>(GenAction());
  SimVfs vfs;
  Reference ref;
  Setup(vfs);
  for (const auto& a : actions) Apply(a, vfs, ref);
  // Make one promise at the end, then crash in every mode.
  std::string path = "promise";
  RC_ASSERT(WriteFile(vfs, path, "kept", /*sync=*/true).ok());
  RC_ASSERT(vfs.SyncDir("").ok());
  for (const auto& [mode, tree] :
       vfs.EnumerateCrashStates(*rc::gen::arbitrary<uint32_t>(), 4)) {
    RC_ASSERT(tree.count(path) == 1u);
    RC_ASSERT(tree.at(path).data == "kept");
  }
}

RC_GTEST_PROP(SimVfsProp, RenameIsAtomicInEveryCrashState, ()) {
  auto actions = *rc::gen::container<std::vector<Action>>(GenAction());
  SimVfs vfs;
  Reference ref;
  Setup(vfs);
  for (const auto& a : actions) Apply(a, vfs, ref);
  RC_ASSERT(WriteFile(vfs, "d/src", "payload", true).ok());
  RC_ASSERT(vfs.SyncAll().ok());
  // More unsynced noise, then the rename, then more noise.
  for (const auto& a : *rc::gen::container<std::vector<Action>>(GenAction()))
    Apply(a, vfs, ref);
  RC_ASSERT(vfs.Rename("d/src", "e/dst").ok());
  for (const auto& a : *rc::gen::container<std::vector<Action>>(GenAction()))
    Apply(a, vfs, ref);
  for (const auto& [mode, tree] :
       vfs.EnumerateCrashStates(*rc::gen::arbitrary<uint32_t>(), 16)) {
    size_t names = tree.count("d/src") + tree.count("e/dst");
    RC_ASSERT(names == 1u);
    const auto& entry =
        tree.count("d/src") ? tree.at("d/src") : tree.at("e/dst");
    RC_ASSERT(entry.data == "payload");
  }
}

}  // namespace
}  // namespace crashlab::faultfs
