#include "reports/junit_writer.h"

#include <map>
#include <sstream>

#include "reports/format_util.h"
#include "reports/invariant_outcome.h"
#include "reports/text_escape.h"

namespace crashlab::reports {

namespace {

struct Case {
  std::string name;
  std::string classname;
  double seconds = 0;
  enum class Status { kPass, kFailure, kError } status = Status::kPass;
  std::string message;  // failure/error message attribute
  std::string type;
  std::string body;  // failure/error text
  std::string out;   // system-out
};

std::string ViolationLine(const Violation& v) {
  return "op " + std::to_string(v.crash_point) + ", crash mode " +
         v.crash_mode + ": " + v.message +
         "\n  reproduce: " + v.reproduce_command;
}

std::string ListViolations(const std::vector<const Violation*>& vs,
                           uint64_t total) {
  std::string body;
  for (size_t i = 0; i < vs.size() && i < kJunitMaxListed; ++i)
    body += ViolationLine(*vs[i]) + "\n";
  if (total > kJunitMaxListed) {
    body +=
        "... " +
        Plural(total - kJunitMaxListed, "more violation", "more violations") +
        " in report.json / report.html\n";
  }
  return body;
}

std::vector<Case> CasesOf(const RunRecord& record, const ScenarioResult& s) {
  std::vector<Case> cases;
  std::string prefix = s.name + " [" + s.mode + "] ";
  auto outcomes = InvariantOutcomes(s);
  double share = outcomes.empty() ? s.duration_seconds
                                  : s.duration_seconds / outcomes.size();
  if (outcomes.empty() && s.verdict == Verdict::kError) {
    cases.push_back({prefix + "(run)", s.file, s.duration_seconds,
                     Case::Status::kError, s.error, "scenario-error", s.error,
                     ""});
  }
  for (const auto& o : outcomes) {
    Case c{prefix + o.id, s.file, share};
    auto vs = ViolationsOf(record, s, o.id);
    std::string counts = "held in " + Plural(o.held, "case", "cases") +
                         ", violated in " + FormatCount(o.violated);
    switch (o.kind) {
      case InvariantOutcome::Kind::kHeld:
        c.out = counts;
        break;
      case InvariantOutcome::Kind::kExpectedViolation:
        c.out = "expected violation detected: " + counts + "\n" +
                ListViolations(vs, vs.size());
        break;
      case InvariantOutcome::Kind::kMissedViolation:
        c.status = Case::Status::kFailure;
        c.type = "missed-violation";
        c.message =
            "expected " + o.id +
            " to be violated, but it held in every explored crash state (" +
            FormatCount(o.held) + ")";
        c.body = c.message + "\n";
        break;
      case InvariantOutcome::Kind::kViolated:
        c.status = Case::Status::kFailure;
        c.type = o.id;
        if (!vs.empty()) {
          c.message = vs.front()->message + " (op " +
                      std::to_string(vs.front()->crash_point) + ", " +
                      vs.front()->crash_mode +
                      ") — reproduce: " + vs.front()->reproduce_command;
        } else {
          c.message =
              o.id + " violated in " + Plural(o.violated, "case", "cases");
        }
        c.body = counts + "\n" + ListViolations(vs, vs.size());
        break;
      case InvariantOutcome::Kind::kError:
        c.status = Case::Status::kError;
        c.type = "scenario-error";
        c.message = s.error.empty() ? "scenario could not run" : s.error;
        c.body = c.message;
        break;
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

void WriteCase(std::ostringstream& x, const Case& c) {
  x << "    <testcase name=\"" << XmlEscape(c.name) << "\" classname=\""
    << XmlEscape(c.classname) << "\" time=\"" << FormatSeconds(c.seconds)
    << "\"";
  if (c.status == Case::Status::kPass && c.out.empty()) {
    x << "/>\n";
    return;
  }
  x << ">\n";
  if (c.status != Case::Status::kPass) {
    const char* tag = c.status == Case::Status::kFailure ? "failure" : "error";
    x << "      <" << tag << " message=\"" << XmlEscape(c.message)
      << "\" type=\"" << XmlEscape(c.type) << "\">" << XmlEscape(c.body, false)
      << "</" << tag << ">\n";
  }
  if (!c.out.empty())
    x << "      <system-out>" << XmlEscape(c.out, false) << "</system-out>\n";
  x << "    </testcase>\n";
}

}  // namespace

std::string RenderJunit(const RunRecord& record) {
  // Scenario files in first-appearance order (the record is canonical, so
  // that is sorted by file).
  std::vector<std::string> files;
  std::map<std::string, std::vector<const ScenarioResult*>> by_file;
  for (const auto& s : record.scenarios) {
    if (!by_file.count(s.file)) files.push_back(s.file);
    by_file[s.file].push_back(&s);
  }
  std::ostringstream body;
  size_t all_tests = 0, all_failures = 0, all_errors = 0;
  double all_seconds = 0;
  const std::string timestamp = JunitTimestamp(record.run.started);
  for (size_t id = 0; id < files.size(); ++id) {
    std::vector<Case> cases;
    double seconds = 0;
    for (const ScenarioResult* s : by_file[files[id]]) {
      auto more = CasesOf(record, *s);
      cases.insert(cases.end(), more.begin(), more.end());
      seconds += s->duration_seconds;
    }
    size_t failures = 0, errors = 0;
    for (const auto& c : cases) {
      failures += c.status == Case::Status::kFailure;
      errors += c.status == Case::Status::kError;
    }
    all_tests += cases.size();
    all_failures += failures;
    all_errors += errors;
    all_seconds += seconds;
    body << "  <testsuite name=\"" << XmlEscape(files[id])
         << "\" package=\"crashlab\" id=\"" << id << "\" timestamp=\""
         << timestamp << "\" hostname=\""
         << XmlEscape(record.run.machine.hostname) << "\" tests=\""
         << cases.size() << "\" failures=\"" << failures << "\" errors=\""
         << errors << "\" skipped=\"0\" time=\"" << FormatSeconds(seconds)
         << "\">\n";
    body << "    <properties>\n";
    auto prop = [&](const std::string& name, const std::string& value) {
      body << "      <property name=\"" << XmlEscape(name) << "\" value=\""
           << XmlEscape(value) << "\"/>\n";
    };
    prop("crashlab.version", record.run.crashlab_version);
    if (!record.run.commit.empty()) prop("crashlab.commit", record.run.commit);
    prop("crashlab.seed", std::to_string(record.run.seed));
    prop("crashlab.shard", record.run.shard.ToString());
    body << "    </properties>\n";
    for (const auto& c : cases) WriteCase(body, c);
    body << "    <system-out/>\n    <system-err/>\n  </testsuite>\n";
  }
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<testsuites name=\"crashlab\" tests=\"" << all_tests << "\" failures=\""
    << all_failures << "\" errors=\"" << all_errors << "\" time=\""
    << FormatSeconds(all_seconds) << "\">\n"
    << body.str() << "</testsuites>\n";
  return x.str();
}

}  // namespace crashlab::reports
