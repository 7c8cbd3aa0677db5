#include "net/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

namespace nats::net {
namespace {

TEST(WorkerPool, RunsEveryJobInSubmissionOrderOnOneThread) {
  WorkerPool pool(1, "test");
  std::vector<int> order;
  std::promise<void> done;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(pool.submit([&order, i] { order.push_back(i); }));
  }
  ASSERT_TRUE(pool.submit([&done] { done.set_value(); }));
  done.get_future().wait();
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[size_t(i)], i);
}

TEST(WorkerPool, RunsJobsConcurrentlyWithTwoThreads) {
  WorkerPool pool(2, "test");
  EXPECT_EQ(pool.size(), 2);
  // Each job waits for the other: only two threads running at once can finish them.
  std::promise<void> a_started, b_started;
  auto a = a_started.get_future().share();
  auto b = b_started.get_future().share();
  std::promise<void> both_done;
  std::atomic<int> finished{0};
  pool.submit([&, b] {
    a_started.set_value();
    b.wait();
    if (++finished == 2) both_done.set_value();
  });
  pool.submit([&, a] {
    b_started.set_value();
    a.wait();
    if (++finished == 2) both_done.set_value();
  });
  EXPECT_EQ(both_done.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

TEST(WorkerPool, StopDropsQueuedJobsReleasingTheirCapturesAndRefusesNewOnes) {
  auto pool = std::make_unique<WorkerPool>(1, "test");
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::promise<void> running;
  pool->submit([&running, gate] {
    running.set_value();
    gate.wait();
  });
  running.get_future().wait();
  auto token = std::make_shared<int>(7);
  std::atomic<bool> ran{false};
  pool->submit([token, &ran] { ran = true; });
  EXPECT_EQ(pool->queued(), 1u);
  EXPECT_EQ(token.use_count(), 2);
  std::thread stopper([&] { pool->stop(); });
  // stop() takes the queue first, then waits for the running job: release that job only once
  // the queue is gone, or the worker could pick the queued job up first.
  while (pool->queued() != 0) std::this_thread::yield();
  release.set_value();  // the running job finishes; stop() then returns
  stopper.join();
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(token.use_count(), 1);  // the dropped job's captures were destroyed
  EXPECT_FALSE(pool->submit([] {}));
  pool->stop();  // idempotent
}

}  // namespace
}  // namespace nats::net
