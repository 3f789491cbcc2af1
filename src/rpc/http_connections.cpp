#include "rpc/http_connections.h"

#include <algorithm>

namespace parthenon::rpc {

ConnectionTable::ConnectionTable(size_t capacity) : capacity_(std::max<size_t>(1, capacity)) {}

ConnectionTable::Admission ConnectionTable::Admit(std::shared_ptr<ConnectionSlot> slot) {
  util::MutexLock lock(mutex_);
  Admission admission;
  if (slots_.size() >= capacity_) {
    const auto oldest = std::find_if(slots_.begin(), slots_.end(),
                                     [](const auto& candidate) { return candidate->evictable.load(); });
    if (oldest == slots_.end()) return admission;
    admission.evicted = std::move(*oldest);
    slots_.erase(oldest);
  }
  slots_.push_back(std::move(slot));
  admission.admitted = true;
  return admission;
}

void ConnectionTable::Remove(const ConnectionSlot* slot) {
  util::MutexLock lock(mutex_);
  std::erase_if(slots_, [slot](const auto& candidate) { return candidate.get() == slot; });
}

std::vector<std::shared_ptr<ConnectionSlot>> ConnectionTable::Snapshot() const {
  util::MutexLock lock(mutex_);
  return slots_;
}

size_t ConnectionTable::size() const {
  util::MutexLock lock(mutex_);
  return slots_.size();
}

AuthFailurePacer::AuthFailurePacer(std::chrono::milliseconds delay, size_t per_delay)
    : delay_(delay), spacing_(delay_ / static_cast<int64_t>(std::max<size_t>(1, per_delay))) {}

AuthFailurePacer::TimePoint AuthFailurePacer::ReleaseTime(TimePoint now) {
  util::MutexLock lock(mutex_);
  const TimePoint earliest = now + delay_;
  // Past the queue bound the answer comes after the longest wait; the budget is then exceeded
  // only as fast as the connection cap lets failures arrive.
  const TimePoint release = std::min(std::max(earliest, next_free_), now + kMaxQueueDelays * delay_);
  next_free_ = std::max(next_free_, release + spacing_);
  return release;
}

}  // namespace parthenon::rpc
