#pragma once
// One event loop per core. Each loop runs one asio::io_context on its own thread; every
// connection is owned by exactly one loop and only that loop reads, writes or closes it.
//
// Other loops talk to a connection through its loop's inbox (`schedule`): a producer that
// queued output for a connection on another loop pushes it once at the end of its read batch,
// and the owner wakes once for the whole inbox, never once per message.
//
// Memory that other loops may still be looking at (a closed connection, a removed
// subscription) is handed to `retire`; it is freed only after every loop has run a barrier
// posted after the retirement, and after this loop has drained every inbox entry pushed before
// that barrier (see docs/threading.md).

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <asio.hpp>

namespace nats::net {

// Work that another loop asks the owner of an object to do (flush output, close, ...).
class RemoteWork {
 public:
  virtual void run_remote_work() = 0;

 protected:
  ~RemoteWork() = default;
};

class LoopGroup;

class EventLoop {
 public:
  EventLoop(LoopGroup& group, int index);
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  asio::io_context& io() { return io_; }
  int index() const { return index_; }
  bool in_loop_thread() const { return std::this_thread::get_id() == thread_id_; }

  // Runs fn on this loop's thread; callable from any thread.
  template <typename Fn>
  void post(Fn&& fn) {
    asio::post(io_, std::forward<Fn>(fn));
  }

  // Queues w to run on this loop. Callable from any thread; wakes the loop at most once per
  // burst of schedule calls that find the inbox empty.
  void schedule(RemoteWork* w);

  // Hands memory to the loop for freeing once no loop can still reference it. Loop thread only.
  void retire(void* p, void (*deleter)(void*));
  template <typename T>
  void retire(T* p) {
    retire(static_cast<void*>(p), [](void* q) { delete static_cast<T*>(q); });
  }

  // Runs fn at the end of the current batch of ready events on this loop, once per batch.
  // Loop thread only. Used to coalesce flushes of connections owned by this loop.
  void defer_to_batch_end(RemoteWork* w);

 private:
  friend class LoopGroup;
  void run();
  void drain_inbox();
  void run_batch_end();
  void start_reclaim_round();

  LoopGroup& group_;
  const int index_;
  asio::io_context io_{1};
  std::thread thread_;
  std::thread::id thread_id_;

  std::mutex inbox_mu_;
  std::vector<RemoteWork*> inbox_;
  std::vector<RemoteWork*> inbox_spare_;
  bool drain_posted_ = false;

  std::vector<RemoteWork*> batch_end_;
  std::vector<RemoteWork*> batch_end_spare_;
  bool batch_end_posted_ = false;

  struct Garbage {
    void* p;
    void (*deleter)(void*);
  };
  std::vector<Garbage> retired_;
  std::vector<Garbage> in_round_;
  std::atomic<int> round_pending_{0};
};

// All loops of a server; owns their threads.
class LoopGroup {
 public:
  explicit LoopGroup(int count);
  ~LoopGroup();

  void start();
  // Stops every loop and joins its thread; frees all retired memory.
  void stop();

  int size() const { return int(loops_.size()); }
  EventLoop& loop(int i) { return *loops_[size_t(i)]; }
  // Round-robin choice for a new connection.
  EventLoop& next_loop();

  // Runs fn(i) on every loop i, all at once, and returns when each has finished. For
  // cross-loop work from outside the loops (monitoring, shutdown); never call it from a loop
  // thread, which would wait for itself.
  void run_on_all_and_wait(const std::function<void(int loop_index)>& fn);
  // Runs fn on loop i and waits for it; same rule.
  void run_and_wait(int i, const std::function<void()>& fn);

 private:
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::atomic<uint32_t> next_{0};
};

}  // namespace nats::net
