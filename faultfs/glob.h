#pragma once
// Path globs for fault rules and scenario filters.

#include <string_view>

#include "faultfs/status.h"

namespace crashlab::faultfs {

// Glob over '/'-separated paths: '*' and '?' within one component, '[...]'
// character classes, '**' as a whole component matches zero or more
// components ("**/CATALOG*" matches "CATALOG.json" and "a/b/CATALOG.json").
// Classes: "[abc]", ranges "[a-z]", negation "[!a-z]" (or "[^a-z]"); a ']'
// right after '[' or '[!' is literal. Outside classes a backslash makes the
// next character literal. '*' also matches a leading '.'. The empty path has
// zero components (only globs made of "**" components match it). A glob that
// ValidateGlob rejects matches nothing.
bool GlobMatch(std::string_view glob, std::string_view path);
// Checks a glob's syntax: not empty, no unclosed '[', no reversed range
// ("[z-a]"), no trailing backslash, and '**' only as a whole component ("a**b"
// and
// "**.log" are errors). The error's path is the glob.
Status ValidateGlob(std::string_view glob);

}  // namespace crashlab::faultfs
