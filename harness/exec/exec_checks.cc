#include "harness/exec/exec_checks.h"

#include <algorithm>
#include <set>

#include "engine/sha256.h"

namespace crashlab::harness {
namespace {

// At most 48 bytes, non-printable bytes as \xNN, in quotes.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  static const char* hex = "0123456789abcdef";
  for (size_t i = 0; i < s.size() && i < 48; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  out += s.size() > 48 ? "\"..." : "\"";
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

CheckVerdict FileExists(faultfs::Vfs& vfs, const Step& s) {
  const std::string& path = *s.file_exists;
  auto st = vfs.Stat(path);
  if (!st.ok()) {
    if (st.status().err() == ENOENT) return {false, path + " does not exist"};
    return {false, "cannot stat " + path + ": " + st.status().ToString()};
  }
  if (st->type != faultfs::FileType::kRegular)
    return {false, path + " is not a regular file"};
  if (!s.content && s.content_sha256.empty()) {
    return {true, path + " exists (" + std::to_string(st->size) + " bytes)"};
  }
  auto data = faultfs::ReadFile(vfs, path);
  if (!data.ok())
    return {false, "cannot read " + path + ": " + data.status().ToString()};
  if (s.content && *data != *s.content) {
    return {false, path + " holds " + std::to_string(data->size()) + " bytes " +
                       Quote(*data) + ", expected " +
                       std::to_string(s.content->size()) + " bytes " +
                       Quote(*s.content)};
  }
  if (!s.content_sha256.empty()) {
    std::string sum = engine::Sha256Hex(*data);
    if (sum != s.content_sha256) {
      return {false, path + " has sha256 " + sum + " (" +
                         std::to_string(data->size()) + " bytes), expected " +
                         s.content_sha256};
    }
  }
  return {true, path + " exists with the expected content (" +
                    std::to_string(data->size()) + " bytes)"};
}

CheckVerdict FileAbsent(faultfs::Vfs& vfs, const Step& s) {
  const std::string& path = *s.file_absent;
  auto st = vfs.Stat(path);
  if (st.ok()) {
    std::string what = st->type == faultfs::FileType::kDirectory ? "a directory"
                       : st->type == faultfs::FileType::kSymlink
                           ? "a symlink"
                           : "a file of " + std::to_string(st->size) + " bytes";
    return {false, path + " exists (" + what + ")"};
  }
  if (st.status().err() == ENOENT) return {true, path + " is absent"};
  return {false,
          "cannot tell whether " + path + " exists: " + st.status().ToString()};
}

CheckVerdict Listing(faultfs::Vfs& vfs, const Step& s) {
  const std::string& dir = *s.listing_dir;
  std::string shown = dir.empty() ? "." : dir;
  auto entries = vfs.ListDir(dir);
  if (!entries.ok())
    return {false, "cannot list " + shown + ": " + entries.status().ToString()};
  std::set<std::string> have,
      want(s.listing_entries.begin(), s.listing_entries.end());
  for (const auto& e : *entries) {
    if (e.name != "." && e.name != "..") have.insert(e.name);
  }
  if (have == want)
    return {true, shown + " holds exactly [" +
                      Join({want.begin(), want.end()}) + "]"};
  std::vector<std::string> missing, extra;
  std::set_difference(want.begin(), want.end(), have.begin(), have.end(),
                      std::back_inserter(missing));
  std::set_difference(have.begin(), have.end(), want.begin(), want.end(),
                      std::back_inserter(extra));
  std::string d = shown + ":";
  if (!missing.empty()) d += " missing [" + Join(missing) + "]";
  if (!extra.empty())
    d += std::string(missing.empty() ? "" : ";") + " unexpected [" +
         Join(extra) + "]";
  return {false, d};
}

}  // namespace

CheckVerdict EvaluateBuiltinCheck(faultfs::Vfs& mount, const Step& step) {
  if (step.file_exists) return FileExists(mount, step);
  if (step.file_absent) return FileAbsent(mount, step);
  if (step.listing_dir) return Listing(mount, step);
  return {false, "not a built-in check"};
}

std::string DescribeBuiltinCheck(const Step& step) {
  if (step.file_exists) {
    std::string d = "file_exists " + *step.file_exists;
    if (step.content) d += " content " + Quote(*step.content);
    if (!step.content_sha256.empty())
      d += " sha256 " + step.content_sha256.substr(0, 12) + "...";
    return d;
  }
  if (step.file_absent) return "file_absent " + *step.file_absent;
  if (step.listing_dir) {
    return "listing " +
           (step.listing_dir->empty() ? std::string(".") : *step.listing_dir) +
           " [" + Join(step.listing_entries) + "]";
  }
  return "?";
}

}  // namespace crashlab::harness
