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

}  // namespace crashlab::faultfs::daemon
