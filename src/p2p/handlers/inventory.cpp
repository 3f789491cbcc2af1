#include "p2p/handlers/inventory.h"

#include "crypto/siphash.h"

namespace parthenon::p2p {

size_t HashHasher::operator()(const crypto::Uint256& hash) const noexcept {
  // Keyed: a peer can grind txids (of transactions we reject, at no cost to it) until their
  // first bytes put them all in one bucket of an unkeyed table.
  static const crypto::SipKey key = crypto::RandomSipKey();
  return static_cast<size_t>(crypto::SipHash24(key, hash));
}

bool BoundedHashSet::Insert(const crypto::Uint256& hash) {
  if (!set_.insert(hash).second) return false;
  order_.push_back(hash);
  // Bounded by the FIFO, not the set: Erase() leaves stale entries behind, which must not let
  // the FIFO grow for ever (evicting a stale one evicts a hash Insert()ed again: a cache miss).
  while (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

std::optional<PeerId> RequestTracker::Owner(const crypto::Uint256& hash) const {
  auto it = requests_.find(hash);
  if (it == requests_.end()) return std::nullopt;
  return it->second.peer;
}

void RequestTracker::Add(const crypto::Uint256& hash, PeerId peer, SteadyTime deadline) {
  requests_[hash] = {peer, deadline};
  ++per_peer_[peer];
}

bool RequestTracker::Remove(const crypto::Uint256& hash, std::optional<PeerId> peer) {
  auto it = requests_.find(hash);
  if (it == requests_.end() || (peer && it->second.peer != *peer)) return false;
  if (--per_peer_[it->second.peer] == 0) per_peer_.erase(it->second.peer);
  requests_.erase(it);
  return true;
}

std::vector<crypto::Uint256> RequestTracker::RemovePeer(PeerId peer) {
  std::vector<crypto::Uint256> removed;
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->second.peer == peer) {
      removed.push_back(it->first);
      it = requests_.erase(it);
    } else {
      ++it;
    }
  }
  per_peer_.erase(peer);
  return removed;
}

std::vector<std::pair<crypto::Uint256, PeerId>> RequestTracker::TakeExpired(SteadyTime now) {
  std::vector<std::pair<crypto::Uint256, PeerId>> expired;
  for (const auto& [hash, request] : requests_) {
    if (request.deadline < now) expired.emplace_back(hash, request.peer);
  }
  for (const auto& [hash, peer] : expired) Remove(hash, peer);
  return expired;
}

size_t RequestTracker::CountFor(PeerId peer) const {
  auto it = per_peer_.find(peer);
  return it == per_peer_.end() ? 0 : it->second;
}

}  // namespace parthenon::p2p
