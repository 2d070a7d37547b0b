#include "faultfs/fault_effects.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace crashlab::faultfs {

void CorruptReadBytes(const CorruptSpec& spec, uint64_t offset, char* bytes,
                      size_t got, const std::function<uint64_t()>& draw) {
  assert(got > 0);
  for (uint32_t i = 0; i < spec.bitflips; ++i) {
    uint64_t bit = draw() % (uint64_t{got} * 8);
    bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
  }
  auto damage_range = [&](const std::pair<uint64_t, uint64_t>& range,
                          bool garbage) {
    uint64_t lo = std::max(range.first, offset);
    uint64_t hi = std::min(range.first + range.second, offset + got);
    for (uint64_t pos = lo; pos < hi; ++pos) {
      bytes[pos - offset] = garbage ? static_cast<char>(draw()) : '\0';
    }
  };
  if (spec.zero) damage_range(*spec.zero, false);
  if (spec.garbage) damage_range(*spec.garbage, true);
}

uint64_t PersistentDamageDraws(const FaultRule& rule, uint64_t size) {
  if (rule.action != ActionKind::kCorrupt) return 0;
  uint64_t n = size > 0 ? rule.corrupt.bitflips : 0;
  if (rule.corrupt.garbage && rule.corrupt.garbage->first < size) {
    n += std::min(rule.corrupt.garbage->second,
                  size - rule.corrupt.garbage->first);
  }
  return n;
}

InjectedFault MakeInjectedFault(const TraceEntry& entry, const Firing& firing,
                                std::string detail) {
  return InjectedFault{.op_index = entry.index,
                       .op = entry.op,
                       .path = entry.path,
                       .offset = entry.offset,
                       .length = entry.length,
                       .action = firing.rule.action,
                       .err = firing.rule.err,
                       .rule_index = firing.rule_index,
                       .detail = std::move(detail)};
}

CrashMode CrashModeOf(const FaultRule& rule) {
  auto mode = CrashMode::Parse(rule.crash_mode);
  return mode.ok() ? *mode : CrashMode::Drop();
}

std::string ErrorDetail(int err) { return "failed with " + ErrnoName(err); }

std::string ErrorAfterDetail(int err) {
  return "took effect, then failed with " + ErrnoName(err);
}

std::string CrashDetail(const CrashMode& mode) {
  return "power cut (" + mode.ToString() + ")";
}

std::string DelayDetail(uint64_t delay_ms) {
  return "delayed " + std::to_string(delay_ms) + " ms";
}

Status InjectedError(OpKind op, int err, std::string_view path) {
  return Status::IoError(err, std::string(path),
                         "injected " + std::string(OpName(op)) + " error");
}

Status InjectedErrorAfter(OpKind op, int err, std::string_view path) {
  return Status::IoError(
      err, std::string(path),
      "injected error after the " + std::string(OpName(op)) + " took effect");
}

Status InjectedNoSpace(std::string_view path) {
  return Status::IoError(ENOSPC, std::string(path), "injected: no space left");
}

Status InjectedFsyncgate(std::string_view path) {
  return Status::IoError(EIO, std::string(path), "injected fsyncgate");
}

Status PowerCutHere(std::string_view path) {
  return Status::IoError(EIO, std::string(path), "power cut at this operation");
}

Status PowerCutRestartNeeded(std::string_view path) {
  return Status::IoError(EIO, std::string(path), "power cut: restart required");
}

}  // namespace crashlab::faultfs
