#pragma once
// Helpers for the reports tests: temporary directories, running external
// tools (xmllint, python3 -m jsonschema, chromium), and the skip-or-fail rule
// for missing tools: a test skips with a reason unless the environment sets
// CRASHLAB_REQUIRE_TOOLS=1, in which case a missing tool is a failure.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace crashlab::reports::testing {

bool ToolsRequired();

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
CommandResult RunShell(const std::string& command);
std::string ShellQuote(const std::string& text);

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string ReadFile(const std::filesystem::path& path);
// The tests' own source directory (junit.xsd, data/) and the build-tree
// directory for artifacts such as the HTML screenshot.
std::filesystem::path SourceDir();
std::filesystem::path ArtifactDir();

}  // namespace crashlab::reports::testing

// Skips the test (or fails it, under CRASHLAB_REQUIRE_TOOLS=1) when `ok` is
// false. Use at the top of a TEST body.
#define CRASHLAB_REQUIRE_TOOL(ok, reason)                                   \
  do {                                                                      \
    if (!(ok)) {                                                            \
      if (::crashlab::reports::testing::ToolsRequired()) {                  \
        FAIL() << (reason) << " (CRASHLAB_REQUIRE_TOOLS=1)";                \
      } else {                                                              \
        GTEST_SKIP() << (reason)                                            \
                     << "; set CRASHLAB_REQUIRE_TOOLS=1 to make this fail"; \
      }                                                                     \
    }                                                                       \
  } while (0)
