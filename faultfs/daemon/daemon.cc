#define FUSE_USE_VERSION 312
#include "faultfs/daemon/daemon.h"

#include <fcntl.h>
#include <fuse.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>

#include "faultfs/crash_loss.h"
#include "faultfs/daemon/rules_file.h"

namespace crashlab::faultfs::daemon {
namespace {

// Every path of an image ("" is the root), parents before children.
std::vector<std::string> AllPaths(const Image& image) {
  std::vector<std::string> out{""};
  std::deque<std::pair<Ino, std::string>> queue{{kRootIno, ""}};
  std::set<Ino> seen{kRootIno};
  while (!queue.empty()) {
    auto [ino, path] = queue.front();
    queue.pop_front();
    const Node* node = image.Find(ino);
    if (node == nullptr || node->type != FileType::kDirectory) continue;
    for (const auto& [name, child] : node->entries) {
      std::string p = path.empty() ? name : path + "/" + name;
      out.push_back(p);
      if (seen.insert(child).second) queue.emplace_back(child, p);
    }
  }
  return out;
}

// The request's optional "mode" (default drop) into *mode; "" or the error.
std::string ModeField(const nlohmann::json& request, CrashMode* mode) {
  auto m = request.find("mode");
  if (m == request.end()) return "";
  if (!m->is_string())
    return "\"mode\" must be a string like \"drop\" or \"prefix:3\"";
  auto parsed = CrashMode::Parse(m->get<std::string>());
  if (!parsed.ok()) return "bad crash mode: " + parsed.status().ToString();
  *mode = *parsed;
  return "";
}

nlohmann::json Ok() { return nlohmann::json{{"ok", true}}; }
nlohmann::json Error(const std::string& message) {
  return nlohmann::json{{"ok", false}, {"error", message}};
}

}  // namespace

Daemon::~Daemon() {
  if (exit_with_fd_ >= 0) close(exit_with_fd_);
  if (trace_fd_ >= 0) close(trace_fd_);
  if (backing_fd_ >= 0) close(backing_fd_);
}

bool Daemon::ReadFaultsActive() {
  for (const auto& r : vfs_->faults().rules()) {
    if (r.action == ActionKind::kCorrupt && !r.persistent &&
        (r.op == OpKind::kRead || r.op == OpKind::kAny)) {
      return true;
    }
  }
  return false;
}

faultfs::Status Daemon::OnDurableChange(const DurableChange& change) {
  faultfs::Status st = mirror_->Apply(change);
  if (!st.ok()) {
    // The caller gets the error (fsync: ENOSPC for a full backing disk) and
    // the change stays pending in memory; the user sees why here.
    std::cerr << "faultfs: the backing dir did not store a "
              << (change.before_crash_durable != nullptr ? "crash" : "sync")
              << ": " << st.ToString()
              << (mirror_->broken()
                      ? " (the backing dir is out of sync: remount)\n"
                      : (change.before_crash_durable != nullptr
                             ? " (the mount shows what the backing dir "
                               "holds)\n"
                             : " (nothing of it became durable; it stays "
                               "pending)\n"));
  }
  if (change.before_crash_visible != nullptr) {
    ++crashes_;
    std::vector<std::string> paths = AllPaths(*change.before_crash_visible);
    PostInvalidation(std::move(paths));
  }
  return st;
}

uint64_t Daemon::PostInvalidation(std::vector<std::string> paths) {
  std::lock_guard lock(hk_mu_);
  uint64_t ticket = ++inval_posted_;
  inval_queue_.emplace_back(ticket, std::move(paths));
  hk_cv_.notify_all();
  return ticket;
}

void Daemon::WaitInvalidation(uint64_t ticket) {
  std::unique_lock lock(hk_mu_);
  hk_cv_.wait_for(lock, std::chrono::seconds(30),
                  [&] { return inval_done_ >= ticket || hk_stop_; });
}

void Daemon::HousekeeperLoop() {
  std::unique_lock lock(hk_mu_);
  while (!hk_stop_) {
    hk_cv_.wait_for(lock, std::chrono::milliseconds(250),
                    [&] { return hk_stop_ || !inval_queue_.empty(); });
    while (!inval_queue_.empty()) {
      auto [ticket, paths] = std::move(inval_queue_.front());
      inval_queue_.pop_front();
      lock.unlock();
      // Drops cached attributes and page-cache data of every path the kernel
      // may know; names are never cached (entry_timeout 0). Paths the kernel
      // never looked up just return ENOENT.
      for (const auto& p : paths)
        fuse_invalidate_path(fuse_, ("/" + p).c_str());
      lock.lock();
      inval_done_ = ticket;
      hk_cv_.notify_all();
    }
    lock.unlock();
    FlushTrace();
    if (exit_with_fd_ >= 0) {
      pollfd p{exit_with_fd_, POLLIN, 0};
      if (poll(&p, 1, 0) > 0) {
        // The owner died (SIGKILL, crash): unmount exactly as on SIGTERM.
        std::cerr << "faultfs: process " << options_.exit_with
                  << " (--exit-with) ended: unmounting\n";
        close(exit_with_fd_);
        exit_with_fd_ = -1;
        kill(getpid(), SIGTERM);
      }
    }
    lock.lock();
  }
}

void Daemon::FlushTrace() {
  if (trace_fd_ < 0) return;
  size_t first = 0;
  std::vector<TraceEntry> fresh = vfs_->TraceSince(trace_written_, &first);
  if (first > trace_written_) {
    // More than --trace-memory operations between two flushes (250 ms).
    std::cerr << "faultfs: trace file " << options_.trace_file << " misses "
              << (first - trace_written_)
              << " operations (more than --trace-memory between two "
                 "flushes)\n";
  }
  trace_written_ = first + fresh.size();
  if (fresh.empty()) return;
  // Copied into `fresh`: the in-memory ring may drop them from now on.
  vfs_->SetTraceStreamed(trace_written_);
  std::string out = TraceToJsonLines(fresh);
  const char* p = out.data();
  size_t n = out.size();
  while (n > 0) {
    ssize_t w = write(trace_fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// ---------------------------------------------------------------- control

nlohmann::json Daemon::Status() {
  SimState snap = vfs_->Snapshot();
  nlohmann::json j = Ok();
  j["pid"] = getpid();
  j["backing"] = options_.backing;
  j["mountpoint"] = options_.mountpoint;
  j["model"] = options_.model == MetadataModel::kStrict ? "strict"
                                                        : "metadata-immediate";
  j["seed"] = options_.seed;
  j["crashed"] = vfs_->crashed();
  j["ops"] = vfs_->op_count();
  j["pending"] = snap.pending.size();
  j["rules"] = vfs_->faults().rules().size();
  j["faults"] = vfs_->faults().log_count();
  j["mirror"] = {{"batches", mirror_->batches()},
                 {"steps", mirror_->steps()},
                 {"refused", mirror_->refused()},
                 {"ok", !mirror_->broken()}};
  if (mirror_->broken()) j["mirror"]["error"] = mirror_->error().ToString();
  // The latest refused batch (e.g. ENOSPC: errno, path); it stays reported
  // after the disk has room again.
  if (faultfs::Status last = mirror_->last_error(); !last.ok()) {
    j["mirror"]["last_error"] = last.ToString();
    j["mirror"]["last_errno"] = last.err();
  }
  return j;
}

nlohmann::json Daemon::Report(const CrashMode& mode) {
  SimState snap = vfs_->Snapshot();
  std::map<Ino, std::string> vis = PathIndex(snap.visible);
  std::map<Ino, std::string> dur = PathIndex(snap.durable);
  auto name_of = [&](Ino ino) {
    if (auto it = vis.find(ino); it != vis.end()) return it->second;
    if (auto it = dur.find(ino); it != dur.end())
      return it->second + " (removed)";
    return "<inode " + std::to_string(ino) + ">";
  };
  auto entry_of = [&](Ino dir, const std::string& name) {
    std::string d = name_of(dir);
    return d.empty() ? name : d + "/" + name;
  };
  std::map<Ino, nlohmann::json> files;
  nlohmann::json ns = nlohmann::json::array();
  for (const auto& op : snap.pending) {
    using K = PendingOp::Kind;
    if (op.is_data()) {
      auto& f = files[op.ino];
      if (f.is_null())
        f = {{"path", name_of(op.ino)},
             {"ino", op.ino},
             {"ranges", nlohmann::json::array()}};
      if (op.kind == K::kWrite) {
        f["ranges"].push_back({op.offset, op.bytes->size()});
      } else {
        f["truncate"] = op.size;
      }
      continue;
    }
    nlohmann::json n = {{"op_index", op.op_index}, {"ino", op.ino}};
    switch (op.kind) {
      case K::kLinkEntry:
        n["op"] = "link";
        n["path"] = entry_of(op.dir, op.name);
        break;
      case K::kUnlinkEntry:
        n["op"] = "unlink";
        n["path"] = entry_of(op.dir, op.name);
        break;
      case K::kRename:
        n["op"] = "rename";
        n["path"] = entry_of(op.dir, op.name);
        n["dest"] = entry_of(op.dir2, op.name2);
        break;
      default:
        break;
    }
    nlohmann::json needs = nlohmann::json::array();
    for (Ino d : op.needs) needs.push_back(name_of(d));
    n["needs_fsync_of"] = needs;
    ns.push_back(n);
  }
  nlohmann::json fl = nlohmann::json::array();
  for (auto& [ino, f] : files) fl.push_back(f);
  nlohmann::json j = Ok();
  j["files"] = fl;
  j["namespace"] = ns;
  j["lost_at_next_crash"] = nlohmann::json::array();
  for (Ino ino : snap.lost) j["lost_at_next_crash"].push_back(name_of(ino));
  // What a crash in `mode` would take now, per file (crash_loss.h), and
  // what the last crash took.
  CrashLoss now = ExplainCrash(snap, mode);
  j["if_crash"] = now.ToJson();
  j["if_crash"]["lines"] = DescribeCrashLoss(now);
  auto last = vfs_->LastCrashLoss();
  j["last_crash"] = last ? last->ToJson() : nlohmann::json(nullptr);
  return j;
}

nlohmann::json Daemon::HandleControl(const nlohmann::json& request) {
  auto cmd_it = request.find("cmd");
  if (cmd_it == request.end() || !cmd_it->is_string()) {
    return Error(
        "missing \"cmd\" (one of status, inject, clear, crash, restart, sync, "
        "report, trace, faults, damage)");
  }
  const std::string cmd = *cmd_it;
  if (cmd == "status") return Status();
  if (cmd == "inject") {
    auto r = request.find("rule");
    if (r == request.end())
      return Error("inject needs \"rule\": a rule object or its JSON text");
    auto rule = r->is_string() ? FaultRule::Parse(r->get<std::string>(), "rule")
                               : FaultRule::FromJson(*r, "rule");
    if (!rule.ok()) return Error("bad rule: " + rule.status().ToString());
    if (faultfs::Status st = CheckDaemonRule(*rule); !st.ok())
      return Error("bad rule: " + st.ToString());
    vfs_->faults().Add(*rule);
    nlohmann::json j = Ok();
    j["rules"] = vfs_->faults().rules().size();
    j["faults"] = vfs_->faults().log_count();
    return j;
  }
  if (cmd == "faults") return Faults(request);
  if (cmd == "damage") return Damage(request);
  if (cmd == "clear") {
    vfs_->faults().Clear();
    return Ok();
  }
  if (cmd == "crash") {
    CrashMode mode;
    if (std::string why = ModeField(request, &mode); !why.empty())
      return Error(why);
    uint64_t refused = mirror_->refused();
    vfs_->Crash(mode);
    uint64_t ticket;
    {
      std::lock_guard lock(hk_mu_);
      ticket = inval_posted_;
    }
    WaitInvalidation(
        ticket);  // the reply means: processes now see the post-crash state
    nlohmann::json j = Ok();
    j["mode"] = mode.ToString();
    // What this crash took, per file (crash_loss.h).
    if (auto loss = vfs_->LastCrashLoss()) j["loss"] = loss->ToJson();
    if (mirror_->broken())
      return Error("crash applied in memory but the backing dir failed: " +
                   mirror_->error().ToString());
    if (mirror_->refused() != refused) {
      return Error("the backing dir could not store the " + mode.ToString() +
                   " crash state (" + mirror_->last_error().ToString() +
                   "): the mount shows the durable state it holds, as after "
                   "a drop crash");
    }
    return j;
  }
  if (cmd == "restart") {
    vfs_->Restart();
    return Ok();
  }
  if (cmd == "sync") {
    faultfs::Status st = vfs_->SyncAll();
    if (!st.ok()) return Error("sync failed: " + st.ToString());
    if (mirror_->broken())
      return Error("backing dir: " + mirror_->error().ToString());
    return Ok();
  }
  if (cmd == "report") {
    CrashMode mode;
    if (std::string why = ModeField(request, &mode); !why.empty())
      return Error(why);
    return Report(mode);
  }
  if (cmd == "trace") {
    nlohmann::json j = Ok();
    j["trace"] = nlohmann::json::array();
    for (const auto& e : vfs_->trace()) j["trace"].push_back(e.ToJson());
    j["faults"] = nlohmann::json::array();
    std::vector<InjectedFault> log = vfs_->faults().log();
    for (const auto& f : log) j["faults"].push_back(f.ToJson());
    // Only the latest --trace-memory entries are kept: how many came before.
    j["trace_dropped"] = vfs_->trace_dropped();
    j["faults_dropped"] = vfs_->faults().log_count() - log.size();
    return j;
  }
  return Error("unknown command \"" + cmd +
               "\" (one of status, inject, clear, crash, restart, sync, "
               "report, trace, faults, damage)");
}

nlohmann::json Daemon::Faults(const nlohmann::json& request) {
  uint64_t since = 0;
  if (auto it = request.find("since"); it != request.end()) {
    if (!it->is_number_unsigned())
      return Error("\"since\" must be a non-negative integer");
    since = it->get<uint64_t>();
  }
  bool clear = false;
  if (auto it = request.find("clear"); it != request.end()) {
    if (!it->is_boolean()) return Error("\"clear\" must be a boolean");
    clear = it->get<bool>();
  }
  if (clear) vfs_->faults().Clear();
  // `since` and `count` number every fault recorded; only the latest
  // --trace-memory are still in memory ("dropped": how many are gone).
  std::vector<InjectedFault> log = vfs_->faults().log();
  uint64_t count = vfs_->faults().log_count();
  uint64_t first = count - log.size();
  nlohmann::json j = Ok();
  j["count"] = count;
  j["dropped"] = first;
  j["faults"] = nlohmann::json::array();
  for (uint64_t i = std::max(since, first); i < count; ++i)
    j["faults"].push_back(log[i - first].ToJson());
  return j;
}

nlohmann::json Daemon::Damage(const nlohmann::json& request) {
  auto ino = request.find("ino");
  if (ino == request.end() || !ino->is_number_unsigned())
    return Error("damage needs \"ino\": an inode number");
  auto r = request.find("rule");
  if (r == request.end())
    return Error(
        "damage needs \"rule\": a lose, truncate or persistent corrupt rule");
  auto rule = FaultRule::FromJson(*r, "rule");
  if (!rule.ok()) return Error("bad rule: " + rule.status().ToString());
  std::vector<uint64_t> draws;
  if (auto d = request.find("draws"); d != request.end()) {
    if (!d->is_array())
      return Error("\"draws\" must be an array of non-negative integers");
    for (const auto& v : *d) {
      if (!v.is_number_unsigned())
        return Error("\"draws\" must be an array of non-negative integers");
      draws.push_back(v.get<uint64_t>());
    }
  }
  auto detail = vfs_->ApplyDamage(ino->get<uint64_t>(), *rule, draws);
  if (!detail.ok()) return Error("damage: " + detail.status().ToString());
  if (!detail->empty() && rule->action != ActionKind::kLose) {
    // Size and content changed behind the kernel's back: drop what it cached
    // (attributes, pages) before replying, as after a crash.
    WaitInvalidation(PostInvalidation(AllPaths(vfs_->Snapshot().visible)));
  }
  if (mirror_->broken())
    return Error("damage applied in memory but the backing dir failed: " +
                 mirror_->error().ToString());
  nlohmann::json j = Ok();
  j["detail"] = *detail;
  return j;
}

// ---------------------------------------------------------------- run

int Daemon::Run() {
  std::string replay;
  auto mirror = BackingMirror::Open(options_.backing,
                                    {.fsync = options_.backing_fsync}, &replay);
  if (!mirror.ok()) {
    std::cerr << "faultfs: cannot use backing dir: "
              << mirror.status().ToString() << "\n";
    return kExitEnv;
  }
  mirror_ = std::move(mirror).value();
  if (!replay.empty()) std::cerr << replay << "\n";
  std::vector<std::string> skipped;
  auto state = mirror_->Load(&skipped);
  if (!state.ok()) {
    std::cerr << "faultfs: cannot load backing dir: "
              << state.status().ToString() << "\n";
    return kExitEnv;
  }
  for (const auto& s : skipped)
    std::cerr << "faultfs: skipped " << s
              << " (not a file, directory or symlink)\n";
  backing_fd_ =
      open(options_.backing.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  vfs_ = std::make_unique<SimVfs>(
      SimVfs::Options{.model = options_.model,
                      .seed = options_.seed,
                      .trace_limit = options_.trace_memory,
                      .close_errors = false,
                      .explain_crashes = true},
      std::move(state).value());
  vfs_->faults().SetLogLimit(options_.trace_memory);
  for (const auto& r : options_.rules) vfs_->faults().Add(r);
  vfs_->SetDurableListener(
      [this](const DurableChange& c) { return OnDurableChange(c); });
  if (!options_.trace_file.empty()) {
    trace_fd_ = open(options_.trace_file.c_str(),
                     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (trace_fd_ < 0) {
      std::cerr << "faultfs: cannot open trace file " << options_.trace_file
                << ": " << strerror(errno) << "\n";
      return kExitUsage;
    }
    // The file gets every operation: the ring keeps what is not written yet.
    vfs_->SetTraceStreamed(0);
  }
  if (!options_.control.empty()) {
    auto control = ControlServer::Listen(options_.control);
    if (!control.ok()) {
      std::cerr << "faultfs: control socket: " << control.status().ToString()
                << "\n";
      // An unsafe directory or a path too long: the --control value is bad.
      int err = control.status().err();
      return err == EPERM || err == EINVAL ? kExitUsage : kExitEnv;
    }
    control_ = std::move(control).value();
  }

  std::vector<std::string> argv_s = {
      "faultfs", "-o", "default_permissions,fsname=faultfs,subtype=faultfs"};
  if (options_.allow_other) argv_s.back() += ",allow_other";
  if (options_.debug) argv_s.push_back("-d");
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  fuse_ =
      fuse_new(&args, static_cast<const fuse_operations*>(FaultfsOperations()),
               sizeof(fuse_operations), this);
  fuse_opt_free_args(&args);
  if (fuse_ == nullptr) {
    std::cerr << "faultfs: libfuse refused the mount options\n";
    return kExitUsage;
  }
  if (fuse_mount(fuse_, options_.mountpoint.c_str()) != 0) {
    std::cerr << "faultfs: mounting on " << options_.mountpoint
              << " failed: check that /dev/fuse exists and is usable, that "
                 "fusermount3 is installed "
                 "(apt-get install fuse3), and that the mountpoint is not busy "
                 "(fusermount3 -u "
              << options_.mountpoint << ")"
              << (options_.allow_other
                      ? "; --allow-other needs user_allow_other in "
                        "/etc/fuse.conf for non-root users"
                      : "")
              << "\n";
    fuse_destroy(fuse_);
    fuse_ = nullptr;
    return kExitEnv;
  }
  fuse_session* se = fuse_get_session(fuse_);
  if (fuse_set_signal_handlers(se) != 0) {
    std::cerr << "faultfs: cannot install signal handlers\n";
  }
  if (!options_.foreground) {
    // Forks; the parent exits 0 once the child runs. Threads start after.
    if (fuse_daemonize(0) != 0) {
      std::cerr << "faultfs: cannot daemonize\n";
      fuse_unmount(fuse_);
      fuse_destroy(fuse_);
      return kExitEnv;
    }
    // The lock (flock) went to the child with the descriptor: name it.
    if (faultfs::Status st = mirror_->RecordOwner(getpid()); !st.ok())
      std::cerr << "faultfs: " << st.ToString() << "\n";
  }
  if (options_.exit_with > 0) {
    exit_with_fd_ =
        static_cast<int>(syscall(SYS_pidfd_open, options_.exit_with, 0));
    if (exit_with_fd_ < 0) {
      std::cerr << "faultfs: --exit-with " << options_.exit_with << ": "
                << strerror(errno) << "; unmounting\n";
      kill(getpid(), SIGTERM);
    }
  }
  housekeeper_ = std::thread([this] { HousekeeperLoop(); });
  if (control_)
    control_->Start(
        [this](const nlohmann::json& req) { return HandleControl(req); });

  fuse_loop_config* cfg = fuse_loop_cfg_create();
  fuse_loop_cfg_set_clone_fd(cfg, 0);
  fuse_loop_cfg_set_max_threads(cfg, 16);
  int rc = fuse_loop_mt(fuse_, cfg);
  fuse_loop_cfg_destroy(cfg);
  bool persist_failed = false;
  if (options_.persist_on_unmount) {
    // --on-unmount persist: everything becomes durable, as a real file
    // system writes back its caches when it is unmounted.
    faultfs::Status st = vfs_->SyncAll();
    if (!st.ok()) {
      std::cerr << "faultfs: --on-unmount persist: sync failed: "
                << st.ToString() << "\n";
      persist_failed = true;
    }
  }

  if (control_) control_->Stop();
  {
    std::lock_guard lock(hk_mu_);
    hk_stop_ = true;
    hk_cv_.notify_all();
  }
  housekeeper_.join();
  FlushTrace();
  fuse_remove_signal_handlers(se);
  fuse_unmount(fuse_);
  fuse_destroy(fuse_);
  fuse_ = nullptr;
  control_.reset();
  vfs_->SetDurableListener(nullptr);
  if (mirror_->broken()) {
    std::cerr << "faultfs: the backing dir fell out of sync: "
              << mirror_->error().ToString() << "\n";
    return kExitEnv;
  }
  if (persist_failed) return kExitEnv;
  return rc == 0 ? kExitOk : kExitOk;  // a signal ends the loop with rc != 0:
                                       // still a clean unmount
}

}  // namespace crashlab::faultfs::daemon
