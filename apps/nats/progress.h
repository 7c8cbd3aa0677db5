#pragma once
// The progress bar `nats bench` draws on stderr, as natscli does, for runs that last: it only
// appears once the run has taken kProgressDelay, and only when stderr is a terminal.
//
// Created by the verb on its own thread; a ProgressBar owns a thread that redraws every
// kProgressTick from an atomic counter the workers bump. stop() (or the destructor) draws the
// final state and ends the line.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

namespace nats::cli {

constexpr auto kProgressDelay = std::chrono::seconds(1);
constexpr auto kProgressTick = std::chrono::milliseconds(200);
constexpr int kProgressWidth = 40;  // characters of bar

// "Publishing  40% [================>                        ] 40,000 / 100,000"
std::string render_progress(const std::string& label, uint64_t done, uint64_t total, int width);

class ProgressBar {
 public:
  // Draws nothing unless `enabled` (the caller checks --no-progress and isatty(stderr)).
  ProgressBar(std::string label, uint64_t total, bool enabled, FILE* out = stderr);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }
  void set(uint64_t n) { done_.store(n, std::memory_order_relaxed); }
  void stop();

 private:
  void run();

  std::string label_;
  uint64_t total_;
  FILE* out_;
  std::atomic<uint64_t> done_{0};
  std::atomic<bool> stop_{false};
  bool drawn_ = false;  // touched by the thread only, read after join
  std::thread thread_;
};

// Whether bench should draw: stderr is a terminal and --no-progress was not given.
bool progress_wanted(bool no_progress);

}  // namespace nats::cli
