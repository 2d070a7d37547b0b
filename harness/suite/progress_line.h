#pragma once
// A live progress line on a terminal: crash states done/total, rate, ETA and
// violations so far, redrawn a few times a second on `err` until Stop().

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <thread>

#include "harness/sim/explorer.h"

namespace crashlab::harness {

class ProgressLine {
 public:
  // `enabled` false: does nothing.
  ProgressLine(const Progress& progress, std::ostream& err, bool enabled);
  ~ProgressLine();  // stops
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void Stop();

 private:
  void Draw(bool final);

  const Progress& progress_;
  std::ostream& err_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// --progress auto|always|never; auto = stderr is a terminal.
bool ProgressEnabled(const std::string& setting);

}  // namespace crashlab::harness
