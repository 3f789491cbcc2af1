#include "util/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>

namespace parthenon::util {

size_t DefaultThreadCount() { return std::max(1u, std::thread::hardware_concurrency()); }

ThreadPool::ThreadPool(size_t threads) {
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.NotifyAll();
  for (auto& worker : workers_) worker.join();
}

void ThreadPool::Post(std::function<void()> task) {
  {
    MutexLock lock(mutex_);
    queue_.push_back(std::move(task));
  }
  wake_.NotifyOne();
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(mutex_);
      while (queue_.empty() && !stopping_) wake_.Wait(mutex_);
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

namespace {

// Shared by the caller and the helpers of one ParallelFor. Helpers that start after the work is
// done find nothing left to claim and return; the shared_ptr keeps the state alive for them.
struct ParallelForState {
  ParallelForState(size_t count_in, size_t grain_in, const std::function<void(size_t)>& body_in)
      : count(count_in), grain(grain_in), body(body_in) {}

  // Claims and runs chunks until none are left.
  void Drain() {
    for (;;) {
      const size_t begin = next.fetch_add(grain, std::memory_order_relaxed);
      if (begin >= count) return;
      const size_t end = std::min(count, begin + grain);
      for (size_t i = begin; i < end; ++i) body(i);
      if (done.fetch_add(end - begin, std::memory_order_acq_rel) + (end - begin) == count) {
        MutexLock lock(mutex);
        finished = true;
        finished_cv.NotifyAll();
      }
    }
  }

  const size_t count;
  const size_t grain;
  // Lives on the caller's stack: valid until the caller sees `finished`, and helpers touch it
  // only while they hold an unfinished chunk.
  const std::function<void(size_t)>& body;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  Mutex mutex;
  CondVar finished_cv;
  bool finished GUARDED_BY(mutex) = false;
};

}  // namespace

void ThreadPool::ParallelFor(size_t count, size_t grain, const std::function<void(size_t)>& body) {
  if (count == 0) return;
  grain = std::max<size_t>(1, grain);
  const size_t chunks = (count + grain - 1) / grain;
  auto state = std::make_shared<ParallelForState>(count, grain, body);
  const size_t helpers = std::min(workers_.size(), chunks - 1);
  for (size_t i = 0; i < helpers; ++i) Post([state] { state->Drain(); });
  state->Drain();
  MutexLock lock(state->mutex);
  while (!state->finished) state->finished_cv.Wait(state->mutex);
}

}  // namespace parthenon::util
