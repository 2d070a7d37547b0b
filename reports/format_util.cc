#include "reports/format_util.h"

#include <cctype>
#include <cstdio>

namespace crashlab::reports {

std::string FormatSeconds(double seconds) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", seconds < 0 ? 0.0 : seconds);
  return buf;
}

std::string FormatCount(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string JunitTimestamp(const std::string& rfc3339) {
  static constexpr const char* kPattern = "dddd-dd-ddTdd:dd:dd";
  if (rfc3339.size() < 19) return "1970-01-01T00:00:00";
  for (size_t i = 0; i < 19; ++i) {
    bool digit = std::isdigit(static_cast<unsigned char>(rfc3339[i])) != 0;
    if (kPattern[i] == 'd' ? !digit : rfc3339[i] != kPattern[i])
      return "1970-01-01T00:00:00";
  }
  return rfc3339.substr(0, 19);
}

std::string Plural(uint64_t n, const std::string& singular,
                   const std::string& plural) {
  return FormatCount(n) + " " + (n == 1 ? singular : plural);
}

}  // namespace crashlab::reports
