#include "p2p/transport/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace parthenon::p2p::transport {

TokenBucket::TokenBucket(double rate, double burst, SteadyTime now)
    : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

void TokenBucket::Refill(SteadyTime now) {
  if (now <= last_) return;
  const double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + seconds * rate_);
  last_ = now;
}

void TokenBucket::Take(double tokens, SteadyTime now) {
  Refill(now);
  tokens_ -= tokens;
}

std::chrono::nanoseconds TokenBucket::Delay(SteadyTime now) {
  Refill(now);
  if (tokens_ >= 0 || rate_ <= 0) return std::chrono::nanoseconds{0};
  return std::chrono::nanoseconds{static_cast<int64_t>(std::ceil(-tokens_ / rate_ * 1e9))};
}

ReceiveRateLimiter::ReceiveRateLimiter(const Config& config, SteadyTime now)
    : messages_(config.messages_per_second, config.message_burst, now),
      bytes_(config.bytes_per_second, config.byte_burst, now),
      window_(config.window),
      abuse_fraction_(config.abuse_fraction),
      window_start_(now) {}

void ReceiveRateLimiter::OnMessage(size_t bytes, SteadyTime now) {
  messages_.Take(1, now);
  bytes_.Take(static_cast<double>(bytes), now);
}

std::chrono::nanoseconds ReceiveRateLimiter::Delay(SteadyTime now) {
  return std::max(messages_.Delay(now), bytes_.Delay(now));
}

bool ReceiveRateLimiter::RecordPause(std::chrono::nanoseconds paused, SteadyTime now) {
  if (now - window_start_ >= window_) {
    window_start_ = now;
    paused_in_window_ = std::chrono::nanoseconds{0};
    reported_in_window_ = false;
  }
  paused_in_window_ += paused;
  const double fraction = std::chrono::duration<double>(paused_in_window_).count() /
                          std::chrono::duration<double>(window_).count();
  if (!reported_in_window_ && fraction > abuse_fraction_) {
    reported_in_window_ = true;
    return true;
  }
  return false;
}

}  // namespace parthenon::p2p::transport
