#pragma once
// An error in an input file, located: "scenarios/x.json:12:7:
// /workload/3/count: must be a positive integer". Every scenario problem is
// reported this way.

#include <cstddef>
#include <string>
#include <vector>

namespace crashlab::harness {

struct InputError {
  std::string file;
  size_t line = 0;    // 1-based; 0 when unknown (e.g. the file cannot be read)
  size_t column = 0;  // 1-based
  std::string field;  // JSON pointer of the offending field ("" = the document)
  std::string message;

  std::string ToString() const;
};

std::string JoinErrors(const std::vector<InputError>& errors);  // one per line

}  // namespace crashlab::harness
