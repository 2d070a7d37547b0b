#include "version/version.h"

#include "crashlab_version_info.h"  // generated at configure time

namespace crashlab::version {

std::string_view Version() { return CRASHLAB_INFO_VERSION; }

std::string_view Commit() { return CRASHLAB_INFO_COMMIT; }

std::string CommitOrEmpty() {
  return Commit() == "unknown" ? std::string() : std::string(Commit());
}

std::string VersionLine(std::string_view program) {
  std::string out(program);
  out += " ";
  out += Version();
  out += " (commit ";
  out += Commit();
  out += ")";
  return out;
}

std::string_view DataDirFromBinDir() { return CRASHLAB_INFO_DATADIR_FROM_BIN; }

}  // namespace crashlab::version
