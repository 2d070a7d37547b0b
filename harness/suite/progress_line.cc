#include "harness/suite/progress_line.h"

#include <unistd.h>

#include <cstdio>

namespace crashlab::harness {

ProgressLine::ProgressLine(const Progress& progress, std::ostream& err,
                           bool enabled)
    : progress_(progress),
      err_(err),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()) {
  if (!enabled_) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(250),
                         [this] { return stop_; }))
      Draw(false);
  });
}

ProgressLine::~ProgressLine() { Stop(); }

void ProgressLine::Stop() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  Draw(true);
}

void ProgressLine::Draw(bool final) {
  uint64_t done = progress_.done, total = progress_.total,
           viol = progress_.violations;
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  char buf[160];
  if (rate > 0 && total > done) {
    std::snprintf(buf, sizeof(buf),
                  "\r\033[Kcases %llu/%llu  %.0f/s  ETA %.0fs  violations %llu",
                  static_cast<unsigned long long>(done),
                  static_cast<unsigned long long>(total), rate,
                  static_cast<double>(total - done) / rate,
                  static_cast<unsigned long long>(viol));
  } else {
    std::snprintf(buf, sizeof(buf),
                  "\r\033[Kcases %llu/%llu  %.0f/s  violations %llu",
                  static_cast<unsigned long long>(done),
                  static_cast<unsigned long long>(total), rate,
                  static_cast<unsigned long long>(viol));
  }
  err_ << buf;
  if (final) err_ << "\n";
  err_.flush();
}

bool ProgressEnabled(const std::string& setting) {
  if (setting == "always") return true;
  if (setting == "never") return false;
  return isatty(STDERR_FILENO) != 0;
}

}  // namespace crashlab::harness
