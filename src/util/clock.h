// Time source seam: production code asks a Clock, tests inject a ManualClock.
// Thread-safety: SystemClock and ManualClock are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace parthenon::util {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (for block timestamps, ban expiry, address times).
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Monotonic time (for timeouts and rates).
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;

  // Seconds since the Unix epoch.
  int64_t UnixSeconds() const;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;
};

// The process-wide real clock.
const Clock& RealClock();

// A clock that only moves when told to. Both time lines advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start =
                           std::chrono::system_clock::time_point{std::chrono::seconds{1'700'000'000}});

  std::chrono::system_clock::time_point Now() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;

  void Advance(std::chrono::nanoseconds delta);
  void Set(std::chrono::system_clock::time_point now);

 private:
  std::atomic<int64_t> offset_ns_{0};
  // Constant after construction.
  const std::chrono::system_clock::time_point start_;
};

}  // namespace parthenon::util
