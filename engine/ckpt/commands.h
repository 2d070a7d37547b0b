#pragma once
// ckpt subcommands. Each returns a process exit code (docs/design.md, "Exit
// codes"):
//   0 ok, 1 a check failed (verification, recovery refused, key absent),
//   2 bad input or usage, 3 environment problem (missing directory, I/O error).

#include <iosfwd>
#include <string>
#include <vector>

#include "engine/options.h"
#include "faultfs/vfs.h"

namespace crashlab::engine::ckpt {

struct Context {
  faultfs::Vfs* vfs = nullptr;  // rooted at --dir
  std::string dir_label;        // --dir as given, for messages
  Options options;
  bool json = false;
  bool force = false;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

// Maps a failed status to an exit code: InvalidArgument 2, corruption /
// named problems 1, other I/O errors 3.
int ExitCodeFor(const faultfs::Status& st);

int CmdInit(Context& c);
int CmdPut(Context& c, const std::string& key, const std::string& value);
int CmdDel(Context& c, const std::string& key);
int CmdGet(Context& c, const std::string& key);
int CmdScan(Context& c, const std::string& start, const std::string& end);
int CmdLoad(Context& c, const std::string& file);
int CmdCheckpoint(Context& c);
int CmdList(Context& c);
int CmdVerify(Context& c, const std::string& id);
int CmdRecover(Context& c);
int CmdGc(Context& c);
int CmdInspect(Context& c);
int CmdRebuildCatalog(Context& c);

}  // namespace crashlab::engine::ckpt
