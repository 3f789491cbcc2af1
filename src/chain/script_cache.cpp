#include "chain/script_cache.h"

namespace parthenon::chain {

ScriptCache::ScriptCache(size_t capacity)
    : capacity_(capacity), entries_(0, KeyHash{.sip = crypto::RandomSipKey()}) {}

void ScriptCache::Insert(const crypto::Uint256& wtxid, consensus::SpendRules rules) {
  if (capacity_ == 0) return;
  const Key key = MakeKey(wtxid, rules);
  util::MutexLock lock(mutex_);
  if (!entries_.insert(key).second) return;
  order_.push_back(key);
  // The order may hold keys blocks took; bounding it bounds the table too.
  while (order_.size() > capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

bool ScriptCache::TakeForBlock(const crypto::Uint256& wtxid, consensus::SpendRules rules) {
  const Key key = MakeKey(wtxid, rules);
  util::MutexLock lock(mutex_);
  const bool found = entries_.erase(key) > 0;
  ++(found ? hits_ : misses_);
  return found;
}

ScriptCache::Stats ScriptCache::GetStats() const {
  util::MutexLock lock(mutex_);
  return {.hits = hits_, .misses = misses_, .entries = entries_.size()};
}

}  // namespace parthenon::chain
