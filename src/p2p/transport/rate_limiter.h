// Receive-side rate limiting, sans-I/O: token buckets that say how long the reader must pause,
// and an abuse detector that notices a peer which keeps the reader throttled. Time is passed in,
// so tests drive it with any clock. Thread-compatible (one per session, on its strand).
#pragma once

#include <chrono>
#include <cstddef>

namespace parthenon::p2p::transport {

using SteadyTime = std::chrono::steady_clock::time_point;

// Classic token bucket: `rate` tokens per second, at most `burst` banked. Take() may drive the
// balance negative (a message is never split); Delay() is how long until it is back to zero.
class TokenBucket {
 public:
  TokenBucket(double rate, double burst, SteadyTime now);
  void Take(double tokens, SteadyTime now);
  // Zero when the balance is non-negative.
  std::chrono::nanoseconds Delay(SteadyTime now);
  double tokens(SteadyTime now) {
    Refill(now);
    return tokens_;
  }

 private:
  void Refill(SteadyTime now);
  double rate_;
  double burst_;
  double tokens_;
  SteadyTime last_;
};

// Messages and bytes budgets together, plus abuse detection: over each `window`, if the reader
// was paused for more than `abuse_fraction` of it, Throttled() reports abuse (once per window).
class ReceiveRateLimiter {
 public:
  struct Config {
    double messages_per_second;
    double message_burst;
    double bytes_per_second;
    double byte_burst;
    std::chrono::nanoseconds window;
    double abuse_fraction;
  };
  ReceiveRateLimiter(const Config& config, SteadyTime now);

  // Accounts one received message of `bytes` bytes.
  void OnMessage(size_t bytes, SteadyTime now);
  // How long the reader should pause before reading more (zero: go on).
  std::chrono::nanoseconds Delay(SteadyTime now);
  // Records a pause of `paused`; true if this tips the current window into abuse.
  bool RecordPause(std::chrono::nanoseconds paused, SteadyTime now);

 private:
  TokenBucket messages_;
  TokenBucket bytes_;
  std::chrono::nanoseconds window_;
  double abuse_fraction_;
  SteadyTime window_start_;
  std::chrono::nanoseconds paused_in_window_{0};
  bool reported_in_window_ = false;
};

}  // namespace parthenon::p2p::transport
