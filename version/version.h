#pragma once
// The version and the git commit crashlab was built from, for `--version`
// and the run record. Both come from a header generated when CMake configures
// (cmake/CrashlabVersion.cmake); a build outside a git checkout (a source
// tarball, a Docker build context without .git) says "unknown" unless
// -DCRASHLAB_GIT_COMMIT=... was given.

#include <string>
#include <string_view>

namespace crashlab::version {

// "0.1.0" (the project version in the top-level CMakeLists.txt).
std::string_view Version();

// The full commit hash, or "unknown".
std::string_view Commit();

// Commit() or "" when unknown (what the run record stores).
std::string CommitOrEmpty();

// "PROGRAM 0.1.0 (commit 0123abcd...)", the first line of `--version`.
std::string VersionLine(std::string_view program);

// Where the installed data lives relative to the directory holding the
// binaries, e.g. "../share/crashlab" for bin/ and share/crashlab/.
std::string_view DataDirFromBinDir();

}  // namespace crashlab::version
