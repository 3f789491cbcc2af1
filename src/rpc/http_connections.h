// Bookkeeping that bounds what many HTTP connections together can hold: the table of live
// connections (a cap, with eviction of the oldest connection that is not in the middle of an
// authenticated request) and the pacing of answers to failed authentication. Free of Asio: the
// server gives each slot a `close` callback. Both classes are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "util/mutex.h"

namespace parthenon::rpc {

// One accepted connection as the table sees it. Owned jointly by the table and the connection.
struct ConnectionSlot {
  // True while the connection waits for a request head (new or keep-alive idle), or waits out
  // an authentication penalty: closing it then costs an honest client at most a retry.
  std::atomic<bool> evictable{true};
  // Closes the connection from any thread (the server posts it onto the connection's strand).
  // Set before the slot is admitted; constant after.
  std::function<void()> close;
};

class ConnectionTable {
 public:
  explicit ConnectionTable(size_t capacity);

  struct Admission {
    bool admitted = false;
    // A slot evicted to make room; the caller calls its close(). Null if none was.
    std::shared_ptr<ConnectionSlot> evicted;
  };
  // Adds `slot`. At capacity the oldest evictable slot leaves the table to make room; if no
  // slot is evictable, `slot` is not admitted (the caller closes the new connection).
  [[nodiscard]] Admission Admit(std::shared_ptr<ConnectionSlot> slot) EXCLUDES(mutex_);
  // No-op if `slot` already left (evicted).
  void Remove(const ConnectionSlot* slot) EXCLUDES(mutex_);
  // The slots now in the table, oldest first.
  [[nodiscard]] std::vector<std::shared_ptr<ConnectionSlot>> Snapshot() const EXCLUDES(mutex_);
  size_t size() const EXCLUDES(mutex_);

 private:
  // Constant after construction.
  const size_t capacity_;

  mutable util::Mutex mutex_;
  std::vector<std::shared_ptr<ConnectionSlot>> slots_ GUARDED_BY(mutex_);  // oldest first
};

// Decides when to answer a request whose credentials were wrong: at least `delay` after the
// failure, and overall no more than `per_delay` answers per `delay` (later failures queue, up to
// kMaxQueueDelays delays), so opening more connections does not speed up password guessing.
// The server waits on a timer, holding no thread.
class AuthFailurePacer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  static constexpr int kMaxQueueDelays = 10;

  AuthFailurePacer(std::chrono::milliseconds delay, size_t per_delay);

  // When to answer a failure that happened at `now`.
  [[nodiscard]] TimePoint ReleaseTime(TimePoint now) EXCLUDES(mutex_);

 private:
  // Constant after construction.
  const std::chrono::nanoseconds delay_;
  const std::chrono::nanoseconds spacing_;

  util::Mutex mutex_;
  TimePoint next_free_ GUARDED_BY(mutex_){};
};

}  // namespace parthenon::rpc
