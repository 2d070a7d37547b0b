#pragma once
// What a fired fault rule does, written once for every Vfs that carries rules
// out: SimVfs (the simulator and the faultfs daemon) and CountingVfs
// (crashlab's fuse mode, which decides with its own injector and has the daemon
// act). The damaged bytes, the logged details and the returned errors must be
// identical in both, or sim and fuse mode disagree; so they are made here only.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "faultfs/crash_mode.h"
#include "faultfs/fault_rule.h"
#include "faultfs/status.h"
#include "faultfs/trace.h"

namespace crashlab::faultfs {

// A transient read corruption: damages `got` bytes that a read at `offset`
// returns in `bytes`, per `spec` (bit flips first, then the zeroed range, then
// the garbage range, each clipped to the bytes read), taking random values
// from `draw`. REQUIRES: got > 0.
void CorruptReadBytes(const CorruptSpec& spec, uint64_t offset, char* bytes,
                      size_t got, const std::function<uint64_t()>& draw);

// How many random values a persistent `rule` draws when it damages a file of
// `size` bytes (0 for rules other than corrupt).
uint64_t PersistentDamageDraws(const FaultRule& rule, uint64_t size);

// The log entry of a firing for the operation `entry` (its index, op, path,
// offset, length).
InjectedFault MakeInjectedFault(const TraceEntry& entry, const Firing& firing,
                                std::string detail);

// The crash mode of a crash rule (drop when the rule's mode does not parse).
CrashMode CrashModeOf(const FaultRule& rule);

// Logged details.
std::string ErrorDetail(int err);       // "failed with EIO"
std::string ErrorAfterDetail(int err);  // "took effect, then failed with EIO"
std::string CrashDetail(const CrashMode& mode);  // "power cut (drop)"
std::string DelayDetail(uint64_t delay_ms);      // "delayed 5 ms"
inline constexpr std::string_view kReadDamagedDetail =
    "read returned damaged bytes";
inline constexpr std::string_view kSyncLieDetail =
    "sync returned 0 but persisted nothing";

// Returned errors.
Status InjectedError(OpKind op, int err, std::string_view path);
Status InjectedErrorAfter(OpKind op, int err, std::string_view path);
Status InjectedNoSpace(std::string_view path);
Status InjectedFsyncgate(std::string_view path);
Status PowerCutHere(std::string_view path);           // the crash rule's op
Status PowerCutRestartNeeded(std::string_view path);  // every op after it

}  // namespace crashlab::faultfs
