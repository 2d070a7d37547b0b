#include "harness/cli/trace_window.h"

#include <iomanip>

namespace crashlab::harness {

std::string DescribeOp(const faultfs::TraceEntry& e) {
  std::string s = std::string(faultfs::OpName(e.op)) + " " +
                  (e.path.empty() ? "/" : e.path);
  if (!e.path2.empty()) s += " -> " + e.path2;
  if (e.op == faultfs::OpKind::kWrite || e.op == faultfs::OpKind::kRead) {
    s += " [" + std::to_string(e.offset) + ", +" + std::to_string(e.length) +
         ")";
  }
  if (e.op == faultfs::OpKind::kTruncate)
    s += " to " + std::to_string(e.length);
  if (e.result != 0) s += " = " + faultfs::ErrnoName(e.result);
  if (!e.fault.empty()) s += "  <fault: " + e.fault + ">";
  return s;
}

void PrintTraceWindow(const std::vector<faultfs::TraceEntry>& trace,
                      uint64_t crash_point, uint64_t before, uint64_t after,
                      std::ostream& out) {
  uint64_t lo = crash_point >= before ? crash_point - before : 0;
  uint64_t hi = std::min<uint64_t>(trace.size(), crash_point + after + 1);
  for (uint64_t i = lo; i < hi; ++i) {
    out << "  " << std::setw(6) << i
        << (trace[i].persistence_point ? " * " : "   ") << DescribeOp(trace[i])
        << "\n";
    if (i == crash_point) out << "  ------ power cut here ------\n";
  }
}

}  // namespace crashlab::harness
