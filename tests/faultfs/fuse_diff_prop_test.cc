// Differential property: random operation sequences run on SimVfs and,
// through PosixVfs, on a faultfs mount give identical trees after a crash -
// on the mount and in the backing directory (which must equal
// SimVfs::DurableTree() before the crash). chmod and chown are among the
// operations, and every node's mode and owner are compared the same way
// (attributes are durable when their node is fsync'd).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <iostream>

#include "faultfs/posix_vfs.h"
#include "faultfs/sim_vfs.h"
#include "tests/faultfs/fuse_test_util.h"

namespace crashlab::faultfs::testing {
namespace {

// The tree of a Vfs (files and directories), skipping the root's `skip`.
Tree ReadTree(Vfs& vfs, const std::string& dir = "",
              const std::string& skip = "") {
  Tree out;
  auto entries = vfs.ListDir(dir);
  if (!entries.ok()) return out;
  for (const auto& e : *entries) {
    if (dir.empty() && e.name == skip) continue;
    std::string path = JoinPath(dir, e.name);
    if (e.type == FileType::kDirectory) {
      out[path] = TreeEntry{FileType::kDirectory, ""};
      Tree sub = ReadTree(vfs, path, skip);
      out.insert(sub.begin(), sub.end());
    } else {
      auto data = ReadFile(vfs, path);
      out[path] = TreeEntry{e.type, data.ok() ? *data : "<unreadable>"};
    }
  }
  return out;
}

std::string Show(const Tree& t) { return TreeToJson(t).dump(); }

// "path mode uid" for every node of `tree`, from lstat under `root`.
std::string ShowAttrs(const Tree& tree, const std::string& root) {
  std::string out;
  for (const auto& [path, entry] : tree) {
    struct stat st {};
    if (lstat((root + "/" + path).c_str(), &st) != 0) {
      out += path + " <missing>\n";
      continue;
    }
    if (S_ISLNK(st.st_mode)) continue;
    out += path + " " + std::to_string(st.st_mode & 07777) + " " +
           std::to_string(st.st_uid) + "\n";
  }
  return out;
}

// The same listing from a simulator image.
std::string ShowAttrs(const Tree& tree, const Image& image) {
  std::string out;
  for (const auto& [path, entry] : tree) {
    auto ino = image.Lookup(path);
    const Node* n = ino ? image.Find(*ino) : nullptr;
    if (n == nullptr) {
      out += path + " <missing>\n";
      continue;
    }
    if (n->type == FileType::kSymlink) continue;
    out += path + " " + std::to_string(n->mode) + " " + std::to_string(n->uid) +
           "\n";
  }
  return out;
}

struct Op {
  enum Kind {
    kCreate,
    kWrite,
    kFsync,
    kSyncDir,
    kRename,
    kUnlink,
    kMkdir,
    kRmdir,
    kTruncate,
    kChmod,  // mode in `len`
    kChown   // uid in `len`
  } kind;
  std::string a, b;
  uint64_t off = 0;
  uint64_t len = 0;
  char fill = 'x';
  bool sync = false;
};

std::string Describe(const Op& op) {
  static const char* names[] = {"create",   "write",  "fsync", "syncdir",
                                "rename",   "unlink", "mkdir", "rmdir",
                                "truncate", "chmod",  "chown"};
  return std::string(names[op.kind]) + " " + op.a +
         (op.b.empty() ? "" : " " + op.b) + " off=" + std::to_string(op.off) +
         " len=" + std::to_string(op.len) + (op.sync ? " sync" : "");
}

void Apply(Vfs& vfs, const Op& op) {
  switch (op.kind) {
    case Op::kCreate: {
      auto f = vfs.Open(op.a, OpenOptions::CreateTruncate());
      if (f.ok() && op.sync) (*f)->Sync().IgnoreError();
      break;
    }
    case Op::kWrite: {
      auto f = vfs.Open(op.a, OpenOptions::ReadWrite());
      if (!f.ok()) break;
      WriteAll(**f, op.off, std::string(op.len, op.fill)).IgnoreError();
      if (op.sync) (*f)->Sync().IgnoreError();
      break;
    }
    case Op::kFsync: {
      auto f = vfs.Open(op.a, OpenOptions::ReadOnly());
      if (f.ok()) (*f)->Sync().IgnoreError();
      break;
    }
    case Op::kSyncDir:
      vfs.SyncDir(op.a).IgnoreError();
      break;
    case Op::kRename:
      vfs.Rename(op.a, op.b).IgnoreError();
      break;
    case Op::kUnlink:
      vfs.Unlink(op.a).IgnoreError();
      break;
    case Op::kMkdir:
      vfs.Mkdir(op.a).IgnoreError();
      break;
    case Op::kRmdir:
      vfs.Rmdir(op.a).IgnoreError();
      break;
    case Op::kTruncate:
      vfs.Truncate(op.a, op.len).IgnoreError();
      break;
    case Op::kChmod:
    case Op::kChown:
      break;  // ApplyAttr: not Vfs calls
  }
}

// chmod/chown on the simulator (SetAttr) and on the mount (chmod(2)/chown(2)),
// then with `sync` an fsync of the node and of its directory on both.
void ApplyAttr(SimVfs& sim, Vfs& mount, const std::string& mnt, const Op& op) {
  if (op.kind != Op::kChmod && op.kind != Op::kChown) return;
  std::string path = mnt + "/" + op.a;
  AttrChange change;
  if (op.kind == Op::kChmod) {
    change.mode = static_cast<uint32_t>(op.len);
    (void)chmod(path.c_str(), static_cast<mode_t>(op.len));
  } else {
    change.uid = static_cast<uint32_t>(op.len);
    (void)lchown(path.c_str(), static_cast<uid_t>(op.len),
                 static_cast<gid_t>(-1));
  }
  sim.SetAttr(op.a, nullptr, change).IgnoreError();
  if (op.sync) {  // the node, then its directory
    for (const Op& o : {Op{.kind = Op::kFsync, .a = op.a},
                        Op{.kind = Op::kSyncDir, .a = ParentPath(op.a)}}) {
      Apply(sim, o);
      Apply(mount, o);
    }
  }
}

rc::Gen<Op> GenOp() {
  auto file = rc::gen::element<std::string>("a", "b", "d/a", "d/b", "d/e/a");
  auto dir = rc::gen::element<std::string>("", "d", "d/e");
  auto node = rc::gen::element<std::string>("a", "b", "d/a", "d/b", "d/e/a",
                                            "d", "d/e");
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::tuple(file, rc::gen::arbitrary<bool>()),
                   [](auto t) {
                     return Op{.kind = Op::kCreate,
                               .a = std::get<0>(t),
                               .sync = std::get<1>(t)};
                   }),
      rc::gen::map(rc::gen::tuple(file, rc::gen::inRange<uint64_t>(0, 9000),
                                  rc::gen::inRange<uint64_t>(1, 5000),
                                  rc::gen::inRange<char>('a', 'z'),
                                  rc::gen::arbitrary<bool>()),
                   [](auto t) {
                     return Op{.kind = Op::kWrite,
                               .a = std::get<0>(t),
                               .off = std::get<1>(t),
                               .len = std::get<2>(t),
                               .fill = std::get<3>(t),
                               .sync = std::get<4>(t)};
                   }),
      rc::gen::map(
          file, [](std::string f) { return Op{.kind = Op::kFsync, .a = f}; }),
      rc::gen::map(
          dir, [](std::string d) { return Op{.kind = Op::kSyncDir, .a = d}; }),
      rc::gen::map(
          dir, [](std::string d) { return Op{.kind = Op::kSyncDir, .a = d}; }),
      rc::gen::map(rc::gen::tuple(file, file),
                   [](auto t) {
                     return Op{.kind = Op::kRename,
                               .a = std::get<0>(t),
                               .b = std::get<1>(t)};
                   }),
      rc::gen::map(
          file, [](std::string f) { return Op{.kind = Op::kUnlink, .a = f}; }),
      rc::gen::map(
          rc::gen::element<std::string>("d", "d/e"),
          [](std::string d) { return Op{.kind = Op::kMkdir, .a = d}; }),
      rc::gen::map(
          rc::gen::element<std::string>("d", "d/e"),
          [](std::string d) { return Op{.kind = Op::kRmdir, .a = d}; }),
      rc::gen::map(rc::gen::tuple(file, rc::gen::inRange<uint64_t>(0, 12000)),
                   [](auto t) {
                     return Op{.kind = Op::kTruncate,
                               .a = std::get<0>(t),
                               .len = std::get<1>(t)};
                   }),
      rc::gen::map(
          rc::gen::tuple(
              node, rc::gen::element<uint64_t>(0600, 0640, 0700, 0755, 0644),
              rc::gen::arbitrary<bool>()),
          [](auto t) {
            return Op{.kind = Op::kChmod,
                      .a = std::get<0>(t),
                      .len = std::get<1>(t),
                      .sync = std::get<2>(t)};
          }),
      rc::gen::map(rc::gen::tuple(node, rc::gen::element<uint64_t>(0, 1000),
                                  rc::gen::arbitrary<bool>()),
                   [](auto t) {
                     return Op{.kind = Op::kChown,
                               .a = std::get<0>(t),
                               .len = std::get<1>(t),
                               .sync = std::get<2>(t)};
                   }),
      rc::gen::map(
          rc::gen::element<std::string>("d", "d/e"),
          [](std::string d) { return Op{.kind = Op::kFsync, .a = d}; }));
}

TEST(FuseDifferential, SimAndMountAgreeOnDurableTrees) {
  FUSE_TEST_SETUP(m, "--no-backing-fsync");
  auto mnt = PosixVfs::Create(m->mnt());
  auto backing = PosixVfs::Create(m->backing());
  ASSERT_TRUE(mnt.ok() && backing.ok());
  int nonempty = 0;
  int attr_cases = 0;  // post-crash trees with a changed mode or owner
  size_t total_ops = 0;
  bool ok = rc::check("sim and faultfs give the same post-crash trees", [&] {
    // Start from an empty, durable mount.
    for (const auto& [path, entry] : ReadTree(**mnt)) {
      (void)entry;
      if (path.find('/') == std::string::npos) {
        std::string cmd = "rm -rf '" + m->mnt(path) + "'";
        RC_ASSERT(std::system(cmd.c_str()) == 0);
      }
    }
    RC_ASSERT(m->Ctl({{"cmd", "sync"}})["ok"].get<bool>());
    RC_ASSERT(ReadTree(**backing, "", ".faultfs").empty());
    SimVfs sim;
    auto ops =
        *rc::gen::resize(40, rc::gen::container<std::vector<Op>>(GenOp()));
    for (const auto& op : ops) {
      RC_LOG() << Describe(op) << "\n";
      Apply(sim, op);
      Apply(**mnt, op);
      ApplyAttr(sim, **mnt, m->mnt(), op);
    }
    RC_ASSERT(Show(ReadTree(**mnt)) == Show(sim.VisibleTree()));
    RC_ASSERT(Show(ReadTree(**backing, "", ".faultfs")) ==
              Show(sim.DurableTree()));
    SimState before = sim.Snapshot();
    RC_ASSERT(ShowAttrs(sim.VisibleTree(), m->mnt()) ==
              ShowAttrs(sim.VisibleTree(), before.visible));
    RC_ASSERT(ShowAttrs(sim.DurableTree(), m->backing()) ==
              ShowAttrs(sim.DurableTree(), before.durable));
    bool torn = *rc::gen::arbitrary<bool>();
    uint64_t seed = *rc::gen::inRange<uint64_t>(0, 1000);
    CrashMode mode = torn ? CrashMode::Torn(seed) : CrashMode::Drop();
    sim.Crash(mode);
    RC_ASSERT(m->Ctl({{"cmd", "crash"}, {"mode", mode.ToString()}})["ok"]
                  .get<bool>());
    Tree expect = sim.VisibleTree();
    nonempty += expect.empty() ? 0 : 1;
    total_ops += ops.size();
    RC_ASSERT(Show(ReadTree(**mnt)) == Show(expect));
    RC_ASSERT(Show(ReadTree(**backing, "", ".faultfs")) == Show(expect));
    SimState after = sim.Snapshot();
    std::string attrs = ShowAttrs(expect, after.visible);
    RC_ASSERT(ShowAttrs(expect, m->mnt()) == attrs);
    RC_ASSERT(ShowAttrs(expect, m->backing()) == attrs);
    // A mode or owner no create gives (0600, 0640, 0700; uid 1000).
    bool changed = false;
    for (const char* needle : {" 384 ", " 416 ", " 448 ", " 1000\n"})
      changed |= attrs.find(needle) != std::string::npos;
    attr_cases += changed ? 1 : 0;
  });
  EXPECT_TRUE(ok);
  // The property is not vacuous: most cases leave something durable.
  EXPECT_GT(nonempty, 10) << "of the cases had a non-empty post-crash tree";
  EXPECT_GT(attr_cases, 0) << "cases kept a chmod or a chown";
  std::cout << "differential: " << total_ops << " operations, " << nonempty
            << " cases with a non-empty post-crash tree, " << attr_cases
            << " with a durable chmod or chown\n";
}

}  // namespace
}  // namespace crashlab::faultfs::testing
