#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <thread>

namespace parthenon::util {
namespace {

TEST(ThreadPool, ParallelForVisitsEveryIndexOnce) {
  ThreadPool pool(3);
  for (size_t count : {0u, 1u, 7u, 1000u, 4099u}) {
    for (size_t grain : {1u, 16u, 5000u}) {
      std::vector<std::atomic<int>> hits(count);
      pool.ParallelFor(count, grain, [&](size_t i) { hits[i].fetch_add(1); });
      for (size_t i = 0; i < count; ++i) ASSERT_EQ(hits[i].load(), 1) << count << "/" << grain;
    }
  }
}

TEST(ThreadPool, ParallelForUsesWorkers) {
  ThreadPool pool(2);
  Mutex mutex;
  std::set<std::thread::id> threads;
  std::latch all_started(3);
  pool.ParallelFor(3, 1, [&](size_t) {
    all_started.arrive_and_wait();  // forces three distinct threads to hold a chunk at once
    MutexLock lock(mutex);
    threads.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(threads.size(), 3u);
}

TEST(ThreadPool, ParallelForCompletesWhenWorkersAreBusy) {
  std::latch release(1);  // declared first: outlives the pool, whose worker waits on it
  ThreadPool pool(1);
  pool.Post([&] { release.wait(); });  // the only worker is blocked
  std::atomic<int> sum{0};
  pool.ParallelFor(100, 1, [&](size_t i) { sum += static_cast<int>(i); });
  EXPECT_EQ(sum.load(), 4950);
  release.count_down();
}

TEST(ThreadPool, PostRunsEveryTaskBeforeDestruction) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(2);
    for (int i = 0; i < 100; ++i) pool.Post([&] { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(ThreadPool, ZeroWorkersRunsOnCaller) {
  ThreadPool pool(0);
  int sum = 0;
  pool.ParallelFor(10, 3, [&](size_t i) { sum += static_cast<int>(i); });
  EXPECT_EQ(sum, 45);
}

}  // namespace
}  // namespace parthenon::util
