// faultfs: mount / unmount / ctl. See faultfs/README.md.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "faultfs/client/control_client.h"
#include "faultfs/client/mountinfo.h"
#include "faultfs/daemon/control_server.h"
#include "faultfs/daemon/daemon.h"
#include "faultfs/daemon/rules_file.h"
#include "faultfs/json_util.h"
#include "version/version.h"

namespace po = boost::program_options;
using namespace crashlab::faultfs;          // NOLINT: a main file, not a header
using namespace crashlab::faultfs::daemon;  // NOLINT

namespace {

constexpr const char* kUsage =
    "usage: faultfs mount BACKING MOUNTPOINT [options]   serve BACKING at "
    "MOUNTPOINT\n"
    "       faultfs unmount MOUNTPOINT                     unmount "
    "(fusermount3 -u)\n"
    "       faultfs ctl --control SOCKET COMMAND [ARGS]    talk to a running "
    "daemon\n"
    "       faultfs --help | faultfs COMMAND --help\n"
    "\n"
    "faultfs is a FUSE file system that keeps what a real disk would lose: "
    "data not\n"
    "fsync'd and names whose directory was not fsync'd vanish at a simulated "
    "crash,\n"
    "and fault rules make operations fail, tear or corrupt data on demand.\n"
    "Exit codes: 0 ok, 2 bad input or usage, 3 environment (no /dev/fuse, busy "
    "mountpoint).\n";

constexpr const char* kCtlHelp =
    "ctl commands (each prints the daemon's JSON reply):\n"
    "  status                 pid, mount, op count, pending ops, rules, mirror "
    "state\n"
    "  inject RULE_JSON       add a fault rule, e.g. "
    "'{\"op\":\"fsync\",\"path\":\"**\",\"action\":\"crash\",\"nth\":3}'\n"
    "  clear                  remove every rule\n"
    "  crash [--mode M]       power cut now: the mount shows the durable state "
    "(M: drop, prefix:K,\n"
    "                         torn[:SEED], random:SEED; default drop); the "
    "backing dir holds it too\n"
    "  restart                end the EIO period after a crash rule fired\n"
    "  sync                   make everything durable (like sync(2))\n"
    "  report [--mode M]      what is not durable yet: files with byte ranges, "
    "pending namespace ops;\n"
    "                         if_crash: what a crash in mode M (default drop) "
    "would take now, per file\n"
    "                         (dropped ranges, rolled-back ops with the "
    "directory not fsync'd, last fsync);\n"
    "                         last_crash: what the last crash took\n"
    "  trace                  every operation so far and every injected fault\n"
    "(the socket also takes {\"cmd\":\"faults\",\"since\":N,\"clear\":true} "
    "and {\"cmd\":\"damage\",...};\n"
    " see faultfs/README.md, \"Control protocol\")\n";

std::string Absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) return Absolute(path);
  return buf;
}

int RunMount(const std::vector<std::string>& args) {
  po::options_description opts("faultfs mount BACKING MOUNTPOINT [options]");
  std::string control, rules, trace, model = "strict", on_unmount = "drop";
  uint64_t seed = 0;
  double attr_timeout = 1.0;
  int64_t exit_with = 0;
  int64_t trace_memory = 65536;
  opts.add_options()("help,h", "show this help")(
      "control", po::value(&control),
      "SOCKET: unix socket (created mode 0600) for `faultfs ctl`; "
      "without it the daemon cannot be told to crash or inject faults")(
      "rules", po::value(&rules),
      "FILE: fault rules loaded at mount, a JSON array or one rule object "
      "per line (the same JSON as on the control socket and in scenario "
      "files)")("trace", po::value(&trace),
                "FILE: write every operation as a JSON line (streamed, flushed "
                "at unmount)")(
      "trace-memory", po::value(&trace_memory),
      "N: operations and injected faults kept in memory for `ctl trace` and "
      "`ctl faults`, the latest N of each (default 65536, at most 16777216; "
      "0: all, memory then grows with every operation); --trace FILE gets "
      "every operation")(
      "seed", po::value(&seed),
      "N: seed for probabilistic rules and corruption (default 0)")(
      "model", po::value(&model),
      "strict | metadata-immediate: when creates, renames and unlinks become "
      "durable - at the parent directory's fsync (strict, default) or at once")(
      "foreground,f", "stay in the foreground (default: detach once mounted)")(
      "on-unmount", po::value(&on_unmount),
      "persist | drop: at a clean unmount (faultfs unmount, fusermount3 -u, "
      "SIGINT/SIGTERM/SIGHUP, --exit-with) sync everything first like a real "
      "file system (persist), or keep the crash model and lose what is not "
      "durable, as at a power cut (drop, default)")(
      "allow-other",
      "let other users use the mount (needs user_allow_other in /etc/fuse.conf "
      "unless root); "
      "permissions are always checked by the kernel (default_permissions)")(
      "no-backing-fsync",
      "do not fsync the backing dir's files when they are written (faster; the "
      "backing dir then survives a daemon kill but not a host power cut)")(
      "direct-io",
      "open every file direct_io: each read(2)/write(2) reaches faultfs as "
      "exactly one "
      "operation (no page cache, no readahead; crashlab's fuse mode uses it so "
      "that "
      "operations match the simulator's one for one)")(
      "attr-timeout", po::value(&attr_timeout),
      "SECONDS the kernel may cache attributes (default 1; "
      "caches are invalidated at every crash)")(
      "exit-with", po::value(&exit_with),
      "PID: unmount and exit when process PID ends (crashlab passes its own "
      "pid: a killed harness never leaves a mount behind)")(
      "debug,d", "libfuse debug output (implies --foreground)");
  po::options_description hidden;
  std::vector<std::string> positional;
  hidden.add_options()("positional", po::value(&positional));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("positional", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "faultfs mount: " << e.what() << "\n" << opts;
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return kExitOk;
  }
  if (positional.size() != 2) {
    std::cerr << "faultfs mount: expected BACKING and MOUNTPOINT\n" << opts;
    return kExitUsage;
  }
  DaemonOptions o;
  auto parsed_model = ParseMetadataModel(model);
  if (!parsed_model.ok()) {
    std::cerr << "faultfs mount: --model: expected strict or "
                 "metadata-immediate, got '"
              << model << "'\n";
    return kExitUsage;
  }
  o.model = *parsed_model;
  if (on_unmount != "persist" && on_unmount != "drop") {
    std::cerr << "faultfs mount: --on-unmount: expected persist or drop, got '"
              << on_unmount << "'\n";
    return kExitUsage;
  }
  o.persist_on_unmount = on_unmount == "persist";
  struct stat st;
  if (stat(positional[0].c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    std::cerr << "faultfs mount: backing dir '" << positional[0]
              << "' does not exist or is not a directory; create it first "
                 "(mkdir -p)\n";
    return kExitUsage;
  }
  o.backing = RealPath(positional[0]);
  if (stat(positional[1].c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    std::cerr << "faultfs mount: mountpoint '" << positional[1]
              << "' is not a directory (or not reachable: a dead mount? try "
                 "fusermount3 -u -z "
              << positional[1] << "); create it with mkdir -p\n";
    return kExitEnv;
  }
  o.mountpoint = RealPath(positional[1]);
  if (o.mountpoint == o.backing || o.mountpoint.starts_with(o.backing + "/") ||
      o.backing.starts_with(o.mountpoint + "/")) {
    std::cerr << "faultfs mount: the backing dir and the mountpoint must not "
                 "contain each other\n";
    return kExitUsage;
  }
  if (IsMountPoint(o.mountpoint)) {
    std::cerr << "faultfs mount: " << o.mountpoint
              << " is busy (already a mount point); unmount it first: "
              << "faultfs unmount " << o.mountpoint << "\n";
    return kExitEnv;
  }
  int fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fuse_fd < 0) {
    std::cerr << "faultfs mount: /dev/fuse is not usable (" << strerror(errno)
              << "): install fuse3 and load the fuse module (modprobe fuse); "
                 "in a container run with "
                 "--device /dev/fuse --cap-add SYS_ADMIN\n";
    return kExitEnv;
  }
  close(fuse_fd);
  if (!rules.empty()) {
    auto loaded = LoadRulesFile(rules);
    if (!loaded.ok()) {
      const Status& s = loaded.status();
      if (s.err() == EINVAL) {
        std::cerr << s.path() << ": " << s.message() << "\n";
      } else {
        std::cerr << "faultfs mount: " << s.ToString() << "\n";
      }
      return kExitUsage;
    }
    o.rules = *loaded;
  }
  o.control = Absolute(control);
  o.trace_file = Absolute(trace);
  o.seed = seed;
  o.foreground = vm.count("foreground") != 0 || vm.count("debug") != 0;
  o.debug = vm.count("debug") != 0;
  o.allow_other = vm.count("allow-other") != 0;
  o.backing_fsync = vm.count("no-backing-fsync") == 0;
  o.direct_io = vm.count("direct-io") != 0;
  if (!(attr_timeout >= 0 && attr_timeout <= 3600)) {
    std::cerr << "faultfs mount: --attr-timeout must be between 0 and 3600 "
                 "seconds\n";
    return kExitUsage;
  }
  if (exit_with < 0 || exit_with > 4194304 ||
      (exit_with > 0 && kill(static_cast<pid_t>(exit_with), 0) != 0 &&
       errno == ESRCH)) {
    std::cerr << "faultfs mount: --exit-with " << exit_with
              << ": no such process\n";
    return kExitUsage;
  }
  o.exit_with = static_cast<pid_t>(exit_with);
  if (trace_memory < 0 || trace_memory > (int64_t{1} << 24)) {
    std::cerr << "faultfs mount: --trace-memory must be between 0 and "
                 "16777216, got "
              << trace_memory << "\n";
    return kExitUsage;
  }
  o.trace_memory = static_cast<size_t>(trace_memory);
  o.attr_timeout = attr_timeout;
  Daemon daemon(std::move(o));
  return daemon.Run();
}

int RunUnmount(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] == "--help" || args[0] == "-h") {
    std::cerr << "usage: faultfs unmount MOUNTPOINT   (runs fusermount3 -u "
                 "MOUNTPOINT)\n";
    return args.size() == 1 ? kExitOk : kExitUsage;
  }
  pid_t pid = fork();
  if (pid == 0) {
    execlp("fusermount3", "fusermount3", "-u", args[0].c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return kExitOk;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 &&
      umount2(args[0].c_str(), 0) == 0)
    return kExitOk;
  std::cerr << "faultfs unmount: could not unmount " << args[0]
            << " (not a faultfs mount, or busy: close the files open on it, or "
               "use fusermount3 -u -z)\n";
  return kExitEnv;
}

int RunCtl(const std::vector<std::string>& args) {
  po::options_description opts("faultfs ctl --control SOCKET COMMAND [ARGS]");
  std::string control, mode;
  std::vector<std::string> positional;
  opts.add_options()("help,h", "show this help")(
      "control", po::value(&control),
      "SOCKET given to `faultfs mount --control`")(
      "mode", po::value(&mode),
      "crash mode for `crash` and `report`: drop, prefix:K, torn[:SEED], "
      "random:SEED");
  po::options_description hidden;
  hidden.add_options()("positional", po::value(&positional));
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("positional", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "faultfs ctl: " << e.what() << "\n" << opts << kCtlHelp;
    return kExitUsage;
  }
  if (vm.count("help")) {
    std::cout << opts << kCtlHelp;
    return kExitOk;
  }
  if (control.empty() || positional.empty()) {
    std::cerr << "faultfs ctl: needs --control SOCKET and a command\n"
              << opts << kCtlHelp;
    return kExitUsage;
  }
  const std::string& cmd = positional[0];
  nlohmann::json req = {{"cmd", cmd}};
  if (cmd == "inject") {
    if (positional.size() != 2) {
      std::cerr << "faultfs ctl: inject needs one RULE_JSON argument\n";
      return kExitUsage;
    }
    req["rule"] = positional[1];
  } else if (positional.size() != 1) {
    std::cerr << "faultfs ctl: unexpected argument '" << positional[1] << "'\n";
    return kExitUsage;
  }
  if (!mode.empty()) req["mode"] = mode;
  auto client = ControlClient::Connect(control);
  auto reply = client.ok() ? (*client)->RequestLine(DumpJson(req))
                           : Result<std::string>(client.status());
  if (!reply.ok()) {
    std::cerr << "faultfs ctl: " << reply.status().ToString()
              << " (is the daemon running with --control " << control << "?)\n";
    return kExitEnv;
  }
  std::cout << *reply << "\n";
  if (JsonTooDeepAt(*reply)) return kExitEnv;
  try {
    auto j = nlohmann::json::parse(*reply);
    return j.value("ok", false) ? kExitOk : kExitUsage;
  } catch (const nlohmann::json::exception&) {
    return kExitEnv;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << kUsage << "\n";
    RunMount({"--help"});
    std::cout << "\n" << kCtlHelp;
    return kExitOk;
  }
  if (cmd == "--version") {
    std::cout << crashlab::version::VersionLine("faultfs") << "\n";
    return kExitOk;
  }
  if (cmd == "mount") {
    // Unsynced data lives in 4 KiB pages on the heap: grow the heap in 16 MiB
    // steps rather than 128 KiB ones (one brk/mprotect per 4096 pages, not
    // per 32). Untouched pad costs address space, not memory.
    mallopt(M_TOP_PAD, 16 << 20);
  }
  try {
    if (cmd == "mount") return RunMount(args);
    if (cmd == "unmount" || cmd == "umount") return RunUnmount(args);
    if (cmd == "ctl") return RunCtl(args);
  } catch (const std::exception& e) {
    std::cerr << "faultfs: " << e.what() << "\n";
    return kExitEnv;
  }
  std::cerr << "faultfs: unknown command '" << cmd << "'\n" << kUsage;
  return kExitUsage;
}
