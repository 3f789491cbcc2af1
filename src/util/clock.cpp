#include "util/clock.h"

namespace parthenon::util {

int64_t Clock::UnixSeconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(Now().time_since_epoch()).count();
}

std::chrono::system_clock::time_point SystemClock::Now() const {
  return std::chrono::system_clock::now();
}

std::chrono::steady_clock::time_point SystemClock::SteadyNow() const {
  return std::chrono::steady_clock::now();
}

const Clock& RealClock() {
  static const SystemClock clock;
  return clock;
}

ManualClock::ManualClock(std::chrono::system_clock::time_point start) : start_(start) {}

std::chrono::system_clock::time_point ManualClock::Now() const {
  return start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                      std::chrono::nanoseconds{offset_ns_.load()});
}

std::chrono::steady_clock::time_point ManualClock::SteadyNow() const {
  return std::chrono::steady_clock::time_point{} + std::chrono::nanoseconds{offset_ns_.load()};
}

void ManualClock::Advance(std::chrono::nanoseconds delta) { offset_ns_ += delta.count(); }

void ManualClock::Set(std::chrono::system_clock::time_point now) {
  offset_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_).count();
}

}  // namespace parthenon::util
