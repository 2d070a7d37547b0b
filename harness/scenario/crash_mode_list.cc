#include "harness/scenario/crash_mode_list.h"

#include <algorithm>

namespace crashlab::harness {

uint64_t MixSeed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9e3779b97f4a7c15ULL + b + 0x632be59bd9b4e019ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string CheckCrashModeSpec(const std::string& spec) {
  if (spec == "drop" || spec == "prefix" || spec == "torn" || spec == "random")
    return "";
  auto m = faultfs::CrashMode::Parse(spec);
  if (!m.ok()) {
    return "unknown crash mode '" + spec +
           "' (drop, prefix, prefix:K, torn, torn:SEED, random, random:SEED)";
  }
  return "";
}

std::vector<faultfs::CrashMode> ExpandCrashModes(
    const std::vector<std::string>& specs, uint64_t pending_ops,
    bool pending_writes, uint64_t seed, uint64_t crash_point) {
  using faultfs::CrashMode;
  std::vector<CrashMode> out;
  auto add = [&](CrashMode m) {
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  };
  if (pending_ops == 0) {
    out.push_back(CrashMode::Drop());
    return out;
  }
  for (const auto& spec : specs) {
    if (spec == "drop") {
      add(CrashMode::Drop());
    } else if (spec == "prefix") {
      for (uint64_t k = 1; k <= pending_ops; ++k) add(CrashMode::Prefix(k));
    } else if (spec == "torn") {
      if (pending_writes)
        add(CrashMode::Torn(MixSeed(seed, crash_point) % 1000000));
    } else if (spec == "random") {
      add(CrashMode::Random(MixSeed(seed ^ 0x5bd1e995, crash_point) % 1000000));
    } else {
      auto m = CrashMode::Parse(spec);
      if (!m.ok()) continue;
      if (m->kind == CrashMode::Kind::kPrefix &&
          (m->arg == 0 || m->arg > pending_ops))
        continue;
      if (m->kind == CrashMode::Kind::kTorn && !pending_writes) continue;
      add(*m);
    }
  }
  if (out.empty()) out.push_back(CrashMode::Drop());
  return out;
}

}  // namespace crashlab::harness
