#include "engine/checkpoint_log.h"

#include <nlohmann/json.hpp>

#include "engine/coding.h"
#include "engine/crc32c.h"
#include "engine/layout.h"

namespace crashlab::engine {

using faultfs::Result;
using faultfs::Status;
using nlohmann::json;

namespace {
constexpr std::string_view kMagic = "CKL1";
constexpr size_t kHeader = 12;  // magic, length, crc
// A record larger than this is damage, not a checkpoint.
constexpr uint32_t kMaxPayload = 1u << 20;

std::string Trim(std::string s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}
}  // namespace

std::string EncodeLogRecord(const CheckpointInfo& info, uint32_t partitions) {
  std::string payload =
      json{{"info", info.ToJson()}, {"partitions", partitions}}.dump();
  std::string out(kMagic);
  PutFixed32(&out, static_cast<uint32_t>(payload.size()));
  PutFixed32(&out, Crc32c(payload));
  out += payload;
  return out;
}

LogScan ScanLogBytes(std::string_view data, const std::string& path) {
  LogScan s;
  s.present = true;
  s.file_bytes = data.size();
  s.status = "ok";
  uint64_t pos = 0;
  auto at = [&](const std::string& why) {
    return path + " at byte " + std::to_string(pos) + ": " + why;
  };
  while (pos < data.size()) {
    std::string_view rest = data.substr(pos);
    if (rest.size() < kHeader) {
      s.status = "torn-tail";
      s.detail = at("incomplete record header (" + std::to_string(rest.size()) +
                    " bytes)");
      break;
    }
    if (rest.substr(0, 4) != kMagic) {
      s.status = "corrupt";
      s.detail = at("bad record magic");
      break;
    }
    uint32_t len = DecodeFixed32(rest.data() + 4);
    uint32_t crc = DecodeFixed32(rest.data() + 8);
    if (len > kMaxPayload) {
      s.status = "corrupt";
      s.detail = at("record length " + std::to_string(len) + " too large");
      break;
    }
    if (rest.size() < kHeader + len) {
      s.status = "torn-tail";
      s.detail = at("record of " + std::to_string(len) + " bytes cut at " +
                    std::to_string(rest.size() - kHeader));
      break;
    }
    std::string_view payload = rest.substr(kHeader, len);
    if (Crc32c(payload) != crc) {
      // The last record torn mid-write, or damage in the middle.
      bool last = rest.size() == kHeader + len;
      s.status = last ? "torn-tail" : "corrupt";
      s.detail = at("crc32c mismatch");
      break;
    }
    LogRecord r;
    r.offset = pos;
    std::string error;
    try {
      json j = json::parse(payload);
      r.partitions = j.at("partitions").get<uint32_t>();
      if (!CheckpointInfo::FromJson(j.at("info"), &r.info, &error)) {
        s.status = "corrupt";
        s.detail = at("bad record: " + error);
        break;
      }
    } catch (const json::exception& e) {
      s.status = "corrupt";
      s.detail = at(std::string("bad record: ") + e.what());
      break;
    }
    if (!layout::ParseId(r.info.id) ||
        (!s.records.empty() && s.records.back().info.id >= r.info.id)) {
      s.status = "corrupt";
      s.detail = at("record id '" + r.info.id + "' out of order");
      break;
    }
    s.records.push_back(std::move(r));
    pos += kHeader + len;
  }
  s.valid_bytes = pos;
  return s;
}

Result<LogScan> ScanCheckpointLog(faultfs::Vfs& vfs, std::string_view dir) {
  std::string path = layout::CheckpointLog(dir);
  auto data = faultfs::ReadFile(vfs, path);
  if (!data.ok()) {
    if (data.status().err() == ENOENT) return LogScan{};
    return data.status();
  }
  return ScanLogBytes(*data, path);
}

Status AppendCheckpointLog(faultfs::Vfs& vfs, std::string_view dir,
                           uint64_t offset, std::string_view record) {
  std::string path = layout::CheckpointLog(dir);
  auto f = vfs.Open(path, faultfs::OpenOptions::ReadWrite());
  if (!f.ok()) return f.status();
  // Bytes past the intact prefix (a torn or failed earlier append) go first.
  Status s = (*f)->Truncate(offset);
  if (s.ok()) s = faultfs::WriteAll(**f, offset, record);
  if (s.ok()) s = (*f)->DataSync();
  Status c = (*f)->Close();
  return s.ok() ? c : s;
}

Status RewriteCheckpointLog(faultfs::Vfs& vfs, std::string_view dir,
                            const std::vector<LogRecord>& records,
                            bool sync_dir, uint64_t* bytes) {
  std::string data;
  for (const auto& r : records) data += EncodeLogRecord(r.info, r.partitions);
  std::string tmp = layout::CheckpointLogTmp(dir);
  CRASHLAB_RETURN_IF_ERROR(faultfs::WriteFile(vfs, tmp, data, /*sync=*/true));
  CRASHLAB_RETURN_IF_ERROR(vfs.Rename(tmp, layout::CheckpointLog(dir)));
  if (sync_dir)
    CRASHLAB_RETURN_IF_ERROR(vfs.SyncDir(layout::CheckpointsDir(dir)));
  if (bytes) *bytes = data.size();
  return Status::Ok();
}

Status WriteHead(faultfs::Vfs& vfs, std::string_view dir, const std::string& id,
                 bool sync_dir) {
  std::string tmp = layout::HeadTmp(dir);
  CRASHLAB_RETURN_IF_ERROR(faultfs::WriteFile(vfs, tmp, id + "\n", true));
  CRASHLAB_RETURN_IF_ERROR(vfs.Rename(tmp, layout::Head(dir)));
  if (sync_dir) return vfs.SyncDir(layout::CheckpointsDir(dir));
  return Status::Ok();
}

Result<std::optional<std::string>> ReadHead(faultfs::Vfs& vfs,
                                            std::string_view dir) {
  std::string path = layout::Head(dir);
  auto data = faultfs::ReadFile(vfs, path);
  if (!data.ok()) {
    if (data.status().err() == ENOENT) return std::optional<std::string>();
    return data.status();
  }
  std::string id = Trim(*data);
  if (!layout::ParseId(id)) {
    return Status::Corruption(path,
                              "head-corrupt: HEAD does not name a "
                              "checkpoint id");
  }
  return std::optional<std::string>(id);
}

}  // namespace crashlab::engine
