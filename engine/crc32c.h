#pragma once
// CRC32C (Castagnoli), via Boost.CRC. Used to frame WAL records and state
// files.

#include <cstdint>
#include <string_view>

namespace crashlab::engine {

uint32_t Crc32c(std::string_view data);

}  // namespace crashlab::engine
