#pragma once
// Encoding of one partition's state file.
//   "CLSF" | u8 version (1) | u8 kind (1 snap, 2 delta) | fixed32 partition |
//   fixed64 count | count x (u8 op (1 put, 2 delete) | key | [value]) |
//   fixed32 crc32c of everything before
// A .snap holds every key of the partition; a .delta the changes since the
// parent checkpoint (puts and deletes), applied in chain order.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crashlab::engine {

struct StateChange {
  std::string key;
  std::optional<std::string> value;  // nullopt: deleted
};

std::string EncodeStateFile(bool delta, uint32_t partition,
                            const std::vector<StateChange>& changes);

// Applies the file's changes to `kv`. Returns false with `error` set on any
// malformation (bad magic, kind, partition, crc, truncation).
bool ApplyStateFile(std::string_view data, bool expect_delta,
                    uint32_t expect_partition,
                    std::map<std::string, std::string>* kv, std::string* error);

}  // namespace crashlab::engine
