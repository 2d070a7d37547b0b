#include "harness/exec/exec_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "harness/mount/fuse_mount.h"

extern char** environ;

namespace crashlab::harness {
namespace {

using Clock = std::chrono::steady_clock;

// Keeps the head and the tail of a stream, counting what falls between.
class BoundedText {
 public:
  explicit BoundedText(size_t limit)
      : head_limit_(limit / 4), tail_limit_(limit - limit / 4) {}
  void Append(const char* data, size_t n) {
    size_t take =
        std::min(n, head_limit_ - std::min(head_limit_, head_.size()));
    head_.append(data, take);
    data += take;
    n -= take;
    if (n == 0) return;
    tail_.append(data, n);
    if (tail_.size() > tail_limit_) {
      size_t drop = tail_.size() - tail_limit_;
      cut_ += drop;
      tail_.erase(0, drop);
    }
  }
  std::string Text() const {
    if (cut_ == 0) return head_ + tail_;
    return head_ + "\n[... " + std::to_string(cut_) + " bytes cut ...]\n" +
           tail_;
  }

 private:
  size_t head_limit_, tail_limit_;
  std::string head_, tail_;
  uint64_t cut_ = 0;
};

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd) {
      if (f >= 0) ::close(f);
    }
  }
  void CloseWrite() {
    if (fd[1] >= 0) ::close(fd[1]);
    fd[1] = -1;
  }
};

std::vector<std::string> Environment(
    const std::vector<std::pair<std::string, std::string>>& extra) {
  std::map<std::string, std::string> env;
  std::vector<std::string> order;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string k = kv.substr(0, eq);
    if (!env.count(k)) order.push_back(k);
    env[k] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) {
    if (!env.count(k)) order.push_back(k);
    env[k] = v;
  }
  std::vector<std::string> out;
  for (const auto& k : order) out.push_back(k + "=" + env[k]);
  return out;
}

// Reads what is available on the open fds; returns false when all are at EOF.
bool Drain(int* fds, BoundedText* texts[2], int timeout_ms) {
  pollfd p[2];
  int n = 0;
  int which[2];
  for (int i = 0; i < 2; ++i) {
    if (fds[i] < 0) continue;
    p[n] = pollfd{.fd = fds[i], .events = POLLIN, .revents = 0};
    which[n++] = i;
  }
  if (n == 0) return false;
  int rc = ::poll(p, n, timeout_ms);
  if (rc <= 0) return true;
  char buf[8192];
  for (int k = 0; k < n; ++k) {
    if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t got = ::read(fds[which[k]], buf, sizeof(buf));
    if (got > 0) {
      texts[which[k]]->Append(buf, static_cast<size_t>(got));
    } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
      ::close(fds[which[k]]);
      fds[which[k]] = -1;
    }
  }
  return fds[0] >= 0 || fds[1] >= 0;
}

constexpr char kTokenVar[] = "CRASHLAB_EXEC_TOKEN";

std::string NewToken() {
  static std::atomic<uint64_t> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

// Whole small /proc file ("" when the process is gone or unreadable).
std::string ReadProcFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

namespace {

bool HasToken(const std::string& env, const std::string& needle) {
  size_t at = 0;
  while (at < env.size()) {
    size_t end = env.find('\0', at);
    if (end == std::string::npos) end = env.size();
    if (env.compare(at, end - at, needle) == 0) return true;
    at = end + 1;
  }
  return false;
}

bool Under(const std::string& path, const std::vector<std::string>& roots) {
  for (const auto& r : roots) {
    if (r.empty()) continue;
    if (path.compare(0, r.size(), r) == 0 &&
        (path.size() == r.size() || path[r.size()] == '/' ||
         path.compare(r.size(), 10, " (deleted)") == 0))
      return true;
  }
  return false;
}

std::string Link(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// cwd, root or an open file of /proc/PID under one of the roots.
bool UsesPaths(const std::string& proc, const std::vector<std::string>& roots) {
  if (roots.empty()) return false;
  if (Under(Link(proc + "/cwd"), roots)) return true;
  std::string root = Link(proc + "/root");
  if (root != "/" && Under(root, roots)) return true;
  DIR* d = ::opendir((proc + "/fd").c_str());
  if (d == nullptr) return false;  // gone, or not ours to read
  bool found = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (Under(Link(proc + "/fd/" + e->d_name), roots)) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

}  // namespace

faultfs::Result<std::vector<std::string>> KillLeftovers(
    const std::string& token, const std::vector<std::string>& owned_paths,
    const std::vector<int>& exclude_pids, uint64_t wait_ms) {
  const std::string needle = std::string(kTokenVar) + "=" + token;
  const pid_t self = ::getpid();
  std::set<pid_t> killed;
  std::vector<std::string> names;
  auto deadline = Clock::now() + std::chrono::milliseconds(wait_ms);
  while (true) {
    DIR* d = ::opendir("/proc");
    if (d == nullptr)
      return faultfs::Status::IoError(errno, "/proc",
                                      "listing processes to kill the ones a "
                                      "command left behind");
    std::vector<pid_t> alive;
    while (dirent* e = ::readdir(d)) {
      if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
      pid_t pid = static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10));
      if (pid <= 1 || pid == self ||
          std::find(exclude_pids.begin(), exclude_pids.end(), pid) !=
              exclude_pids.end())
        continue;
      std::string proc = "/proc/" + std::string(e->d_name);
      // A process that exited (a zombie included) has no environment, no
      // cwd and no files left: it is never matched.
      if (!HasToken(ReadProcFile(proc + "/environ"), needle) &&
          !UsesPaths(proc, owned_paths))
        continue;
      alive.push_back(pid);
      if (killed.insert(pid).second) {
        std::string comm = ReadProcFile(proc + "/comm");
        while (!comm.empty() && comm.back() == '\n') comm.pop_back();
        names.push_back((comm.empty() ? "?" : comm) + " (pid " +
                        std::to_string(pid) + ")");
      }
      ::kill(pid, SIGKILL);
    }
    ::closedir(d);
    if (alive.empty()) return names;
    if (Clock::now() >= deadline) {
      std::string which;
      for (pid_t p : alive)
        which += (which.empty() ? "" : ", ") + std::to_string(p);
      return faultfs::Status::IoError(
          ESRCH, "/proc",
          "process(es) " + which +
              " left behind by the command survive SIGKILL for " +
              std::to_string(wait_ms) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string ProcessResult::Describe(uint64_t timeout_ms) const {
  if (timed_out)
    return "timed out after " + std::to_string(timeout_ms) +
           " ms (process group killed)";
  if (stopped) return "killed at the power cut";
  if (exit_code >= 0) return "exit " + std::to_string(exit_code);
  return "killed by signal " + std::to_string(signal) + " (" +
         strsignal(signal) + ")";
}

std::string TailLines(const std::string& text, size_t max_lines) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(
        start, nl == std::string::npos ? std::string::npos : nl - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos)
      lines.push_back(line);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  std::string out;
  size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (size_t i = from; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

faultfs::Result<ProcessResult> RunProcess(const ProcessSpec& spec) {
  if (spec.argv.empty())
    return faultfs::Status::InvalidArgument("", "no command to run");
  Pipe out_pipe, err_pipe;
  if (::pipe2(out_pipe.fd, O_CLOEXEC) != 0 ||
      ::pipe2(err_pipe.fd, O_CLOEXEC) != 0) {
    return faultfs::Status::IoError(errno, "",
                                    "creating a pipe for the command's output");
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe.fd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe.fd[1], 2);
  if (!spec.cwd.empty())
    posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string token = NewToken();
  auto extra = spec.env;
  extra.emplace_back(kTokenVar, token);
  std::vector<std::string> env = Environment(extra);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  auto t0 = Clock::now();
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ProcessResult r;
  if (rc != 0) {
    // Like a shell: 127 not found, 126 found but not runnable. A bad cwd
    // (the mount gone) is an error of the run, not of the command.
    if (!spec.cwd.empty() && ::access(spec.cwd.c_str(), X_OK) != 0) {
      return faultfs::Status::IoError(errno, spec.cwd,
                                      "cannot enter the working directory");
    }
    r.exit_code = (rc == ENOENT || rc == ENOTDIR) ? 127 : 126;
    r.err = "crashlab: cannot execute '" + spec.argv[0] +
            "': " + faultfs::ErrnoName(rc) + " (" + strerror(rc) + ")\n";
    return r;
  }
  RegisterChild(pid);
  out_pipe.CloseWrite();
  err_pipe.CloseWrite();
  int fds[2] = {out_pipe.fd[0], err_pipe.fd[0]};
  out_pipe.fd[0] = err_pipe.fd[0] = -1;  // owned by fds now
  BoundedText out_text(spec.output_limit), err_text(spec.output_limit);
  BoundedText* texts[2] = {&out_text, &err_text};
  auto deadline = t0 + std::chrono::milliseconds(spec.timeout_ms);
  auto next_stop_check = t0;
  int status = 0;
  bool exited = false;
  while (!exited) {
    auto now = Clock::now();
    int wait_ms = static_cast<int>(std::clamp<int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)
            .count(),
        0, static_cast<int64_t>(spec.poll_ms)));
    if (!Drain(fds, texts, wait_ms) && wait_ms > 0) {
      // Both streams closed (the command may still run): just wait a little.
      ::usleep(static_cast<useconds_t>(wait_ms) * 1000);
    }
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      exited = true;
      break;
    }
    now = Clock::now();
    if (now >= deadline) {
      r.timed_out = true;
    } else if (spec.stop && now >= next_stop_check) {
      next_stop_check = now + std::chrono::milliseconds(spec.poll_ms);
      r.stopped = spec.stop();
    }
    if (r.timed_out || r.stopped) {
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      exited = true;
    }
  }
  // The command is gone; so is anything it left running in its group.
  ::kill(-pid, SIGKILL);
  UnregisterChild(pid);
  // And whatever left the group (setsid daemons): found by the token.
  auto escaped =
      KillLeftovers(token, spec.owned_paths, spec.exclude_pids, 5000);
  if (escaped.ok()) {
    r.escaped = std::move(*escaped);
  } else {
    r.escape_error = escaped.status().ToString();
  }
  // Whatever is still buffered in the pipes (bounded: a process that left
  // the group may hold them open).
  auto drain_until = Clock::now() + std::chrono::milliseconds(200);
  while (Clock::now() < drain_until && Drain(fds, texts, 20)) {
  }
  for (int f : fds) {
    if (f >= 0) ::close(f);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  r.out = out_text.Text();
  r.err = err_text.Text();
  return r;
}

}  // namespace crashlab::harness
