#include "net/worker_pool.h"

#include <pthread.h>

#include <utility>

namespace nats::net {

WorkerPool::WorkerPool(int threads, std::string name) {
  if (threads < 1) threads = 1;
  threads_.reserve(size_t(threads));
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { run(); });
    // Linux limits thread names to 15 characters.
    std::string thread_name = (name + "-" + std::to_string(i)).substr(0, 15);
    pthread_setname_np(threads_.back().native_handle(), thread_name.c_str());
  }
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    dropped.swap(jobs_);
  }
  cv_.notify_all();
  std::lock_guard join_lock(join_mu_);
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  // Destroyed here, outside the lock: a job's captures may do work when released.
  dropped.clear();
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

void WorkerPool::run() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace nats::net
