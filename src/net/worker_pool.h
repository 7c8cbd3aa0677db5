#pragma once
// A few threads for blocking work that must stay off the event loops: bcrypt checks today,
// later resolver fetches and big JSON documents.
//
// Owned by the Server. Any thread may submit(); a job runs on one of the pool's threads and
// reports back by posting to whichever loop it concerns (EventLoop::post), never by touching
// loop-owned state itself. Jobs run in submission order (FIFO), `threads` at a time.
//
// stop() drops the jobs still queued (destroying them, which releases whatever they captured)
// and joins the threads after their current job; submit() then refuses further work. The owner
// stops the pool before the loops it posts to go away.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nats::net {

class WorkerPool {
 public:
  // Starts `threads` (at least 1) threads named "<name>-N" for debuggers and top.
  WorkerPool(int threads, std::string name);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`; false (and `job` is destroyed unrun) once the pool is stopped. Any thread.
  bool submit(std::function<void()> job);
  // Drops queued jobs, waits for running ones, joins the threads. Any thread but a worker's;
  // idempotent.
  void stop();

  int size() const { return int(threads_.size()); }
  // Jobs waiting for a thread (not counting running ones). Any thread; for tests and stats.
  size_t queued() const;

 private:
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::mutex join_mu_;                      // serialises stop() callers around the joins
  std::vector<std::thread> threads_;
};

}  // namespace nats::net
