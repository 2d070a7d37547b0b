#pragma once
// Escaping for the text formats the writers produce. All functions first
// replace invalid UTF-8 with U+FFFD, so any byte string yields valid output.

#include <string>
#include <string_view>

namespace crashlab::reports {

// Valid UTF-8: invalid sequences become U+FFFD.
std::string SanitizeUtf8(std::string_view text);
// XML 1.0 text and attribute values: & < > " ' escaped; control characters
// XML forbids written as the visible text "\xNN". In attributes, newlines and
// tabs become character references (they survive attribute normalisation).
std::string XmlEscape(std::string_view text, bool attribute = true);
// HTML text and attribute values (& < > " ').
std::string HtmlEscape(std::string_view text);
// One Markdown table cell or inline text: | and ` escaped, newlines as " ".
std::string MarkdownEscape(std::string_view text);
// `text` cut to at most `max` bytes (on a UTF-8 boundary) plus "…".
std::string Truncate(std::string_view text, size_t max);

}  // namespace crashlab::reports
