#include "engine/options.h"

namespace crashlab::engine {

std::string_view FallbackPolicyName(FallbackPolicy p) {
  return p == FallbackPolicy::kNone ? "none" : "older-verified";
}

faultfs::Result<FallbackPolicy> ParseFallbackPolicy(std::string_view text) {
  if (text == "none") return FallbackPolicy::kNone;
  if (text == "older-verified") return FallbackPolicy::kOlderVerified;
  return faultfs::Status::InvalidArgument(
      "fallback", "unknown fallback policy '" + std::string(text) +
                      "' (none, older-verified)");
}

Options Options::Deterministic() {
  Options o;
  o.background_flush = false;
  // A constant: every copy of these options, in every run, sees the same
  // time, so manifests (and the file-system trace) are byte-identical.
  o.clock = [] { return uint64_t{0}; };
  return o;
}

faultfs::Status Options::Validate() const {
  auto bad = [](const char* field, const std::string& why) {
    return faultfs::Status::InvalidArgument(field, why);
  };
  if (partitions == 0 || partitions > 4096)
    return bad("partitions", "must be in 1..4096");
  if (wal_group_size == 0) return bad("wal_group_size", "must be at least 1");
  if (wal_segment_bytes < 4096)
    return bad("wal_segment_bytes", "must be at least 4096");
  if (max_delta_chain == 0) return bad("max_delta_chain", "must be at least 1");
  if (operator_name.empty() || operator_name.find('/') != std::string::npos ||
      operator_name.find("..") != std::string::npos) {
    return bad("operator_name", "must be a plain, non-empty name");
  }
  if (schema_fingerprint.empty())
    return bad("schema_fingerprint", "must not be empty");
  return faultfs::Status::Ok();
}

}  // namespace crashlab::engine
