#pragma once
// Source positions in JSON text, for error messages that name line:column.
// nlohmann::json keeps no positions, so a second, tolerant scan of the text
// finds where a JSON pointer's value starts.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace crashlab::reports {

struct TextPosition {
  size_t line = 1;    // 1-based
  size_t column = 1;  // 1-based, in bytes
};

// Position of the byte at `offset` (0-based); offsets past the end give the
// position just after the last byte.
TextPosition PositionOfOffset(std::string_view text, size_t offset);

// Byte offset where the value named by `pointer` ("/scenarios/0/verdict")
// starts in `text`; nullopt if the text does not contain it. "" is the root.
std::optional<size_t> OffsetOfPointer(std::string_view text,
                                      const std::string& pointer);

}  // namespace crashlab::reports
