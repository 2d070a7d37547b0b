#pragma once
// Rule files for `faultfs mount --rules FILE`: either a JSON array of rule
// objects or JSON lines (one rule object per line; blank lines and lines
// starting with '#' are skipped). Errors read "FILE:LINE:COL: message".

#include <string>
#include <vector>

#include "faultfs/fault_rule.h"

namespace crashlab::faultfs::daemon {

// `name` is used in messages; `text` is the file's content.
Result<std::vector<FaultRule>> ParseRulesText(const std::string& name,
                                              const std::string& text);
Result<std::vector<FaultRule>> LoadRulesFile(const std::string& path);

// Rules the daemon cannot carry out faithfully are refused (EINVAL, message
// starting "unsupported"): an `error` or `error_after` rule on op `close`.
// FUSE tells the daemon about a file's last close (release) after close(2)
// has returned, so the caller would never see the error while the fault log
// recorded it. (A rule on op `any` simply does not fire on close in the
// daemon: SimVfs::Options::close_errors.) Used for --rules and `inject`.
Status CheckDaemonRule(const FaultRule& rule);

}  // namespace crashlab::faultfs::daemon
