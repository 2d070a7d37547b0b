// Every post-crash state of every crash mode is one the crash model allows.
// The reachability check here is written independently of sim_state.cc: it
// keeps a path-level log of the operations, decides from the later fsyncs
// which of them are durable, and enumerates every state a power cut can
// leave: the durable ops plus any subset of the pending ones in issue order
// such that a namespace op never persists without an earlier pending
// namespace op on one of its directory entries; for torn crashes every
// pending write may keep any subset of its 512-byte sectors.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "faultfs/sim_vfs.h"

namespace crashlab::faultfs {
namespace {

using Files = std::map<std::string, std::string>;  // path -> content

const std::vector<std::string> kDirs = {"d", "e"};
const std::vector<std::string> kNames = {"a", "b"};
constexpr int kPaths = 4;

std::string PathOf(int i) { return kDirs[(i / 2) % 2] + "/" + kNames[i % 2]; }

// ---- the reference ---------------------------------------------------------

struct LogOp {
  enum Kind { kLink, kUnlink, kRename, kWrite, kTrunc, kSyncFile, kSyncDir };
  Kind kind = kLink;
  int ino = 0;
  std::string dir, name, dir2, name2;  // entries (rename: from, to)
  uint64_t offset = 0;                 // write offset, truncate size
  std::string data;
  bool is_namespace() const {
    return kind == kLink || kind == kUnlink || kind == kRename;
  }
  bool is_data() const { return kind == kWrite || kind == kTrunc; }
};

struct RefState {
  std::map<std::string, int> names;  // "dir/name" -> ino
  std::map<int, std::string> content;
  std::set<std::string> skipped;  // entries with a left-out namespace op
  auto Key() const { return std::tie(names, content, skipped); }
  bool operator<(const RefState& o) const { return Key() < o.Key(); }
};

std::string Join(const std::string& d, const std::string& n) {
  return d + "/" + n;
}

void WriteAt(std::string& c, uint64_t off, const std::string& data) {
  if (c.size() < off + data.size()) c.resize(off + data.size(), '\0');
  c.replace(off, data.size(), data);
}

void Apply(RefState& s, const LogOp& op) {
  switch (op.kind) {
    case LogOp::kLink:
      s.names[Join(op.dir, op.name)] = op.ino;
      s.content.try_emplace(op.ino);
      break;
    case LogOp::kUnlink: {
      auto it = s.names.find(Join(op.dir, op.name));
      if (it != s.names.end() && it->second == op.ino) s.names.erase(it);
      break;
    }
    case LogOp::kRename: {
      auto it = s.names.find(Join(op.dir, op.name));
      if (it != s.names.end() && it->second == op.ino) s.names.erase(it);
      s.names[Join(op.dir2, op.name2)] = op.ino;
      s.content.try_emplace(op.ino);
      break;
    }
    case LogOp::kWrite:
      WriteAt(s.content[op.ino], op.offset, op.data);
      break;
    case LogOp::kTrunc:
      s.content[op.ino].resize(op.offset, '\0');
      break;
    default:
      break;
  }
}

class Reference {
 public:
  bool Exists(const std::string& p) const { return live_.count(p) != 0; }
  void Create(const std::string& p) {
    int ino = next_ino_++;
    live_[p] = ino;
    Ns(LogOp::kLink, ino, p);
  }
  void Write(const std::string& p, uint64_t off, const std::string& data) {
    log_.push_back({LogOp::kWrite, live_.at(p), "", "", "", "", off, data});
  }
  void Truncate(const std::string& p, uint64_t size) {
    log_.push_back({LogOp::kTrunc, live_.at(p), "", "", "", "", size, ""});
  }
  void Unlink(const std::string& p) {
    Ns(LogOp::kUnlink, live_.at(p), p);
    live_.erase(p);
  }
  void Rename(const std::string& from, const std::string& to) {
    int ino = live_.at(from);
    live_.erase(from);
    live_[to] = ino;
    LogOp op{LogOp::kRename, ino};
    Split(from, &op.dir, &op.name);
    Split(to, &op.dir2, &op.name2);
    log_.push_back(op);
  }
  void SyncFile(const std::string& p) {
    log_.push_back({LogOp::kSyncFile, live_.at(p)});
  }
  void SyncDir(const std::string& d) {
    log_.push_back({LogOp::kSyncDir, 0, d});
  }

  // Every state a power cut can leave (`torn`: writes may tear by sector).
  std::set<Files> Reachable(bool torn) const {
    std::vector<bool> durable = Durable();
    RefState base;
    std::vector<const LogOp*> pending;
    for (size_t i = 0; i < log_.size(); ++i) {
      if (!log_[i].is_namespace() && !log_[i].is_data()) continue;
      if (durable[i]) {
        Apply(base, log_[i]);
      } else {
        pending.push_back(&log_[i]);
      }
    }
    std::set<RefState> states{base};
    for (const LogOp* op : pending) {
      std::set<RefState> next;
      for (const RefState& s : states) {
        std::vector<std::string> entries;
        if (op->is_namespace()) {
          entries.push_back(Join(op->dir, op->name));
          if (op->kind == LogOp::kRename)
            entries.push_back(Join(op->dir2, op->name2));
        }
        bool held = false;
        for (const auto& e : entries) held |= s.skipped.count(e) != 0;
        // Left out.
        RefState out = s;
        for (const auto& e : entries) out.skipped.insert(e);
        next.insert(out);
        if (held) continue;
        if (op->kind == LogOp::kWrite && torn) {
          // Any subset of its sectors (aligned to file offsets).
          std::vector<std::pair<uint64_t, uint64_t>> sectors;
          uint64_t pos = op->offset, end = op->offset + op->data.size();
          while (pos < end) {
            uint64_t e = std::min<uint64_t>((pos / 512 + 1) * 512, end);
            sectors.emplace_back(pos, e);
            pos = e;
          }
          for (uint64_t mask = 1; mask < (uint64_t{1} << sectors.size());
               ++mask) {
            RefState in = s;
            for (size_t k = 0; k < sectors.size(); ++k) {
              if (!(mask >> k & 1)) continue;
              auto [b, e] = sectors[k];
              WriteAt(in.content[op->ino], b,
                      op->data.substr(b - op->offset, e - b));
            }
            next.insert(std::move(in));
          }
        } else {
          RefState in = s;
          Apply(in, *op);
          next.insert(std::move(in));
        }
      }
      states = std::move(next);
    }
    std::set<Files> out;
    for (const RefState& s : states) {
      Files f;
      for (const auto& [path, ino] : s.names) {
        auto c = s.content.find(ino);
        f[path] = c == s.content.end() ? "" : c->second;
      }
      out.insert(std::move(f));
    }
    return out;
  }

 private:
  static void Split(const std::string& p, std::string* d, std::string* n) {
    size_t slash = p.rfind('/');
    *d = p.substr(0, slash);
    *n = p.substr(slash + 1);
  }
  void Ns(LogOp::Kind kind, int ino, const std::string& p) {
    LogOp op{kind, ino};
    Split(p, &op.dir, &op.name);
    log_.push_back(op);
  }

  // Which log entries a later fsync made durable. A data op: a later fsync
  // of its inode. A namespace op: later fsyncs of its directories, and every
  // earlier namespace op on its entries durable.
  std::vector<bool> Durable() const {
    std::vector<bool> out(log_.size(), false);
    std::map<std::string, bool> entry_ok;
    auto synced_after = [&](size_t i, auto pred) {
      for (size_t j = i + 1; j < log_.size(); ++j) {
        if (pred(log_[j])) return true;
      }
      return false;
    };
    auto dir_synced = [&](size_t i, const std::string& d) {
      return synced_after(i, [&](const LogOp& s) {
        return s.kind == LogOp::kSyncDir && s.dir == d;
      });
    };
    auto ok = [&](const std::string& e) {
      auto it = entry_ok.find(e);
      return it == entry_ok.end() || it->second;
    };
    for (size_t i = 0; i < log_.size(); ++i) {
      const LogOp& op = log_[i];
      if (op.is_data()) {
        out[i] = synced_after(i, [&](const LogOp& s) {
          return s.kind == LogOp::kSyncFile && s.ino == op.ino;
        });
      } else if (op.kind == LogOp::kRename) {
        std::string a = Join(op.dir, op.name), b = Join(op.dir2, op.name2);
        out[i] =
            dir_synced(i, op.dir) && dir_synced(i, op.dir2) && ok(a) && ok(b);
        entry_ok[a] = entry_ok[b] = out[i];
      } else if (op.is_namespace()) {
        std::string a = Join(op.dir, op.name);
        out[i] = dir_synced(i, op.dir) && ok(a);
        entry_ok[a] = out[i];
      }
    }
    return out;
  }

  std::map<std::string, int> live_;
  std::vector<LogOp> log_;
  int next_ino_ = 1;
};

// ---- driving both ----------------------------------------------------------

struct Action {
  int kind = 0;
  int src = 0;
  int dst = 0;
  int offset = 0;
  int size = 1;
  char fill = 'x';
};

void Setup(SimVfs& vfs) {
  for (const auto& d : kDirs) RC_ASSERT(vfs.Mkdir(d).ok());
  RC_ASSERT(vfs.SyncDir("").ok());
}

void Do(const Action& a, SimVfs& vfs, Reference& ref) {
  std::string src = PathOf(a.src % kPaths);
  std::string dst = PathOf(a.dst % kPaths);
  // Weighted: creates, renames and unlinks (the ops that depend on one
  // another) are the common ones.
  static constexpr int kKinds[] = {0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 6, 6};
  switch (kKinds[a.kind % 12]) {
    case 0: {  // create with content
      if (ref.Exists(src)) return;
      std::string data(a.size % 3 == 0 ? 0 : a.size, a.fill);
      RC_ASSERT(WriteFile(vfs, src, data, false).ok());
      ref.Create(src);
      if (!data.empty()) ref.Write(src, 0, data);
      return;
    }
    case 1: {  // write
      if (!ref.Exists(src)) return;
      std::string data(a.size, a.fill);
      auto f = vfs.Open(src, OpenOptions::ReadWrite());
      RC_ASSERT(f.ok());
      RC_ASSERT(WriteAll(**f, a.offset, data).ok());
      RC_ASSERT((*f)->Close().ok());
      ref.Write(src, a.offset, data);
      return;
    }
    case 2:  // truncate
      if (!ref.Exists(src)) return;
      RC_ASSERT(vfs.Truncate(src, a.offset).ok());
      ref.Truncate(src, a.offset);
      return;
    case 3: {  // fsync a file
      if (!ref.Exists(src)) return;
      auto f = vfs.Open(src, OpenOptions::ReadOnly());
      RC_ASSERT(f.ok());
      RC_ASSERT((*f)->Sync().ok());
      RC_ASSERT((*f)->Close().ok());
      ref.SyncFile(src);
      return;
    }
    case 4:  // fsync a directory
      RC_ASSERT(vfs.SyncDir(kDirs[a.dst % 2]).ok());
      ref.SyncDir(kDirs[a.dst % 2]);
      return;
    case 5:  // rename, over an existing file too
      if (!ref.Exists(src) || src == dst) return;
      RC_ASSERT(vfs.Rename(src, dst).ok());
      ref.Rename(src, dst);
      return;
    case 6:  // unlink
      if (!ref.Exists(src)) return;
      RC_ASSERT(vfs.Unlink(src).ok());
      ref.Unlink(src);
      return;
  }
}

rc::Gen<Action> GenAction() {
  return rc::gen::build<Action>(
      rc::gen::set(&Action::kind, rc::gen::inRange(0, 12)),
      rc::gen::set(&Action::src, rc::gen::inRange(0, kPaths)),
      rc::gen::set(&Action::dst, rc::gen::inRange(0, kPaths)),
      rc::gen::set(&Action::offset, rc::gen::inRange(0, 700)),
      rc::gen::set(&Action::size, rc::gen::inRange(1, 600)),
      rc::gen::set(&Action::fill, rc::gen::elementOf(std::string("pqrs"))));
}

Files FilesOf(const Image& image) {
  Files out;
  for (const auto& [path, e] : ImageTree(image)) {
    if (e.type == FileType::kRegular) out[path] = e.data;
  }
  return out;
}

std::string Show(const Files& f) {
  std::string s;
  for (const auto& [p, c] : f)
    s += p + "=" + std::to_string(c.size()) + "B(" + c.substr(0, 1) + ") ";
  return s;
}

RC_GTEST_PROP(CrashReachability, EveryModeLeavesOnlyReachableStates, ()) {
  // (gen::inRange scales with the size, so the length is drawn, not resized)
  auto actions = *rc::gen::container<std::vector<Action>>(
      *rc::gen::inRange<size_t>(0, 13), GenAction());
  SimVfs vfs;
  Reference ref;
  Setup(vfs);
  for (const auto& a : actions) Do(a, vfs, ref);
  SimState state = vfs.Snapshot();
  RC_PRE(state.pending.size() <= 16u);
  std::set<Files> whole = ref.Reachable(false);
  std::set<Files> torn = ref.Reachable(true);
  auto check = [&](const CrashMode& m, const std::set<Files>& allowed) {
    Files got = FilesOf(state.PostCrash(m));
    if (allowed.count(got) == 0) {
      RC_FAIL(m.ToString() + " left " + Show(got) +
              "which no ordered subset of the " +
              std::to_string(state.pending.size()) + " pending ops gives");
    }
  };
  check(CrashMode::Drop(), whole);
  for (uint64_t k = 1; k <= state.pending.size(); ++k)
    check(CrashMode::Prefix(k), whole);
  uint64_t seed = *rc::gen::arbitrary<uint32_t>();
  for (uint64_t i = 0; i < 24; ++i) {
    check(CrashMode::Random(seed + i), whole);
    check(CrashMode::Torn(seed + i), torn);
  }
}

// A file renamed away and created again under its old name: the second
// create must not persist without the rename and the first create.
TEST(CrashReachability, RandomNeverPersistsANameOpAheadOfItsDependency) {
  SimVfs vfs;
  ASSERT_TRUE(vfs.Mkdir("d").ok());
  ASSERT_TRUE(vfs.SyncDir("").ok());
  ASSERT_TRUE(WriteFile(vfs, "d/a", "one", /*sync=*/true).ok());
  ASSERT_TRUE(vfs.Rename("d/a", "d/b").ok());
  ASSERT_TRUE(WriteFile(vfs, "d/a", "two", /*sync=*/true).ok());
  SimState state = vfs.Snapshot();
  int second_alone = 0, second_seen = 0;
  for (uint64_t seed = 0; seed < 256; ++seed) {
    Files f = FilesOf(state.PostCrash(CrashMode::Random(seed)));
    bool second = f.count("d/a") && f["d/a"] == "two";
    second_seen += second;
    second_alone += second && !f.count("d/b");
  }
  EXPECT_EQ(second_alone, 0) << "d/a = \"two\" persisted without the rename";
  EXPECT_GT(second_seen, 0);  // still explored
}

// torn tears data and keeps an ordered subset of the namespace ops: a new
// file's name persists in some draws.
TEST(CrashReachability, TornKeepsSomeNamespaceOps) {
  SimVfs vfs;
  ASSERT_TRUE(vfs.Mkdir("d").ok());
  ASSERT_TRUE(vfs.SyncDir("").ok());
  ASSERT_TRUE(WriteFile(vfs, "d/f", std::string(1024, 'z'), false).ok());
  SimState state = vfs.Snapshot();
  int named = 0, torn = 0;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    Files f = FilesOf(state.PostCrash(CrashMode::Torn(seed)));
    if (!f.count("d/f")) continue;
    ++named;
    torn += f["d/f"] != std::string(1024, 'z');
  }
  EXPECT_GT(named, 0) << "torn never kept the pending create";
  EXPECT_GT(torn, 0) << "torn never tore the write of a kept file";
}

}  // namespace
}  // namespace crashlab::faultfs
