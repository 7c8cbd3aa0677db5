#include "progress.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "bench_stats.h"

namespace nats::cli {

std::string render_progress(const std::string& label, uint64_t done, uint64_t total, int width) {
  done = std::min(done, total);
  const double frac = total == 0 ? 1.0 : double(done) / double(total);
  const int filled = int(frac * width);
  std::string bar(size_t(filled), '=');
  if (filled < width) {
    bar += '>';
    bar.append(size_t(width - filled - 1), ' ');
  }
  return fmt::format("{} {:3d}% [{}] {} / {}", label, int(frac * 100), bar, with_commas(done),
                     with_commas(total));
}

ProgressBar::ProgressBar(std::string label, uint64_t total, bool enabled, FILE* out)
    : label_(std::move(label)), total_(total), out_(out) {
  if (enabled) thread_ = std::thread([this] { run(); });
}

ProgressBar::~ProgressBar() { stop(); }

void ProgressBar::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  thread_.join();
  if (drawn_) {
    fmt::print(out_, "\r{}\n", render_progress(label_, done_.load(), total_, kProgressWidth));
    std::fflush(out_);
  }
}

void ProgressBar::run() {
  const auto start = std::chrono::steady_clock::now();
  while (!stop_.load()) {
    std::this_thread::sleep_for(kProgressTick);
    if (std::chrono::steady_clock::now() - start < kProgressDelay) continue;
    fmt::print(out_, "\r{}", render_progress(label_, done_.load(), total_, kProgressWidth));
    std::fflush(out_);
    drawn_ = true;
  }
}

bool progress_wanted(bool no_progress) { return !no_progress && ::isatty(STDERR_FILENO) == 1; }

}  // namespace nats::cli
