#include "reports/report_io.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "faultfs/json_util.h"
#include "reports/canonical.h"
#include "reports/html_writer.h"
#include "reports/json_locate.h"
#include "reports/junit_writer.h"
#include "reports/markdown_writer.h"

namespace crashlab::reports {

namespace {

std::string Where(std::string_view text, const std::string& name,
                  size_t offset) {
  TextPosition pos = PositionOfOffset(text, offset);
  return name + ":" + std::to_string(pos.line) + ":" +
         std::to_string(pos.column);
}

// nlohmann's "[json.exception.parse_error.101] parse error at line 1,
// column 5: syntax error ..." without the prefix up to the position.
std::string ParseMessage(const std::string& what) {
  auto at = what.find("column ");
  if (at != std::string::npos) {
    auto colon = what.find(": ", at);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  auto bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

// Offset of the value at `pointer`, or of its nearest existing ancestor (a
// missing field is reported at the object that lacks it).
size_t LocatePointer(std::string_view text, std::string pointer) {
  while (true) {
    if (auto off = OffsetOfPointer(text, pointer)) return *off;
    if (pointer.empty()) return 0;
    pointer.erase(pointer.rfind('/'));
  }
}

}  // namespace

Result<RunRecord> ParseReport(std::string_view text, const std::string& name) {
  if (auto at = faultfs::JsonTooDeepAt(text)) {
    return Status::BadInput(
        Where(text, name, *at),
        "malformed JSON: " + faultfs::JsonTooDeepMessage(*at));
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return Status::BadInput(Where(text, name, offset),
                            "malformed JSON: " + ParseMessage(e.what()));
  } catch (const nlohmann::json::exception& e) {  // out_of_range: 1e400
    return Status::BadInput(Where(text, name, 0),
                            "malformed JSON: " + ParseMessage(e.what()));
  }
  Result<RunRecord> record = FromJson(j);
  if (!record.ok()) {
    const Status& st = record.status();
    std::string pointer = st.where() == "/" ? "" : st.where();
    return Status::BadInput(
        Where(text, name, LocatePointer(text, pointer)),
        (pointer.empty() ? "/" : pointer) + ": " + st.message());
  }
  return record;
}

Result<RunRecord> ReadReportFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::BadInput(path.string(), "no such file");
  }
  if (std::filesystem::is_directory(path, ec)) {
    return Status::BadInput(path.string(),
                            "is a directory, expected a report.json file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::Environment(
        path.string(), std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::Environment(path.string(), "read failed");
  return ParseReport(buf.str(), path.string());
}

std::string RenderJson(const RunRecord& record) {
  RunRecord canonical = record;
  Canonicalize(&canonical);
  return faultfs::DumpJson(ToJson(canonical), 2) + "\n";
}

Status WriteFileAtomically(const std::filesystem::path& path,
                           std::string_view content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      return Status::Environment(
          tmp.string(), std::string("cannot create: ") + std::strerror(errno));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out)
      return Status::Environment(
          tmp.string(), std::string("write failed: ") + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return Status::Environment(path.string(),
                               "cannot rename into place: " + ec.message());
  return Status::Ok();
}

Status WriteReports(const RunRecord& record, const std::filesystem::path& dir,
                    unsigned formats) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status::Environment(
        dir.string(), "cannot create report directory: " + ec.message());
  RunRecord canonical = record;
  Canonicalize(&canonical);
  struct Output {
    unsigned format;
    const char* file;
    std::string (*render)(const RunRecord&);
  };
  const Output outputs[] = {
      {kFormatJson, kJsonFile, RenderJson},
      {kFormatJunit, kJunitFile, RenderJunit},
      {kFormatHtml, kHtmlFile, RenderHtml},
      {kFormatMarkdown, kMarkdownFile, RenderMarkdown},
  };
  for (const Output& o : outputs) {
    if ((formats & o.format) == 0) continue;
    if (Status st = WriteFileAtomically(dir / o.file, o.render(canonical));
        !st.ok())
      return st;
  }
  return Status::Ok();
}

}  // namespace crashlab::reports
