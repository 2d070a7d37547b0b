#pragma once
// JSON helpers for text that crosses a trust boundary (files, sockets, pipes,
// command lines). Every crashlab module parses and prints JSON through these:
//
//  - JsonTooDeepAt() limits nesting BEFORE a document is built, so that no
//    recursive walk (dump, copy, compare, our own validators) can exhaust the
//    stack on `[[[[...]]]]`. Callers report "nesting deeper than 64" as their
//    own named error (e.g. "catalog-corrupt: nesting deeper than 64").
//  - DumpJson() serialises with invalid UTF-8 replaced by U+FFFD instead of
//    throwing nlohmann's type_error 316, so that an error message quoting a
//    damaged file can always be printed.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace crashlab::faultfs {

// Deepest nesting of arrays/objects accepted in any JSON crashlab reads.
// Every document crashlab writes stays far below it (reports reach ~8).
inline constexpr size_t kMaxJsonDepth = 64;

// Scans `text` (without building anything) and returns the byte offset of the
// first '[' or '{' that opens level max_depth + 1, or nullopt when the nesting
// stays within max_depth. Brackets inside strings are not counted. The text
// need not be valid JSON: the real parser still decides that afterwards.
std::optional<size_t> JsonTooDeepAt(std::string_view text,
                                    size_t max_depth = kMaxJsonDepth);

// "nesting deeper than 64 at byte 65" (offset is 0-based; printed 1-based).
std::string JsonTooDeepMessage(size_t offset, size_t max_depth = kMaxJsonDepth);

// Serialises `j` like j.dump(indent), but invalid UTF-8 in strings becomes
// U+FFFD instead of throwing. Output for valid UTF-8 is byte-identical to
// j.dump(indent), so checksums over dumps are unchanged.
template <typename Json>
std::string DumpJson(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// Replaces every invalid UTF-8 sequence in `s` by U+FFFD (for messages that
// quote untrusted bytes and end up in JSON, XML or HTML).
std::string SanitizeUtf8(std::string_view s);

}  // namespace crashlab::faultfs
