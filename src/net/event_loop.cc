#include "net/event_loop.h"

#include <future>

#include "base/check.h"

namespace nats::net {

EventLoop::EventLoop(LoopGroup& group, int index) : group_(group), index_(index) {}

void EventLoop::run() {
  thread_id_ = std::this_thread::get_id();
  io_.run();
}

void EventLoop::schedule(RemoteWork* w) {
  bool post_drain = false;
  {
    std::lock_guard lock(inbox_mu_);
    inbox_.push_back(w);
    if (!drain_posted_) {
      drain_posted_ = true;
      post_drain = true;
    }
  }
  if (post_drain) post([this] { drain_inbox(); });
}

void EventLoop::drain_inbox() {
  {
    std::lock_guard lock(inbox_mu_);
    inbox_spare_.swap(inbox_);
    drain_posted_ = false;
  }
  for (RemoteWork* w : inbox_spare_) w->run_remote_work();
  inbox_spare_.clear();
}

void EventLoop::defer_to_batch_end(RemoteWork* w) {
  batch_end_.push_back(w);
  if (!batch_end_posted_) {
    batch_end_posted_ = true;
    // Handlers posted now run after the completions already harvested from the reactor, so
    // every read that is ready in this round is parsed before we flush.
    post([this] { run_batch_end(); });
  }
}

void EventLoop::run_batch_end() {
  batch_end_posted_ = false;
  batch_end_spare_.swap(batch_end_);
  for (RemoteWork* w : batch_end_spare_) w->run_remote_work();
  batch_end_spare_.clear();
}

void EventLoop::retire(void* p, void (*deleter)(void*)) {
  retired_.push_back({p, deleter});
  if (round_pending_.load(std::memory_order_acquire) == 0 && in_round_.empty()) {
    start_reclaim_round();
  }
}

void EventLoop::start_reclaim_round() {
  in_round_.swap(retired_);
  const int n = group_.size();
  round_pending_.store(n, std::memory_order_release);
  for (int i = 0; i < n; ++i) {
    group_.loop(i).post([this] {
      if (round_pending_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
      // Every loop has passed a point after the retirement. Free on the owning loop, behind any
      // inbox drain that was posted before the barriers ran.
      post([this] {
        for (Garbage& g : in_round_) g.deleter(g.p);
        in_round_.clear();
        if (!retired_.empty()) start_reclaim_round();
      });
    });
  }
}

LoopGroup::LoopGroup(int count) {
  NATS_CHECK(count > 0);
  for (int i = 0; i < count; ++i) loops_.push_back(std::make_unique<EventLoop>(*this, i));
}

LoopGroup::~LoopGroup() { stop(); }

void LoopGroup::start() {
  for (auto& l : loops_) guards_.emplace_back(asio::make_work_guard(l->io_));
  for (auto& l : loops_) {
    EventLoop* lp = l.get();
    lp->thread_ = std::thread([lp] { lp->run(); });
  }
}

void LoopGroup::stop() {
  for (auto& g : guards_) g.reset();
  guards_.clear();
  for (auto& l : loops_) l->io_.stop();
  for (auto& l : loops_) {
    if (l->thread_.joinable()) l->thread_.join();
  }
  for (auto& l : loops_) {
    for (auto& g : l->in_round_) g.deleter(g.p);
    for (auto& g : l->retired_) g.deleter(g.p);
    l->in_round_.clear();
    l->retired_.clear();
  }
}

void LoopGroup::run_on_all_and_wait(const std::function<void(int)>& fn) {
  std::vector<std::promise<void>> done(loops_.size());
  for (size_t i = 0; i < loops_.size(); ++i) {
    loops_[i]->post([&fn, &done, i] {
      fn(int(i));
      done[i].set_value();
    });
  }
  for (auto& d : done) d.get_future().wait();
}

void LoopGroup::run_and_wait(int i, const std::function<void()>& fn) {
  EventLoop& l = loop(i);
  std::promise<void> done;
  l.post([&fn, &done] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

EventLoop& LoopGroup::next_loop() {
  return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

}  // namespace nats::net
