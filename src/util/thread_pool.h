// A fixed pool of worker threads for CPU-bound work (signature checks, hashing).
//
// Thread-safety: thread-safe. Tasks may run on any worker; ParallelFor also runs work on the
// calling thread, so it completes even when every worker is busy.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "util/mutex.h"

namespace parthenon::util {

class ThreadPool {
 public:
  // `threads` workers; 0 means none (everything runs on the calling thread).
  explicit ThreadPool(size_t threads);
  ~ThreadPool();  // finishes queued tasks, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size(); }

  // Queues `task`. Tasks must not throw.
  void Post(std::function<void()> task) EXCLUDES(mutex_);

  // Calls body(i) for every i in [0, count), spreading chunks of `grain` indices over the workers
  // and the calling thread; returns when all calls have returned. `body` must be safe to call
  // concurrently for different i and must not throw.
  void ParallelFor(size_t count, size_t grain, const std::function<void(size_t)>& body);

  // Workers plus the calling thread: the parallelism ParallelFor can reach.
  size_t Parallelism() const { return workers_.size() + 1; }

 private:
  void WorkerLoop() EXCLUDES(mutex_);

  Mutex mutex_;
  CondVar wake_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  // Constant after construction.
  std::vector<std::thread> workers_;
};

// Threads to use by default: hardware concurrency, at least 1.
size_t DefaultThreadCount();

}  // namespace parthenon::util
