#pragma once
// `ckpt load FILE`: bulk JSON lines, one operation per line:
//   {"op": "put", "key": "k", "value": "v"}     (or just {"key": "k", "value":
//   "v"})
//   {"op": "del", "key": "k"}
//   {"op": "offset", "source": "topic-0", "offset": 42}
//   {"op": "watermark", "value": 1700000000}
// Blank lines and lines starting with '#' are skipped. The whole file is
// parsed before anything is applied; the first bad line is reported as
// FILE:LINE:COLUMN: message.

#include <cstdint>
#include <string>
#include <vector>

#include "faultfs/status.h"

namespace crashlab::engine::ckpt {

struct LoadOp {
  enum class Kind { kPut, kDel, kOffset, kWatermark } kind = Kind::kPut;
  std::string key;
  std::string value;
  uint64_t number = 0;
};

// `text` is the file's content, `name` its name for messages.
faultfs::Result<std::vector<LoadOp>> ParseLoadFile(const std::string& text,
                                                   const std::string& name);

}  // namespace crashlab::engine::ckpt
