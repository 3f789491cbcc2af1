// The script execution cache: transactions whose every input check (signatures, and from v2
// tapscript execution) already passed under a block's consensus rules, so that connecting a
// block whose transactions were in the mempool does not verify their signatures a second time.
// Bitcoin Core keeps the same cache (validation.cpp, g_scriptExecutionCache).
//
// Why a wtxid is enough: the checks depend only on the transaction with its witness (the
// wtxid), the outputs it spends and the rules. The outputs are named by (txid, index) inside
// the transaction, and a txid commits to the outputs it names, so the same wtxid spends the same
// outputs wherever it appears. The rules are part of the key (SpendRules::script_v2); entries are
// only ever made for consensus rules (a transaction that passed the stricter relay policy passes
// them too, since policy only adds reasons to reject).
//
// Bounded: at most `capacity` entries, the oldest evicted first; an entry is removed when a block
// uses it (a transaction is confirmed once). The table's hash is keyed by a per-process random
// SipHash key, so peers cannot choose wtxids that pile into one bucket.
//
// Thread-safety: thread-safe (block validation looks up from every verifier thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_set>

#include "consensus/input_check.h"
#include "crypto/siphash.h"
#include "crypto/uint256.h"
#include "util/mutex.h"

namespace parthenon::chain {

class ScriptCache {
 public:
  struct Stats {
    uint64_t hits = 0;    // block transactions whose checks were skipped
    uint64_t misses = 0;  // block transactions verified in full
    size_t entries = 0;
  };

  explicit ScriptCache(size_t capacity);

  // Records that every input check of the transaction `wtxid` passed under `rules` (only the
  // consensus part of the rules counts: see above).
  void Insert(const crypto::Uint256& wtxid, consensus::SpendRules rules) EXCLUDES(mutex_);
  // True if Insert recorded it; the entry is removed (a block confirms a transaction once) and
  // the hit or miss is counted.
  bool TakeForBlock(const crypto::Uint256& wtxid, consensus::SpendRules rules) EXCLUDES(mutex_);

  Stats GetStats() const EXCLUDES(mutex_);

 private:
  struct Key {
    crypto::Uint256 wtxid;
    bool script_v2 = false;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    crypto::SipKey sip;
    size_t operator()(const Key& key) const {
      return static_cast<size_t>(crypto::SipHash24(sip, key.wtxid) ^ (key.script_v2 ? 1 : 0));
    }
  };
  static Key MakeKey(const crypto::Uint256& wtxid, consensus::SpendRules rules) {
    return {.wtxid = wtxid, .script_v2 = rules.script_v2};
  }

  const size_t capacity_;
  mutable util::Mutex mutex_;
  std::unordered_set<Key, KeyHash> entries_ GUARDED_BY(mutex_);
  // Insertion order for eviction; may name keys a block already took (skipped when evicted).
  std::deque<Key> order_ GUARDED_BY(mutex_);
  uint64_t hits_ GUARDED_BY(mutex_) = 0;
  uint64_t misses_ GUARDED_BY(mutex_) = 0;
};

}  // namespace parthenon::chain
