#pragma once
// Prints the operations around a crash point, marking where the power is cut.

#include <cstdint>
#include <ostream>
#include <vector>

#include "faultfs/trace.h"

namespace crashlab::harness {

void PrintTraceWindow(const std::vector<faultfs::TraceEntry>& trace,
                      uint64_t crash_point, uint64_t before, uint64_t after,
                      std::ostream& out);

// "fsync checkpoints/ckpt-0000000001/MANIFEST.json" with offset/length for data
// ops.
std::string DescribeOp(const faultfs::TraceEntry& e);

}  // namespace crashlab::harness
