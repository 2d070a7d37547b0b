#pragma once
// WAL record framing:
//   fixed32 length        bytes of the body
//   fixed32 crc32c(body)
//   body: u8 type | fixed64 epoch | fixed64 lsn | fixed64 group_first_lsn |
//   payload
// group_first_lsn is the LSN of the first record of the group commit the
// record was written in; replay uses it to tell a torn, never-synced group
// (cut, reported) from a damaged record followed by later groups (corruption).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crashlab::engine {

enum class RecordType : uint8_t {
  kPut = 1,        // payload: key, value (length-prefixed)
  kDelete = 2,     // payload: key
  kOffset = 3,     // payload: source name, fixed64 offset
  kWatermark = 4,  // payload: fixed64 watermark
};

struct WalRecord {
  RecordType type = RecordType::kPut;
  uint64_t epoch = 0;
  uint64_t lsn = 0;
  uint64_t group_first_lsn = 0;
  std::string key;      // key or source name
  std::string value;    // value (put)
  uint64_t number = 0;  // offset or watermark
};

inline constexpr size_t kRecordHeaderSize = 8;
inline constexpr size_t kRecordFixedBody = 1 + 8 + 8 + 8;
inline constexpr uint32_t kMaxRecordBody = 64u << 20;

// Appends the framed record to `dst`.
void EncodeRecord(const WalRecord& r, std::string* dst);

enum class FrameStatus { kOk, kIncomplete, kBadLength, kBadCrc, kBadBody };
// Parses one frame at the start of `in`. On kOk fills `out` and `frame_size`.
// With `check_crc` false (unsafe trust-torn-wal) the CRC is not checked.
FrameStatus DecodeFrame(std::string_view in, bool check_crc, WalRecord* out,
                        size_t* frame_size);

}  // namespace crashlab::engine
