#include "harness/scenario/crash_mode_list.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace crashlab::harness {
namespace {

constexpr char kSpecHelp[] =
    "(drop, prefix, prefix:K, torn, torn:N, torn@SEED, random, random:N, "
    "random@SEED; K and N in 1..10000)";

// The decimal number after `prefix` in `spec`, if `spec` is prefix + digits.
std::optional<uint64_t> NumberAfter(const std::string& spec,
                                    std::string_view prefix) {
  if (spec.size() <= prefix.size() || spec.compare(0, prefix.size(), prefix))
    return std::nullopt;
  const char* begin = spec.data() + prefix.size();
  const char* end = spec.data() + spec.size();
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

uint64_t DrawSeed(uint64_t seed, uint64_t salt, uint64_t point, uint64_t i) {
  // i == 0 keeps the seed a plain `torn` / `random` always had.
  uint64_t base = MixSeed(seed ^ salt, point);
  return (i == 0 ? base : MixSeed(base, i)) % 1000000;
}

constexpr uint64_t kTornSalt = 0;
constexpr uint64_t kRandomSalt = 0x5bd1e995;
constexpr uint64_t kMaxSeed = uint64_t{1} << 63;

}  // namespace

uint64_t MixSeed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9e3779b97f4a7c15ULL + b + 0x632be59bd9b4e019ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string CheckCrashModeSpec(const std::string& spec) {
  if (spec == "drop" || spec == "prefix" || spec == "torn" || spec == "random")
    return "";
  for (std::string_view p : {"prefix:", "torn:", "random:"}) {
    if (spec.compare(0, p.size(), p) != 0) continue;
    auto n = NumberAfter(spec, p);
    if (!n) return "unknown crash mode '" + spec + "' " + kSpecHelp;
    if (*n == 0 || *n > kMaxCrashModeCount) {
      return "crash mode '" + spec +
             "': " + std::string(p.substr(0, p.size() - 1)) + ":" +
             (p == "prefix:" ? "K" : "N") + " must be in 1.." +
             std::to_string(kMaxCrashModeCount);
    }
    return "";
  }
  for (std::string_view p : {"torn@", "random@"}) {
    if (spec.compare(0, p.size(), p) != 0) continue;
    auto n = NumberAfter(spec, p);
    if (!n) return "unknown crash mode '" + spec + "' " + kSpecHelp;
    if (*n >= kMaxSeed)
      return "crash mode '" + spec + "': the seed must be below 2^63";
    return "";
  }
  return "unknown crash mode '" + spec + "' " + kSpecHelp;
}

std::string SpecForMode(const faultfs::CrashMode& mode) {
  using K = faultfs::CrashMode::Kind;
  if (mode.kind == K::kTorn) return "torn@" + std::to_string(mode.arg);
  if (mode.kind == K::kRandom) return "random@" + std::to_string(mode.arg);
  return mode.ToString();
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
  auto draws = [&](bool torn, uint64_t n) {
    if (torn && !pending_writes) return;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t s =
          DrawSeed(seed, torn ? kTornSalt : kRandomSalt, crash_point, i);
      add(torn ? CrashMode::Torn(s) : CrashMode::Random(s));
    }
  };
  for (const auto& spec : specs) {
    if (spec == "drop") {
      add(CrashMode::Drop());
    } else if (spec == "prefix") {
      for (uint64_t k = 1; k <= pending_ops; ++k) add(CrashMode::Prefix(k));
    } else if (spec == "torn" || spec == "random") {
      draws(spec == "torn", 1);
    } else if (auto k = NumberAfter(spec, "prefix:")) {
      if (*k >= 1 && *k <= pending_ops) add(CrashMode::Prefix(*k));
    } else if (auto n = NumberAfter(spec, "torn:")) {
      draws(true, std::min(*n, kMaxCrashModeCount));
    } else if (auto n = NumberAfter(spec, "random:")) {
      draws(false, std::min(*n, kMaxCrashModeCount));
    } else if (auto s = NumberAfter(spec, "torn@")) {
      if (pending_writes) add(CrashMode::Torn(*s));
    } else if (auto s = NumberAfter(spec, "random@")) {
      add(CrashMode::Random(*s));
    }
  }
  if (out.empty()) out.push_back(CrashMode::Drop());
  return out;
}

}  // namespace crashlab::harness
