// fsmeta_bench DIR [N]: the metadata-heavy durable-write pattern storage
// engines use, N times: create NAME.tmp, write 4 KiB, fsync, close, rename
// over NAME, fsync the directory. Prints iterations per second and the mean
// latency of each step as one JSON line. Compares file systems (see
// bench/fsbench.sh); no crashlab code involved.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

double Us(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

[[noreturn]] void Die(const char* what, const std::string& path) {
  std::perror((std::string(what) + " " + path).c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fsmeta_bench DIR [N=2000]\n");
    return 2;
  }
  std::string dir = argv[1];
  int n = argc > 2 ? std::atoi(argv[2]) : 2000;
  // The directory itself is made durable first (its parent fsync'd), so on
  // faultfs the files below really reach the backing disk.
  mkdir(dir.c_str(), 0755);
  std::string parent =
      dir.find('/') == std::string::npos ? "." : dir.substr(0, dir.rfind('/'));
  int pfd = open(parent.empty() ? "/" : parent.c_str(), O_RDONLY | O_DIRECTORY);
  if (pfd < 0 || fsync(pfd) != 0) Die("fsync parent of", dir);
  close(pfd);
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd < 0) Die("open", dir);
  std::string block(4096, 'b');
  double t_create = 0, t_write = 0, t_fsync = 0, t_rename = 0, t_dirsync = 0;
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    std::string name = dir + "/f" + std::to_string(i % 64);
    std::string tmp = name + ".tmp";
    auto t0 = Clock::now();
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) Die("create", tmp);
    auto t1 = Clock::now();
    if (write(fd, block.data(), block.size()) !=
        static_cast<ssize_t>(block.size()))
      Die("write", tmp);
    auto t2 = Clock::now();
    if (fsync(fd) != 0) Die("fsync", tmp);
    close(fd);
    auto t3 = Clock::now();
    if (rename(tmp.c_str(), name.c_str()) != 0) Die("rename", tmp);
    auto t4 = Clock::now();
    if (fsync(dfd) != 0) Die("fsync dir", dir);
    auto t5 = Clock::now();
    t_create += Us(t1 - t0);
    t_write += Us(t2 - t1);
    t_fsync += Us(t3 - t2);
    t_rename += Us(t4 - t3);
    t_dirsync += Us(t5 - t4);
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "{\"iterations\": %d, \"seconds\": %.3f, \"iter_per_s\": %.1f, "
      "\"mean_us\": {\"create\": %.1f, "
      "\"write\": %.1f, \"fsync\": %.1f, \"rename\": %.1f, \"fsync_dir\": "
      "%.1f}}\n",
      n, secs, n / secs, t_create / n, t_write / n, t_fsync / n, t_rename / n,
      t_dirsync / n);
  close(dfd);
  return 0;
}
