// Engine benchmarks on a native directory (PosixVfs): put throughput with
// group commit, checkpoint time and size (full vs incremental), recovery
// time. Prints a Markdown table for BENCHMARKS.md.
//   engine_bench [--dir DIR] [--keys 100000,1000000] [--puts N]
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "faultfs/posix_vfs.h"

using namespace crashlab;  // NOLINT: a main file
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a) {
  return std::chrono::duration<double>(Clock::now() - a).count();
}

void Check(const faultfs::Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "engine_bench: %s: %s\n", what, st.ToString().c_str());
    std::exit(3);
  }
}

std::string FreshDir(const std::string& base, const std::string& name) {
  std::string d = base + "/" + name;
  std::string cmd = "rm -rf '" + d + "'";
  if (std::system(cmd.c_str()) != 0) std::exit(3);
  if (::mkdir(d.c_str(), 0755) != 0) std::exit(3);
  return d;
}

std::string Key(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%012llu",
                static_cast<unsigned long long>(i));
  return buf;
}

engine::Options BenchOptions() {
  engine::Options o;
  o.partitions = 8;
  o.max_retained = 2;
  return o;
}

void PutThroughput(const std::string& base, uint64_t puts) {
  std::printf(
      "\n### Put throughput (100-byte values, %llu puts, Sync at the end)\n\n",
      static_cast<unsigned long long>(puts));
  std::printf("| group size | puts/s | fdatasyncs |\n|---:|---:|---:|\n");
  for (uint32_t group : {1u, 16u, 128u, 1024u}) {
    uint64_t n =
        group == 1 ? puts / 20 : puts;  // one fdatasync per put is slow
    auto vfs = faultfs::PosixVfs::Create(FreshDir(base, "put"));
    Check(vfs.status(), "vfs");
    engine::Options o = BenchOptions();
    o.wal_group_size = group;
    auto e = engine::Engine::Open(**vfs, "", o);
    Check(e.status(), "open");
    std::string value(100, 'v');
    auto t = Clock::now();
    for (uint64_t i = 0; i < n; ++i)
      Check((*e)->Put(Key(i), value).status(), "put");
    Check((*e)->Sync(), "sync");
    double s = Seconds(t);
    std::printf("| %u | %.0f | %llu |\n", group, n / s,
                static_cast<unsigned long long>((n + group - 1) / group));
    Check((*e)->Close(), "close");
  }
}

uint64_t DirBytes(const std::string& dir) {
  std::string cmd = "du -sb '" + dir + "' | cut -f1";
  FILE* p = popen(cmd.c_str(), "r");
  unsigned long long v = 0;
  if (p) {
    if (std::fscanf(p, "%llu", &v) != 1) v = 0;
    pclose(p);
  }
  return v;
}

void CheckpointAndRecovery(const std::string& base, uint64_t keys) {
  std::string dir = FreshDir(base, "ckpt");
  auto vfs = faultfs::PosixVfs::Create(dir);
  Check(vfs.status(), "vfs");
  engine::Options o = BenchOptions();
  o.wal_group_size = 1024;
  o.wal_segment_bytes = 64u << 20;
  double full_s = 0, incr_s = 0, load_s = 0;
  uint64_t full_b = 0, incr_b = 0;
  {
    auto e = engine::Engine::Open(**vfs, "", o);
    Check(e.status(), "open");
    std::string value(100, 'v');
    auto t = Clock::now();
    for (uint64_t i = 0; i < keys; ++i)
      Check((*e)->Put(Key(i), value).status(), "put");
    Check((*e)->Sync(), "sync");
    load_s = Seconds(t);
    t = Clock::now();
    auto c1 = (*e)->Checkpoint(engine::CheckpointKind::kFull);
    Check(c1.status(), "full checkpoint");
    full_s = Seconds(t);
    full_b = c1->info.bytes_written;
    // Touch 1% of the keys, spread over all partitions.
    for (uint64_t i = 0; i < keys; i += 100)
      Check((*e)->Put(Key(i), "changed").status(), "put");
    t = Clock::now();
    auto c2 = (*e)->Checkpoint(engine::CheckpointKind::kIncremental);
    Check(c2.status(), "incremental checkpoint");
    incr_s = Seconds(t);
    incr_b = c2->info.bytes_written;
    // A WAL tail of 10% of the keys to replay.
    for (uint64_t i = 0; i < keys / 10; ++i)
      Check((*e)->Put(Key(i), "tail").status(), "put");
    Check((*e)->Sync(), "sync");
    Check((*e)->Close(), "close");
  }
  auto t = Clock::now();
  engine::RecoveryResult res;
  auto e = engine::Engine::Open(**vfs, "", o, &res);
  Check(e.status(), "recover");
  double rec_s = Seconds(t);
  std::printf(
      "| %llu | %.2f | %.3f | %.1f | %.3f | %.2f | %.3f | %llu | %.1f |\n",
      static_cast<unsigned long long>(keys), load_s, full_s, full_b / 1e6,
      incr_s, incr_b / 1e6, rec_s,
      static_cast<unsigned long long>(res.records_replayed),
      DirBytes(dir) / 1e6);
}

// The checkpoint log and HEAD: what a small checkpoint costs (its log append
// and HEAD replace included), and what Open pays to rebuild the index from a
// log of `records` records and check it against the catalog, before and
// after compaction.
void CheckpointLogCost(const std::string& base, uint64_t records) {
  std::string dir = FreshDir(base, "log");
  auto vfs = faultfs::PosixVfs::Create(dir);
  Check(vfs.status(), "vfs");
  engine::Options o = BenchOptions();
  o.checkpoint_log_max_bytes = 0;  // let it grow; compacted by hand below
  double ckpt_s = 0, open_s = 0, compact_s = 0, open2_s = 0;
  uint64_t log_before = 0, log_after = 0;
  {
    auto e = engine::Engine::Open(**vfs, "", o);
    Check(e.status(), "open");
    auto t = Clock::now();
    for (uint64_t i = 0; i < records; ++i) {
      Check((*e)->Put(Key(i % 100), "v").status(), "put");
      Check((*e)->Checkpoint().status(), "checkpoint");
    }
    ckpt_s = Seconds(t) / records;
    log_before = (*e)->checkpoint_log().size();
    Check((*e)->Close(), "close");
  }
  {
    auto t = Clock::now();
    engine::RecoveryResult res;
    auto e = engine::Engine::Open(**vfs, "", o, &res);
    Check(e.status(), "recover");
    open_s = Seconds(t);
    t = Clock::now();
    auto c = (*e)->CompactCheckpointLog();
    Check(c.status(), "compact");
    compact_s = Seconds(t);
    log_after = c->records_after;
    Check((*e)->Close(), "close");
  }
  auto t = Clock::now();
  auto e = engine::Engine::Open(**vfs, "", o);
  Check(e.status(), "recover");
  open2_s = Seconds(t);
  std::printf("| %llu | %.2f | %llu | %.2f | %.2f | %llu | %.2f |\n",
              static_cast<unsigned long long>(records), ckpt_s * 1e3,
              static_cast<unsigned long long>(log_before), open_s * 1e3,
              compact_s * 1e3, static_cast<unsigned long long>(log_after),
              open2_s * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  std::string base = "/tmp/crashlab-engine-bench";
  std::vector<uint64_t> key_counts = {100000, 1000000};
  uint64_t puts = 200000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dir") {
      base = argv[i + 1];
    } else if (a == "--puts") {
      puts = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (a == "--keys") {
      key_counts.clear();
      std::string s = argv[i + 1];
      for (size_t p = 0; p < s.size();) {
        size_t c = s.find(',', p);
        key_counts.push_back(
            std::strtoull(s.substr(p, c - p).c_str(), nullptr, 10));
        p = c == std::string::npos ? s.size() : c + 1;
      }
    } else {
      std::fprintf(stderr,
                   "usage: engine_bench [--dir DIR] [--keys N,N] [--puts N]\n");
      return 2;
    }
  }
  ::mkdir(base.c_str(), 0755);
  PutThroughput(base, puts);
  std::printf(
      "\n### Checkpoint and recovery (8 partitions, 100-byte values; "
      "incremental after "
      "changing 1%% of keys; recovery = verify + load newest checkpoint + "
      "replay a "
      "WAL tail of 10%% of keys)\n\n");
  std::printf(
      "| keys | load s | full ckpt s | full MB | incr ckpt s | incr MB | "
      "recovery s | "
      "records replayed | dir MB "
      "|\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (uint64_t k : key_counts) CheckpointAndRecovery(base, k);
  std::printf(
      "\n### Checkpoint log and HEAD (8 partitions, one changed key per "
      "checkpoint, max_retained 2, log compaction off until the end)\n\n");
  std::printf(
      "| checkpoints | ms per checkpoint | log records | open ms | compact ms "
      "| records after | open ms after "
      "|\n|---:|---:|---:|---:|---:|---:|---:|\n");
  for (uint64_t n : {100u, 1000u}) CheckpointLogCost(base, n);
  std::string cmd = "rm -rf '" + base + "'";
  return std::system(cmd.c_str()) == 0 ? 0 : 3;
}
