// Fuzz target: WAL segment bytes. DecodeFrame walks the frames (with and
// without CRC checks) and every decoded record re-encodes to the same
// frame; ScanSegment/ReadWal over a segment holding the bytes report a
// clean, torn or corrupt tail without crashing.
#include "engine/layout.h"
#include "engine/wal_reader.h"
#include "engine/wal_record.h"
#include "faultfs/sim_vfs.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;  // NOLINT
  std::string_view bytes = fuzz::AsText(data, size);
  for (bool check_crc : {true, false}) {
    std::string_view rest = bytes;
    while (!rest.empty()) {
      engine::WalRecord r;
      size_t n = 0;
      auto st = engine::DecodeFrame(rest, check_crc, &r, &n);
      if (st != engine::FrameStatus::kOk) break;
      FUZZ_CHECK(n > 0 && n <= rest.size());
      if (check_crc) {
        std::string enc;
        engine::EncodeRecord(r, &enc);
        FUZZ_CHECK(enc == rest.substr(0, n));
      }
      rest.remove_prefix(n);
    }
  }
  faultfs::SimVfs vfs;
  FUZZ_CHECK(faultfs::MkdirAll(vfs, engine::layout::WalDir("db"), true).ok());
  std::string seg = engine::layout::WalSegment("db", 1);
  FUZZ_CHECK(faultfs::WriteFile(vfs, seg, bytes, true).ok());
  for (bool trust_torn : {false, true}) {
    auto scan = engine::ScanSegment(vfs, seg, 1, 0, trust_torn);
    if (scan.ok()) {
      FUZZ_CHECK(scan->valid_bytes <= size);
      FUZZ_CHECK(scan->replay_offset <= scan->valid_bytes);
    }
    std::vector<engine::Problem> problems;
    auto wal = engine::ReadWal(vfs, "db", 0, trust_torn, &problems);
    if (wal.ok()) FUZZ_CHECK(wal->torn_valid_bytes <= size);
  }
  return 0;
}
