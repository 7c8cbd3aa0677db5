#pragma once
// The delivery thread of one connection: it runs every user callback (message handlers and
// connection events) in the order the I/O thread queued them, so the I/O thread never runs user
// code and a slow handler never stalls the socket.
//
// Created and stopped by ConnectionImpl. push_batch() is called by the I/O thread (one lock and
// at most one wake-up per read batch); post() by any thread.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "nats/message.h"
#include "sub_state.h"

namespace nats::client::detail {

struct Delivery {
  SubState* sub = nullptr;  // a message for this subscription...
  Message msg;
  std::shared_ptr<SubState> retired;  // ...or: release this subscription...
  std::function<void()> event;        // ...or: run this (connection events)
};

class Dispatcher {
 public:
  Dispatcher();
  ~Dispatcher();  // stops and joins (unless called on the delivery thread itself)

  void push_batch(std::vector<Delivery>& batch);  // moves the items out, leaves batch empty
  void post(std::function<void()> event);
  void retire(std::shared_ptr<SubState> sub);
  // Runs what is queued, then ends the thread. Safe from any thread, including the delivery
  // thread (then it ends after the current item).
  void stop();
  // Waits for the thread to end (after stop()). Not from the delivery thread itself.
  void join();
  bool on_delivery_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void run();
  void deliver(Delivery& d);

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Delivery> queue_;  // under mu_
  bool stopping_ = false;        // under mu_
  std::thread thread_;
};

}  // namespace nats::client::detail
