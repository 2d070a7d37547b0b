#include "engine/state_file.h"

#include "engine/coding.h"
#include "engine/crc32c.h"

namespace crashlab::engine {

namespace {
constexpr std::string_view kMagic = "CLSF";
constexpr uint8_t kVersion = 1;
}  // namespace

std::string EncodeStateFile(bool delta, uint32_t partition,
                            const std::vector<StateChange>& changes) {
  std::string out(kMagic);
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(delta ? 2 : 1));
  PutFixed32(&out, partition);
  PutFixed64(&out, changes.size());
  for (const auto& c : changes) {
    out.push_back(static_cast<char>(c.value ? 1 : 2));
    PutLengthPrefixed(&out, c.key);
    if (c.value) PutLengthPrefixed(&out, *c.value);
  }
  PutFixed32(&out, Crc32c(out));
  return out;
}

bool ApplyStateFile(std::string_view data, bool expect_delta,
                    uint32_t expect_partition,
                    std::map<std::string, std::string>* kv,
                    std::string* error) {
  if (data.size() < kMagic.size() + 2 + 4 + 8 + 4) {
    *error = "file too short (" + std::to_string(data.size()) + " bytes)";
    return false;
  }
  std::string_view body = data.substr(0, data.size() - 4);
  if (Crc32c(body) != DecodeFixed32(data.data() + data.size() - 4)) {
    *error = "crc32c mismatch";
    return false;
  }
  if (body.substr(0, 4) != kMagic) {
    *error = "bad magic";
    return false;
  }
  Decoder d(body.substr(4));
  uint8_t version = 0, kind = 0;
  uint32_t partition = 0;
  uint64_t count = 0;
  if (!d.GetU8(&version) || !d.GetU8(&kind) || !d.GetFixed32(&partition) ||
      !d.GetFixed64(&count)) {
    *error = "truncated header";
    return false;
  }
  if (version != kVersion || kind != (expect_delta ? 2 : 1) ||
      partition != expect_partition) {
    *error = "header does not match (version " + std::to_string(version) +
             ", kind " + std::to_string(kind) + ", partition " +
             std::to_string(partition) + ")";
    return false;
  }
  // Decode fully before applying, so a bad file leaves `kv` untouched.
  std::vector<StateChange> changes;
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t op = 0;
    std::string_view key, value;
    if (!d.GetU8(&op) || (op != 1 && op != 2) || !d.GetLengthPrefixed(&key) ||
        (op == 1 && !d.GetLengthPrefixed(&value))) {
      *error = "malformed entry " + std::to_string(i);
      return false;
    }
    if (op == 2 && !expect_delta) {
      *error = "delete entry in a snapshot";
      return false;
    }
    changes.push_back({std::string(key), op == 1
                                             ? std::optional<std::string>(value)
                                             : std::nullopt});
  }
  if (!d.empty()) {
    *error = "trailing bytes after " + std::to_string(count) + " entries";
    return false;
  }
  for (auto& c : changes) {
    if (c.value) {
      (*kv)[std::move(c.key)] = std::move(*c.value);
    } else {
      kv->erase(c.key);
    }
  }
  return true;
}

}  // namespace crashlab::engine
