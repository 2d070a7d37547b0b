#pragma once
// Small formatting helpers shared by the writers.

#include <cstdint>
#include <string>

namespace crashlab::reports {

// "1.234" (seconds, three decimals).
std::string FormatSeconds(double seconds);
// "12,345".
std::string FormatCount(uint64_t n);
// "2024-05-01T12:00:00" from RFC 3339 "2024-05-01T12:00:00Z" (no zone, no
// fraction: what the JUnit schema's timestamp accepts); a fixed epoch string
// if `rfc3339` is empty or malformed.
std::string JunitTimestamp(const std::string& rfc3339);
// "1 violation" / "2 violations".
std::string Plural(uint64_t n, const std::string& singular,
                   const std::string& plural);

}  // namespace crashlab::reports
