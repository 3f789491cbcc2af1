// Bounded bookkeeping for inventory relay: a FIFO-bounded hash set (recently seen inventory,
// per-peer known inventory) and a tracker of requests in flight with deadlines.
// Both are sans-I/O value types: time is passed in. Thread-compatible.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crypto/uint256.h"
#include "p2p/peer.h"

namespace parthenon::p2p {

// The hash of the relay's hash tables: SipHash-2-4 under a per-process random key.
struct HashHasher {
  size_t operator()(const crypto::Uint256& hash) const noexcept;
};

// A set of hashes holding at most `capacity`; inserting into a full set forgets the oldest.
class BoundedHashSet {
 public:
  explicit BoundedHashSet(size_t capacity) : capacity_(capacity) {}
  // true if `hash` was not in the set.
  bool Insert(const crypto::Uint256& hash);
  bool Contains(const crypto::Uint256& hash) const { return set_.contains(hash); }
  void Erase(const crypto::Uint256& hash) { set_.erase(hash); }
  size_t size() const { return set_.size(); }

 private:
  size_t capacity_;
  std::unordered_set<crypto::Uint256, HashHasher> set_;
  std::deque<crypto::Uint256> order_;  // oldest first; may hold hashes already evicted
};

using SteadyTime = std::chrono::steady_clock::time_point;

// Requests in flight: at most one per hash, each owned by one peer with a deadline.
class RequestTracker {
 public:
  struct Request {
    PeerId peer = 0;
    SteadyTime deadline;
  };
  bool InFlight(const crypto::Uint256& hash) const { return requests_.contains(hash); }
  std::optional<PeerId> Owner(const crypto::Uint256& hash) const;
  // REQUIRES: !InFlight(hash).
  void Add(const crypto::Uint256& hash, PeerId peer, SteadyTime deadline);
  // Removes the request for `hash` if `peer` owns it (any owner when peer is nullopt); true if
  // removed.
  bool Remove(const crypto::Uint256& hash, std::optional<PeerId> peer = std::nullopt);
  // Removes and returns every request of `peer` (it disconnected).
  std::vector<crypto::Uint256> RemovePeer(PeerId peer);
  // Removes and returns the requests whose deadline is before `now`, with their owners.
  std::vector<std::pair<crypto::Uint256, PeerId>> TakeExpired(SteadyTime now);
  size_t CountFor(PeerId peer) const;
  size_t size() const { return requests_.size(); }

 private:
  std::unordered_map<crypto::Uint256, Request, HashHasher> requests_;
  std::unordered_map<PeerId, size_t> per_peer_;
};

}  // namespace parthenon::p2p
