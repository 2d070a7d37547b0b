// Crash-and-restore cycles per second of the simulator on a small tree.
// A cycle: snapshot the state, build the post-crash image of one crash mode,
// start a SimVfs on it and read one file back (what the harness does at
// every crash point before running recovery).
//
// Usage: sim_bench [files=64] [file_size=4096] [pending_writes=32] [seconds=2]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "faultfs/sim_vfs.h"

namespace {

using crashlab::faultfs::CrashMode;
using crashlab::faultfs::SimState;
using crashlab::faultfs::SimVfs;

void Check(const crashlab::faultfs::Status& st) {
  if (!st.ok()) {
    std::fprintf(stderr, "sim_bench: %s\n", st.ToString().c_str());
    std::exit(1);
  }
}

double CyclesPerSecond(const SimState& state, const CrashMode& mode,
                       double seconds, size_t& cycles) {
  auto start = std::chrono::steady_clock::now();
  cycles = 0;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      SimState copy = state;  // snapshot
      SimState post;
      post.durable = post.visible = copy.PostCrash(mode);
      post.next_ino = copy.next_ino;
      SimVfs vfs(SimVfs::Options{.record_trace = false}, std::move(post));
      auto data = crashlab::faultfs::ReadFile(vfs, "d0/f0");
      if (!data.ok() && data.status().err() != ENOENT) Check(data.status());
      ++cycles;
    }
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (elapsed >= seconds) return static_cast<double>(cycles) / elapsed;
  }
}

// Built with append() rather than operator+ to dodge a GCC 12 -Wrestrict
// false positive (GCC bug 105329).
std::string Name(const char* prefix, int n) {
  std::string out(prefix);
  out.append(std::to_string(n));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int files = argc > 1 ? std::atoi(argv[1]) : 64;
  int file_size = argc > 2 ? std::atoi(argv[2]) : 4096;
  int pending_writes = argc > 3 ? std::atoi(argv[3]) : 32;
  double seconds = argc > 4 ? std::atof(argv[4]) : 2.0;

  SimVfs vfs;
  for (int d = 0; d < 4; ++d) Check(vfs.Mkdir(Name("d", d)));
  for (int i = 0; i < files; ++i) {
    std::string path = Name("d", i % 4) + Name("/f", i / 4);
    Check(crashlab::faultfs::WriteFile(
        vfs, path, std::string(file_size, 'a' + i % 26), true));
  }
  Check(vfs.SyncAll());
  // Pending state: unsynced overwrites, a rename and a create.
  for (int i = 0; i < pending_writes; ++i) {
    auto f = vfs.Open(Name("d", i % 4) + Name("/f", i / 4 % (files / 4 + 1)),
                      crashlab::faultfs::OpenOptions::ReadWrite());
    if (!f.ok()) continue;
    Check(
        crashlab::faultfs::WriteAll(**f, 512 * (i % 8), std::string(512, 'z')));
    Check((*f)->Close());
  }
  Check(vfs.Rename("d1/f0", "d2/renamed"));
  Check(crashlab::faultfs::WriteFile(vfs, "d3/new", "fresh", false));
  SimState state = vfs.Snapshot();

  std::printf("tree: %d files x %d bytes, %zu pending ops\n", files, file_size,
              state.pending.size());
  for (const char* m : {"drop", "prefix:16", "torn:1", "random:7"}) {
    size_t cycles = 0;
    double rate = CyclesPerSecond(state, *CrashMode::Parse(m), seconds, cycles);
    std::printf("%-10s %10.0f crash-and-restore cycles/s (%zu cycles)\n", m,
                rate, cycles);
  }
  return 0;
}
