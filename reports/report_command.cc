#include "reports/report_command.h"

#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "reports/merge.h"
#include "reports/report_io.h"

namespace crashlab::reports {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUnmet = 1;
constexpr int kExitUsage = 2;

constexpr const char* kUsage =
    "usage: report merge DIR_OR_JSON... [--out DIR]\n"
    "       report render REPORT_JSON [--html] [--junit] [--md] [--json] "
    "[--out DIR]\n"
    "\n"
    "merge   merge shard reports (directories holding report.json, or the "
    "files)\n"
    "        into one report; exit 1 if any scenario missed its expectation\n"
    "render  write report.html / junit.xml / summary.md from a report.json\n"
    "        (all three when no format is chosen)\n";

int Fail(std::ostream& err, const Status& st) {
  err << "crashlab report: " << st.ToString() << "\n";
  return st.exit_code();
}

int Usage(std::ostream& err, const std::string& message) {
  err << "crashlab report: " << message << "\n" << kUsage;
  return kExitUsage;
}

fs::path ReportJsonOf(const fs::path& input) {
  std::error_code ec;
  return fs::is_directory(input, ec) ? input / kJsonFile : input;
}

int MergeCommand(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err) {
  po::options_description opts("merge options");
  opts.add_options()("out", po::value<std::string>()->default_value("report"),
                     "output directory")("inputs",
                                         po::value<std::vector<std::string>>(),
                                         "shard report directories or files");
  po::positional_options_description pos;
  pos.add("inputs", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(opts).positional(pos).run(),
            vm);
  po::notify(vm);
  if (!vm.count("inputs")) return Usage(err, "merge needs at least one report");

  std::vector<RunRecord> records;
  std::vector<std::string> names;
  for (const auto& input : vm["inputs"].as<std::vector<std::string>>()) {
    fs::path file = ReportJsonOf(input);
    Result<RunRecord> r = ReadReportFile(file);
    if (!r.ok()) return Fail(err, r.status());
    records.push_back(std::move(r).value());
    names.push_back(file.string());
  }
  Result<RunRecord> merged = Merge(records, names);
  if (!merged.ok()) return Fail(err, merged.status());
  const fs::path dir = vm["out"].as<std::string>();
  if (Status st = WriteReports(*merged, dir); !st.ok()) return Fail(err, st);
  const Totals t = ComputeTotals(*merged);
  out << "merged " << records.size() << " reports into " << dir.string() << ": "
      << t.scenarios << " scenarios, " << t.crash_points << " crash points, "
      << t.crash_states << " cases (point x mode), " << t.distinct_images
      << " distinct post-crash images, " << t.recoveries << " recoveries, "
      << t.nested_crashes << " nested recovery crashes, " << t.violations
      << " violations, " << t.expectation_unmet << " unmet expectations\n";
  return AllExpectationsMet(*merged) ? kExitOk : kExitUnmet;
}

int RenderCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  po::options_description opts("render options");
  opts.add_options()("html", "write report.html")("junit", "write junit.xml")(
      "md", "write summary.md")("json",
                                "rewrite report.json in canonical form")(
      "out", po::value<std::string>(), "output directory")(
      "input", po::value<std::vector<std::string>>(), "report.json");
  po::positional_options_description pos;
  pos.add("input", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(opts).positional(pos).run(),
            vm);
  po::notify(vm);
  if (!vm.count("input")) return Usage(err, "render needs a report.json");
  const auto& inputs = vm["input"].as<std::vector<std::string>>();
  if (inputs.size() != 1)
    return Usage(err, "render takes exactly one report.json");

  unsigned formats = 0;
  if (vm.count("html")) formats |= kFormatHtml;
  if (vm.count("junit")) formats |= kFormatJunit;
  if (vm.count("md")) formats |= kFormatMarkdown;
  if (vm.count("json")) formats |= kFormatJson;
  if (formats == 0) formats = kFormatHtml | kFormatJunit | kFormatMarkdown;

  const fs::path file = ReportJsonOf(inputs.front());
  Result<RunRecord> record = ReadReportFile(file);
  if (!record.ok()) return Fail(err, record.status());
  fs::path dir = vm.count("out") ? fs::path(vm["out"].as<std::string>())
                                 : file.parent_path();
  if (dir.empty()) dir = ".";
  if (Status st = WriteReports(*record, dir, formats); !st.ok())
    return Fail(err, st);
  out << "rendered " << file.string() << " into " << dir.string() << "\n";
  return kExitOk;
}

}  // namespace

int RunReportCommand(int argc, const char* const* argv, std::ostream& out,
                     std::ostream& err) {
  if (argc < 2) return Usage(err, "missing subcommand");
  const std::string sub = argv[1];
  if (sub == "-h" || sub == "--help" || sub == "help") {
    out << kUsage;
    return kExitOk;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (sub == "merge") return MergeCommand(args, out, err);
    if (sub == "render") return RenderCommand(args, out, err);
  } catch (const po::error& e) {
    return Usage(err, sub + ": " + e.what());
  }
  return Usage(err, "unknown subcommand \"" + sub + "\"");
}

int RunReportCommand(int argc, char** argv) {
  return RunReportCommand(argc, argv, std::cout, std::cerr);
}

}  // namespace crashlab::reports
