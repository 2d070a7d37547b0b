#include "engine/wal_record.h"

#include "engine/coding.h"
#include "engine/crc32c.h"

namespace crashlab::engine {

void EncodeRecord(const WalRecord& r, std::string* dst) {
  std::string body;
  body.push_back(static_cast<char>(r.type));
  PutFixed64(&body, r.epoch);
  PutFixed64(&body, r.lsn);
  PutFixed64(&body, r.group_first_lsn);
  switch (r.type) {
    case RecordType::kPut:
      PutLengthPrefixed(&body, r.key);
      PutLengthPrefixed(&body, r.value);
      break;
    case RecordType::kDelete:
      PutLengthPrefixed(&body, r.key);
      break;
    case RecordType::kOffset:
      PutLengthPrefixed(&body, r.key);
      PutFixed64(&body, r.number);
      break;
    case RecordType::kWatermark:
      PutFixed64(&body, r.number);
      break;
  }
  PutFixed32(dst, static_cast<uint32_t>(body.size()));
  PutFixed32(dst, Crc32c(body));
  dst->append(body);
}

FrameStatus DecodeFrame(std::string_view in, bool check_crc, WalRecord* out,
                        size_t* frame_size) {
  if (in.size() < kRecordHeaderSize) return FrameStatus::kIncomplete;
  uint32_t len = DecodeFixed32(in.data());
  uint32_t crc = DecodeFixed32(in.data() + 4);
  if (len < kRecordFixedBody || len > kMaxRecordBody)
    return FrameStatus::kBadLength;
  if (in.size() - kRecordHeaderSize < len) return FrameStatus::kIncomplete;
  std::string_view body = in.substr(kRecordHeaderSize, len);
  if (check_crc && Crc32c(body) != crc) return FrameStatus::kBadCrc;
  Decoder d(body);
  uint8_t type = 0;
  WalRecord r;
  if (!d.GetU8(&type) || !d.GetFixed64(&r.epoch) || !d.GetFixed64(&r.lsn) ||
      !d.GetFixed64(&r.group_first_lsn)) {
    return FrameStatus::kBadBody;
  }
  std::string_view a, b;
  switch (type) {
    case static_cast<uint8_t>(RecordType::kPut):
      if (!d.GetLengthPrefixed(&a) || !d.GetLengthPrefixed(&b))
        return FrameStatus::kBadBody;
      r.key.assign(a);
      r.value.assign(b);
      break;
    case static_cast<uint8_t>(RecordType::kDelete):
      if (!d.GetLengthPrefixed(&a)) return FrameStatus::kBadBody;
      r.key.assign(a);
      break;
    case static_cast<uint8_t>(RecordType::kOffset):
      if (!d.GetLengthPrefixed(&a) || !d.GetFixed64(&r.number))
        return FrameStatus::kBadBody;
      r.key.assign(a);
      break;
    case static_cast<uint8_t>(RecordType::kWatermark):
      if (!d.GetFixed64(&r.number)) return FrameStatus::kBadBody;
      break;
    default:
      return FrameStatus::kBadBody;
  }
  if (!d.empty() || r.lsn == 0 || r.group_first_lsn > r.lsn)
    return FrameStatus::kBadBody;
  r.type = static_cast<RecordType>(type);
  *out = std::move(r);
  *frame_size = kRecordHeaderSize + len;
  return FrameStatus::kOk;
}

}  // namespace crashlab::engine
