#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <future>

namespace nats::net {

struct Counter : RemoteWork {
  std::atomic<int> runs{0};
  void run_remote_work() override { runs++; }
};

TEST(EventLoop, ScheduleFromAnotherThreadRunsOnOwner) {
  LoopGroup g(2);
  g.start();
  Counter c;
  std::promise<bool> on_owner;
  for (int i = 0; i < 100; ++i) g.loop(1).schedule(&c);
  g.loop(1).post([&] { on_owner.set_value(g.loop(1).in_loop_thread()); });
  EXPECT_TRUE(on_owner.get_future().get());
  EXPECT_EQ(c.runs.load(), 100);
  g.stop();
}

struct Tracked {
  static inline std::atomic<int> alive{0};
  Tracked() { alive++; }
  ~Tracked() { alive--; }
};

TEST(EventLoop, RetiredMemoryIsFreedAfterEveryLoopPassesABarrier) {
  LoopGroup g(3);
  g.start();
  std::promise<void> retired;
  g.loop(0).post([&] {
    for (int i = 0; i < 10; ++i) g.loop(0).retire(new Tracked());
    retired.set_value();
  });
  retired.get_future().get();
  for (int i = 0; i < 1000 && Tracked::alive.load() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(Tracked::alive.load(), 0);
  g.stop();
}

TEST(EventLoop, StopFreesWhatIsStillRetired) {
  {
    LoopGroup g(1);
    g.loop(0).retire(new Tracked());  // never started: freed by stop()
    EXPECT_EQ(Tracked::alive.load(), 1);
  }
  EXPECT_EQ(Tracked::alive.load(), 0);
}

}  // namespace nats::net
