#include "reports/canonical.h"

#include <algorithm>
#include <tuple>

namespace crashlab::reports {

namespace {

auto ViolationKey(const Violation& v) {
  return std::tie(v.scenario_file, v.scenario, v.mode, v.crash_point,
                  v.crash_mode, v.invariant, v.message, v.reproducer);
}

auto ScenarioKey(const ScenarioResult& s) {
  return std::tie(s.file, s.name, s.mode);
}

template <typename T>
void SortUnique(std::vector<T>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

}  // namespace

bool ViolationLess(const Violation& a, const Violation& b) {
  return ViolationKey(a) < ViolationKey(b);
}

void Canonicalize(RunRecord* record) {
  SortUnique(&record->run.modes);
  for (auto& s : record->scenarios) SortUnique(&s.crash_points);
  std::stable_sort(record->scenarios.begin(), record->scenarios.end(),
                   [](const ScenarioResult& a, const ScenarioResult& b) {
                     return ScenarioKey(a) < ScenarioKey(b);
                   });
  std::stable_sort(record->violations.begin(), record->violations.end(),
                   ViolationLess);
}

RunRecord WithoutTimings(RunRecord record) {
  record.run.started.clear();
  record.run.finished.clear();
  record.run.duration_seconds = 0;
  for (auto& s : record.scenarios) s.duration_seconds = 0;
  return record;
}

}  // namespace crashlab::reports
