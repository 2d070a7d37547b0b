#pragma once
// Reading report.json and writing a report directory.

#include <filesystem>
#include <string>
#include <string_view>

#include "reports/run_record.h"

namespace crashlab::reports {

// The files of a report directory.
inline constexpr const char* kJsonFile = "report.json";
inline constexpr const char* kJunitFile = "junit.xml";
inline constexpr const char* kHtmlFile = "report.html";
inline constexpr const char* kMarkdownFile = "summary.md";

enum Format : unsigned {
  kFormatJson = 1u << 0,
  kFormatJunit = 1u << 1,
  kFormatHtml = 1u << 2,
  kFormatMarkdown = 1u << 3,
  kAllFormats = 0xfu,
};

// Parses report.json text. Errors are kBadInput with where() =
// "NAME:LINE:COLUMN" and a message that names the JSON pointer of the bad
// field, e.g. "shard2/report.json:14:18" / "/scenarios/0/verdict: expected
// \"pass\", \"fail\" or \"error\", got \"ok\"".
Result<RunRecord> ParseReport(std::string_view text, const std::string& name);

// Reads and parses a file. A file that does not exist is kBadInput; one that
// exists but cannot be read is kEnvironment.
Result<RunRecord> ReadReportFile(const std::filesystem::path& path);

// report.json text: canonical form, two-space indent, trailing newline.
std::string RenderJson(const RunRecord& record);

// Writes the selected files of `record` (canonicalized first) into `dir`,
// creating it. Each file is written to a temporary name and renamed, so a
// reader never sees half a file. Failures are kEnvironment.
Status WriteReports(const RunRecord& record, const std::filesystem::path& dir,
                    unsigned formats = kAllFormats);

// Writes `content` to `path` through a temporary file and rename.
Status WriteFileAtomically(const std::filesystem::path& path,
                           std::string_view content);

}  // namespace crashlab::reports
