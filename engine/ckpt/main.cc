// ckpt: operate a crashlab checkpoint engine directory from the shell.
// Parses options with Boost.Program_options, creates the PosixVfs for --dir
// and dispatches to commands.cc. Exceptions from option parsing stop here.
#include <boost/program_options.hpp>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "engine/ckpt/commands.h"
#include "faultfs/posix_vfs.h"
#include "version/version.h"

namespace po = boost::program_options;
using namespace crashlab;  // NOLINT: a main file

namespace {

struct CommandHelp {
  const char* usage;
  const char* text;
};

const std::map<std::string, CommandHelp>& Commands() {
  static const std::map<std::string, CommandHelp> cmds = {
      {"init",
       {"init",
        "Create the engine layout (wal/, checkpoints/, an empty catalog) in "
        "DIR."}},
      {"put",
       {"put KEY VALUE",
        "Write KEY=VALUE and wait until it is durable; prints its LSN."}},
      {"del", {"del KEY", "Delete KEY and wait until that is durable."}},
      {"get",
       {"get KEY",
        "Print KEY's value (exit 1 if absent). Recovers the engine first."}},
      {"scan",
       {"scan [START [END]]",
        "Print keys in [START, END) with their values (--json: an object)."}},
      {"load",
       {"load FILE",
        "Apply JSON lines from FILE, then sync. Each line is one of\n"
        "  {\"op\":\"put\",\"key\":K,\"value\":V}   (\"op\" may be omitted for "
        "put)\n"
        "  {\"op\":\"del\",\"key\":K}\n"
        "  {\"op\":\"offset\",\"source\":S,\"offset\":N}\n"
        "  {\"op\":\"watermark\",\"value\":N}\n"
        "The whole file is checked first; a bad line exits 2 with "
        "FILE:LINE:COLUMN."}},
      {"checkpoint",
       {"checkpoint",
        "Commit a checkpoint (incremental unless --full), then GC and truncate "
        "the WAL."}},
      {"list",
       {"list",
        "List the committed checkpoints in the catalog, oldest first (no "
        "recovery)."}},
      {"verify",
       {"verify [ID]",
        "Verify marker, manifest and every file (size, sha256) of ID or of "
        "all\n"
        "catalogued checkpoints; read-only. Exit 1 if any check fails."}},
      {"recover",
       {"recover",
        "Run verified recovery and print what it found (--json: "
        "RecoveryResult)."}},
      {"gc",
       {"gc",
        "Apply retention: catalog first, then files no retained checkpoint "
        "needs, then the WAL."}},
      {"inspect",
       {"inspect [--json]",
        "Show the catalog, each checkpoint's files with verification status "
        "and\n"
        "reference counts, uncatalogued directories, LATEST and the WAL "
        "extent.\n"
        "Read-only. Exit 1 if anything fails verification."}},
      {"rebuild-catalog",
       {"rebuild-catalog [--force]",
        "Rebuild CATALOG.json from checkpoint directories that verify (the way "
        "out of\n"
        "'catalog-missing'). Refuses to replace a readable catalog without "
        "--force."}},
  };
  return cmds;
}

void PrintUsage(std::ostream& os, const po::options_description& desc) {
  os << "usage: ckpt --dir DIR [options] COMMAND [ARGS]\n\ncommands:\n";
  for (const auto& [name, h] : Commands()) os << "  " << h.usage << "\n";
  os << "\n"
     << desc << "\n"
     << "unsafe modes (testing only): ";
  bool first = true;
  for (auto m : engine::AllUnsafeModes()) {
    os << (first ? "" : ", ") << engine::UnsafeModeName(m);
    first = false;
  }
  os << "\n\nexit codes: 0 ok, 1 a check failed, 2 bad input or usage, 3 "
        "environment problem\n"
     << "`ckpt help COMMAND` or `ckpt COMMAND --help` describes one command.\n";
}

int Usage(const std::string& msg) {
  std::cerr << "ckpt: " << msg << "\n(see ckpt --help)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description desc("options");
  std::string dir, fallback = "none";
  std::vector<std::string> unsafe, protect;
  uint32_t max_retained = 3, partitions = 4, group = 64, max_chain = 4;
  std::string schema = "crashlab.kv.v1";
  desc.add_options()("help,h",
                     "show help (for a command: ckpt COMMAND --help)")(
      "version", "print the version and commit")("dir,d", po::value(&dir),
                                                 "engine directory (required)")(
      "json",
      "machine-readable output (recover, inspect, verify, list, gc, "
      "checkpoint, scan)")("max-retained",
                           po::value(&max_retained)->default_value(3),
                           "checkpoints GC keeps (floor 2)")(
      "protect", po::value(&protect)->composing(),
      "checkpoint id GC never removes (repeatable)")(
      "full", "take full checkpoints only (no incremental deltas)")(
      "max-delta-chain", po::value(&max_chain)->default_value(4),
      "deltas before a partition gets a new .snap")(
      "partitions", po::value(&partitions)->default_value(4),
      "state partitions")("group-size", po::value(&group)->default_value(64),
                          "WAL records per group commit")(
      "fallback", po::value(&fallback)->default_value("none"),
      "recovery fallback policy: none | older-verified")(
      "schema", po::value(&schema)->default_value("crashlab.kv.v1"),
      "schema fingerprint to expect and record")(
      "no-startup-gc", "do not delete leftovers when opening")(
      "force", "rebuild-catalog: replace a readable catalog")(
      "unsafe", po::value(&unsafe)->composing(),
      "enable a named unsafe mode (repeatable; testing only)");
  po::options_description hidden;
  std::string command;
  std::vector<std::string> args;
  hidden.add_options()("command", po::value(&command))("args",
                                                       po::value(&args));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("command", 1).add("args", -1);
  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(argc, argv).options(all).positional(pos).run(),
        vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Usage(e.what());
  }

  if (vm.count("version")) {
    std::cout << version::VersionLine("ckpt") << "\n";
    return 0;
  }
  if (command == "help") {
    if (!args.empty() && Commands().count(args[0])) {
      const auto& h = Commands().at(args[0]);
      std::cout << "usage: ckpt --dir DIR [options] " << h.usage << "\n\n"
                << h.text << "\n";
      return 0;
    }
    PrintUsage(std::cout, desc);
    return 0;
  }
  if (vm.count("help")) {
    if (Commands().count(command)) {
      const auto& h = Commands().at(command);
      std::cout << "usage: ckpt --dir DIR [options] " << h.usage << "\n\n"
                << h.text << "\n\n"
                << desc;
    } else {
      PrintUsage(std::cout, desc);
    }
    return 0;
  }
  if (command.empty()) return Usage("no command given");
  if (!Commands().count(command))
    return Usage("unknown command '" + command + "'");
  if (dir.empty()) return Usage("--dir is required");

  engine::Options o;
  o.max_retained = max_retained;
  o.protected_ids.insert(protect.begin(), protect.end());
  o.incremental = !vm.count("full");
  o.max_delta_chain = max_chain;
  o.partitions = partitions;
  o.wal_group_size = group;
  o.schema_fingerprint = schema;
  o.startup_gc = !vm.count("no-startup-gc");
  auto policy = engine::ParseFallbackPolicy(fallback);
  if (!policy.ok()) return Usage("--fallback: " + policy.status().message());
  o.fallback = *policy;
  auto modes = engine::UnsafeModes::Parse(unsafe);
  if (!modes.ok()) return Usage("--unsafe: " + modes.status().message());
  o.unsafe = *modes;
  if (auto st = o.Validate(); !st.ok())
    return Usage("--" + st.path() + ": " + st.message());

  auto nargs = [&](size_t lo, size_t hi) {
    return args.size() >= lo && args.size() <= hi;
  };
  static const std::map<std::string, std::pair<size_t, size_t>> arity = {
      {"init", {0, 0}},
      {"put", {2, 2}},
      {"del", {1, 1}},
      {"get", {1, 1}},
      {"scan", {0, 2}},
      {"load", {1, 1}},
      {"checkpoint", {0, 0}},
      {"list", {0, 0}},
      {"verify", {0, 1}},
      {"recover", {0, 0}},
      {"gc", {0, 0}},
      {"inspect", {0, 0}},
      {"rebuild-catalog", {0, 0}}};
  auto [lo, hi] = arity.at(command);
  if (!nargs(lo, hi)) {
    return Usage("usage: ckpt --dir DIR " +
                 std::string(Commands().at(command).usage));
  }

  if (command == "init") {
    // The engine directory itself is created through a PosixVfs rooted at
    // its parent (the Vfs needs an existing root).
    std::string trimmed = dir.size() > 1 && dir.back() == '/'
                              ? dir.substr(0, dir.size() - 1)
                              : dir;
    std::string parent = faultfs::ParentPath(trimmed);
    if (parent.empty()) parent = trimmed[0] == '/' ? "/" : ".";
    auto pvfs = faultfs::PosixVfs::Create(parent);
    faultfs::Status st = pvfs.ok()
                             ? (*pvfs)->Mkdir(faultfs::BaseName(trimmed), 0755)
                             : pvfs.status();
    if (!st.ok() && st.err() != EEXIST) {
      std::cerr << "ckpt: " << dir << ": " << st.ToString() << "\n";
      return 3;
    }
  }
  auto vfs = faultfs::PosixVfs::Create(dir);
  if (!vfs.ok()) {
    std::cerr << "ckpt: " << vfs.status().ToString() << "\n"
              << "ckpt: hint: the directory must exist; `ckpt --dir " << dir
              << " init` creates it\n";
    return 3;
  }
  engine::ckpt::Context c;
  c.vfs = vfs->get();
  c.dir_label = dir;
  c.options = o;
  c.json = vm.count("json") != 0;
  c.force = vm.count("force") != 0;
  c.out = &std::cout;
  c.err = &std::cerr;

  using namespace engine::ckpt;  // NOLINT
  if (command == "init") return CmdInit(c);
  if (command == "put") return CmdPut(c, args[0], args[1]);
  if (command == "del") return CmdDel(c, args[0]);
  if (command == "get") return CmdGet(c, args[0]);
  if (command == "scan")
    return CmdScan(c, args.size() > 0 ? args[0] : "",
                   args.size() > 1 ? args[1] : "");
  if (command == "load") return CmdLoad(c, args[0]);
  if (command == "checkpoint") return CmdCheckpoint(c);
  if (command == "list") return CmdList(c);
  if (command == "verify") return CmdVerify(c, args.empty() ? "" : args[0]);
  if (command == "recover") return CmdRecover(c);
  if (command == "gc") return CmdGc(c);
  if (command == "inspect") return CmdInspect(c);
  if (command == "rebuild-catalog") return CmdRebuildCatalog(c);
  return Usage("unknown command '" + command + "'");
}
