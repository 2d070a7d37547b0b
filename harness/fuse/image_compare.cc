#include "harness/fuse/image_compare.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "engine/crc32c.h"

namespace crashlab::harness {
namespace {

using faultfs::FileType;
using faultfs::Image;
using faultfs::Ino;
using faultfs::Result;
using faultfs::Status;

std::string TypeName(FileType t) { return std::string(FileTypeName(t)); }

std::string Hex8(uint32_t v) {
  char buf[9];
  snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

std::string Describe(const faultfs::TreeEntry& e) {
  switch (e.type) {
    case FileType::kRegular:
      return "file " + std::to_string(e.data.size()) + " bytes crc32c " +
             Hex8(engine::Crc32c(e.data));
    case FileType::kSymlink:
      return "symlink -> " + e.data;
    default:
      return TypeName(e.type);
  }
}

}  // namespace

std::vector<ImageDifference> CompareImages(const Image& sim,
                                           const Image& fuse) {
  faultfs::Tree a = faultfs::ImageTree(sim);
  faultfs::Tree b = faultfs::ImageTree(fuse);
  std::set<std::string> paths;
  for (const auto& [p, e] : a) paths.insert(p);
  for (const auto& [p, e] : b) paths.insert(p);
  std::vector<ImageDifference> out;
  for (const auto& p : paths) {
    auto ia = a.find(p);
    auto ib = b.find(p);
    if (ib == b.end()) {
      out.push_back({p, "only in sim (" + Describe(ia->second) + ")"});
    } else if (ia == a.end()) {
      out.push_back({p, "only in fuse (" + Describe(ib->second) + ")"});
    } else if (ia->second.type != ib->second.type) {
      out.push_back({p, "type differs: sim " + TypeName(ia->second.type) +
                            ", fuse " + TypeName(ib->second.type)});
    } else if (ia->second.data != ib->second.data) {
      const std::string& x = ia->second.data;
      const std::string& y = ib->second.data;
      if (ia->second.type == FileType::kSymlink) {
        out.push_back({p, "symlink target differs: sim " + x + ", fuse " + y});
      } else {
        size_t i = 0;
        while (i < x.size() && i < y.size() && x[i] == y[i]) ++i;
        out.push_back({p, "content differs (sim " + std::to_string(x.size()) +
                              " bytes, fuse " + std::to_string(y.size()) +
                              " bytes; first difference at byte " +
                              std::to_string(i) + ")"});
      }
    }
  }
  return out;
}

std::string DescribeImages(const Image& sim, const Image& fuse,
                           size_t max_lines) {
  faultfs::Tree a = faultfs::ImageTree(sim);
  faultfs::Tree b = faultfs::ImageTree(fuse);
  std::set<std::string> paths;
  for (const auto& [p, e] : a) paths.insert(p);
  for (const auto& [p, e] : b) paths.insert(p);
  std::ostringstream o;
  size_t lines = 0;
  for (const auto& p : paths) {
    if (lines++ == max_lines) {
      o << "  ... " << (paths.size() - max_lines) << " more path(s)\n";
      break;
    }
    auto ia = a.find(p);
    auto ib = b.find(p);
    std::string ds = ia == a.end() ? "(absent)" : Describe(ia->second);
    std::string df = ib == b.end() ? "(absent)" : Describe(ib->second);
    bool same = ia != a.end() && ib != b.end() && ia->second == ib->second;
    if (same) {
      o << "  " << p << ": " << ds << "\n";
    } else {
      o << "! " << p << "\n      sim:  " << ds << "\n      fuse: " << df
        << "\n";
    }
  }
  return o.str();
}

}  // namespace crashlab::harness
