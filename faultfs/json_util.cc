#include "faultfs/json_util.h"

#include <cstdint>

namespace crashlab::faultfs {

std::optional<size_t> JsonTooDeepAt(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character (\" and \\ included)
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return i;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

std::string JsonTooDeepMessage(size_t offset, size_t max_depth) {
  return "nesting deeper than " + std::to_string(max_depth) + " at byte " +
         std::to_string(offset + 1);
}

std::string SanitizeUtf8(std::string_view s) {
  // Each invalid byte (bad lead, truncated or overlong sequence, surrogate,
  // value past U+10FFFF) becomes one U+FFFD; valid sequences are copied.
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80           ? 1
                 : (b >> 5) == 0x6  ? 2
                 : (b >> 4) == 0xE  ? 3
                 : (b >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len != 0 && i + len <= s.size();
    uint32_t cp = 0;
    if (ok) {
      cp = len == 1   ? b
           : len == 2 ? (b & 0x1F)
           : len == 3 ? (b & 0x0F)
                      : (b & 0x07);
      for (size_t k = 1; k < len; ++k) {
        auto cb = static_cast<unsigned char>(s[i + k]);
        if ((cb & 0xC0) != 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (cb & 0x3F);
      }
    }
    if (ok) {
      // Overlong forms, surrogates and values past U+10FFFF are invalid.
      static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return out;
}

}  // namespace crashlab::faultfs
