#include "reports/json_locate.h"

#include <vector>

namespace crashlab::reports {

TextPosition PositionOfOffset(std::string_view text, size_t offset) {
  TextPosition pos;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

namespace {

// A forgiving scanner over already-valid JSON text.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : t_(text) {}

  std::optional<size_t> Find(const std::vector<std::string>& tokens,
                             size_t depth) {
    SkipSpace();
    if (depth == tokens.size()) return i_;
    if (i_ >= t_.size()) return std::nullopt;
    if (t_[i_] == '{') {
      ++i_;
      while (true) {
        SkipSpace();
        if (i_ >= t_.size() || t_[i_] == '}') return std::nullopt;
        if (t_[i_] == ',') {
          ++i_;
          continue;
        }
        std::string key = ReadString();
        SkipSpace();
        if (i_ < t_.size() && t_[i_] == ':') ++i_;
        if (key == tokens[depth]) return Find(tokens, depth + 1);
        SkipValue();
      }
    }
    if (t_[i_] == '[') {
      ++i_;
      size_t want = 0;
      for (char c : tokens[depth]) {
        if (c < '0' || c > '9') return std::nullopt;
        want = want * 10 + static_cast<size_t>(c - '0');
      }
      for (size_t k = 0;; ++k) {
        SkipSpace();
        if (i_ >= t_.size() || t_[i_] == ']') return std::nullopt;
        if (k == want) return Find(tokens, depth + 1);
        SkipValue();
        SkipSpace();
        if (i_ < t_.size() && t_[i_] == ',') ++i_;
      }
    }
    return std::nullopt;
  }

 private:
  void SkipSpace() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' ||
                              t_[i_] == '\r' || t_[i_] == '\t'))
      ++i_;
  }

  // Reads a string token; escapes other than \" and \\ are kept raw, which is
  // enough to match keys.
  std::string ReadString() {
    std::string out;
    if (i_ >= t_.size() || t_[i_] != '"') return out;
    for (++i_; i_ < t_.size() && t_[i_] != '"'; ++i_) {
      if (t_[i_] == '\\' && i_ + 1 < t_.size()) {
        ++i_;
        if (t_[i_] != '"' && t_[i_] != '\\' && t_[i_] != '/') out += '\\';
      }
      out += t_[i_];
    }
    ++i_;
    return out;
  }

  void SkipValue() {
    SkipSpace();
    if (i_ >= t_.size()) return;
    char c = t_[i_];
    if (c == '"') {
      ReadString();
      return;
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      for (; i_ < t_.size(); ++i_) {
        if (t_[i_] == '"') {
          ReadString();
          --i_;
          continue;
        }
        if (t_[i_] == '{' || t_[i_] == '[') ++depth;
        if (t_[i_] == '}' || t_[i_] == ']') {
          if (--depth == 0) {
            ++i_;
            return;
          }
        }
      }
      return;
    }
    while (i_ < t_.size() && t_[i_] != ',' && t_[i_] != '}' && t_[i_] != ']')
      ++i_;
  }

  std::string_view t_;
  size_t i_ = 0;
};

std::string Unescape(const std::string& token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out += token[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

}  // namespace

std::optional<size_t> OffsetOfPointer(std::string_view text,
                                      const std::string& pointer) {
  std::vector<std::string> tokens;
  size_t start = 1;
  while (start <= pointer.size() && !pointer.empty()) {
    size_t end = pointer.find('/', start);
    if (end == std::string::npos) end = pointer.size();
    tokens.push_back(Unescape(pointer.substr(start, end - start)));
    start = end + 1;
  }
  return Scanner(text).Find(tokens, 0);
}

}  // namespace crashlab::reports
