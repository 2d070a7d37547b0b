#include "faultfs/client/mountinfo.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace crashlab::faultfs {
namespace {

// Decodes the octal escapes of /proc/self/mountinfo ("\040" for a space).
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out.push_back(
          static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

std::vector<MountInfoEntry> ReadMountInfo() {
  std::vector<MountInfoEntry> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mp;
    fields >> id >> parent >> dev >> root >> mp;
    std::string tok, fstype;
    while (fields >> tok) {
      if (tok == "-") {
        fields >> fstype;
        break;
      }
    }
    out.push_back(MountInfoEntry{Unescape(mp), fstype});
  }
  return out;
}

bool IsMountPoint(const std::string& path) {
  for (const auto& m : ReadMountInfo()) {
    if (m.mountpoint == path) return true;
  }
  return false;
}

}  // namespace crashlab::faultfs
