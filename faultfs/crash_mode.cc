#include "faultfs/crash_mode.h"

#include <charconv>

namespace crashlab::faultfs {

Result<CrashMode> CrashMode::Parse(std::string_view text) {
  std::string_view name = text;
  std::string_view arg;
  bool has_arg = false;
  if (size_t colon = text.find(':'); colon != std::string_view::npos) {
    name = text.substr(0, colon);
    arg = text.substr(colon + 1);
    has_arg = true;
  }
  uint64_t value = 0;
  if (has_arg) {
    auto [ptr, ec] =
        std::from_chars(arg.data(), arg.data() + arg.size(), value);
    if (ec != std::errc() || ptr != arg.data() + arg.size() || arg.empty()) {
      return Status::InvalidArgument(
          std::string(text),
          "crash mode argument must be a non-negative integer");
    }
  }
  if (name == "drop" && !has_arg) return CrashMode::Drop();
  if (name == "prefix" && has_arg) return CrashMode::Prefix(value);
  if (name == "torn") return CrashMode::Torn(value);
  if (name == "random" && has_arg) return CrashMode::Random(value);
  return Status::InvalidArgument(std::string(text),
                                 "unknown crash mode; expected drop, prefix:K, "
                                 "torn[:SEED] or random:SEED");
}

std::string CrashMode::ToString() const {
  switch (kind) {
    case Kind::kDrop:
      return "drop";
    case Kind::kPrefix:
      return "prefix:" + std::to_string(arg);
    case Kind::kTorn:
      return arg == 0 ? "torn" : "torn:" + std::to_string(arg);
    case Kind::kRandom:
      return "random:" + std::to_string(arg);
  }
  return "drop";
}

Result<MetadataModel> ParseMetadataModel(std::string_view text) {
  if (text == "strict") return MetadataModel::kStrict;
  if (text == "immediate" || text == "metadata-immediate")
    return MetadataModel::kImmediate;
  return Status::InvalidArgument(
      std::string(text),
      "unknown metadata model; expected strict or immediate");
}

std::string_view MetadataModelName(MetadataModel model) {
  return model == MetadataModel::kImmediate ? "immediate" : "strict";
}

}  // namespace crashlab::faultfs
