#include "tests/reports/test_support.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace crashlab::reports::testing {

bool ToolsRequired() {
  const char* v = std::getenv("CRASHLAB_REQUIRE_TOOLS");
  return v != nullptr && std::string(v) == "1";
}

CommandResult RunShell(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "crashlab-reports-XXXXXX")
          .string();
  char* made = ::mkdtemp(pattern.data());
  if (made != nullptr) path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::filesystem::path SourceDir() { return CRASHLAB_REPORTS_TEST_DIR; }
std::filesystem::path ArtifactDir() { return CRASHLAB_REPORTS_ARTIFACT_DIR; }

}  // namespace crashlab::reports::testing
