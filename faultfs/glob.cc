#include "faultfs/glob.h"

#include <vector>

namespace crashlab::faultfs {
namespace {

// ---------------------------------------------------------------------------
// Glob

constexpr size_t kNpos = std::string_view::npos;

// Splits on '/'. The empty string has zero components.
std::vector<std::string_view> SplitComponents(std::string_view s) {
  std::vector<std::string_view> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    if (slash == kNpos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

struct ClassScan {
  size_t end = kNpos;      // index just past the closing ']'; kNpos if unclosed
  bool matched = false;    // whether `c` is in the class
  bool bad_range = false;  // a range like "z-a"
};

// Scans the class that starts at g[i] == '[' and tests `c` against it.
ClassScan ScanClass(std::string_view g, size_t i, unsigned char c) {
  ClassScan scan;
  size_t j = i + 1;
  bool negate = false;
  if (j < g.size() && (g[j] == '!' || g[j] == '^')) {
    negate = true;
    ++j;
  }
  bool hit = false;
  for (bool first = true; j < g.size() && (first || g[j] != ']');
       first = false) {
    auto lo = static_cast<unsigned char>(g[j]);
    if (j + 2 < g.size() && g[j + 1] == '-' && g[j + 2] != ']') {
      auto hi = static_cast<unsigned char>(g[j + 2]);
      if (lo > hi) scan.bad_range = true;
      if (lo <= c && c <= hi) hit = true;
      j += 3;
    } else {
      if (lo == c) hit = true;
      ++j;
    }
  }
  if (j >= g.size()) return scan;
  scan.end = j + 1;
  scan.matched = hit != negate;
  return scan;
}

// Matches one glob component against one path component. The usual
// backtrack-to-the-last-star algorithm: O(|g| * |s|) at worst.
bool MatchComponent(std::string_view g, std::string_view s) {
  size_t gi = 0;
  size_t si = 0;
  size_t star_g = kNpos;  // glob index just after the last '*'
  size_t star_s = 0;      // path index that '*' was last tried to end at
  while (si < s.size()) {
    if (gi < g.size()) {
      char gc = g[gi];
      if (gc == '*') {
        star_g = ++gi;
        star_s = si;
        continue;
      }
      size_t next = kNpos;
      if (gc == '?') {
        next = gi + 1;
      } else if (gc == '[') {
        ClassScan scan = ScanClass(g, gi, static_cast<unsigned char>(s[si]));
        if (scan.end == kNpos) return false;  // malformed
        if (scan.matched) next = scan.end;
      } else if (gc == '\\' && gi + 1 < g.size()) {
        if (g[gi + 1] == s[si]) next = gi + 2;
      } else if (gc == s[si]) {
        next = gi + 1;
      }
      if (next != kNpos) {
        gi = next;
        ++si;
        continue;
      }
    }
    if (star_g == kNpos) return false;
    gi = star_g;
    si = ++star_s;
  }
  while (gi < g.size() && g[gi] == '*') ++gi;
  return gi == g.size();
}

Status ValidateComponent(std::string_view glob, std::string_view comp) {
  if (comp == "**") return Status::Ok();
  for (size_t i = 0; i < comp.size();) {
    char c = comp[i];
    if (c == '\\') {
      if (i + 1 == comp.size())
        return Status::InvalidArgument(std::string(glob), "trailing '\\'");
      i += 2;
    } else if (c == '[') {
      ClassScan scan = ScanClass(comp, i, 0);
      if (scan.end == kNpos)
        return Status::InvalidArgument(std::string(glob), "unclosed '['");
      if (scan.bad_range) {
        return Status::InvalidArgument(std::string(glob),
                                       "reversed range in '[...]'");
      }
      i = scan.end;
    } else if (c == '*' && i + 1 < comp.size() && comp[i + 1] == '*') {
      return Status::InvalidArgument(
          std::string(glob),
          "'**' must be a whole path component, not part of '" +
              std::string(comp) + "'");
    } else {
      ++i;
    }
  }
  return Status::Ok();
}

}  // namespace

bool GlobMatch(std::string_view glob, std::string_view path) {
  if (!ValidateGlob(glob).ok()) return false;
  std::vector<std::string_view> g = SplitComponents(glob);
  std::vector<std::string_view> p = SplitComponents(path);
  // reach[k]: the first k path components can be consumed by the glob
  // components processed so far.
  std::vector<bool> reach(p.size() + 1, false);
  reach[0] = true;
  for (std::string_view comp : g) {
    std::vector<bool> next(p.size() + 1, false);
    if (comp == "**") {
      bool any = false;
      for (size_t k = 0; k <= p.size(); ++k) next[k] = any = any || reach[k];
    } else {
      for (size_t k = 0; k < p.size(); ++k)
        next[k + 1] = reach[k] && MatchComponent(comp, p[k]);
    }
    reach = std::move(next);
  }
  return reach[p.size()];
}

Status ValidateGlob(std::string_view glob) {
  if (glob.empty()) return Status::InvalidArgument("", "empty glob");
  for (std::string_view comp : SplitComponents(glob)) {
    CRASHLAB_RETURN_IF_ERROR(ValidateComponent(glob, comp));
  }
  return Status::Ok();
}

}  // namespace crashlab::faultfs
