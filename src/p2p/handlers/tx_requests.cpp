#include "p2p/handlers/tx_requests.h"

#include <algorithm>

namespace parthenon::p2p {

void TxRequests::AddPeer(PeerId peer, bool wtxid_relay) { peers_.try_emplace(peer, wtxid_relay); }

void TxRequests::RemovePeer(PeerId peer, SteadyTime now, Effects& fx) {
  peers_.erase(peer);
  for (const auto& hash : requests_.RemovePeer(peer)) Request(hash, now, fx);
}

void TxRequests::OnAnnounced(PeerId peer, const crypto::Uint256& hash, SteadyTime now,
                             Effects& fx) {
  if (!peers_.contains(peer)) return;
  auto& announcers = announcers_[hash];
  if (announcers.size() < kMaxAnnouncers &&
      std::find(announcers.begin(), announcers.end(), peer) == announcers.end()) {
    announcers.push_back(peer);
  }
  if (!requests_.InFlight(hash)) Request(hash, now, fx);
}

void TxRequests::RequestParent(PeerId peer, const crypto::Uint256& parent, SteadyTime now,
                               Effects& fx) {
  if (requests_.InFlight(parent)) return;
  announcers_[parent] = {peer};
  orphan_parents_.Insert(parent);
  Request(parent, now, fx);
}

void TxRequests::Forget(const crypto::Uint256& txid, const crypto::Uint256& wtxid) {
  for (const auto& hash : {txid, wtxid}) {
    (void)requests_.Remove(hash);
    announcers_.erase(hash);
  }
}

void TxRequests::Failed(PeerId peer, const crypto::Uint256& hash) {
  if (auto it = peers_.find(peer); it != peers_.end()) it->second.failed.Insert(hash);
}

bool TxRequests::OnNotFound(PeerId peer, const crypto::Uint256& hash, SteadyTime now,
                            Effects& fx) {
  if (!requests_.Remove(hash, peer)) return false;
  Failed(peer, hash);
  Request(hash, now, fx);
  return true;
}

std::map<PeerId, size_t> TxRequests::TakeExpired(SteadyTime now, Effects& fx) {
  std::map<PeerId, size_t> expired;
  for (const auto& [hash, peer] : requests_.TakeExpired(now)) {
    if (peers_.contains(peer)) {
      Failed(peer, hash);
      ++expired[peer];
    }
    Request(hash, now, fx);
  }
  return expired;
}

void TxRequests::Request(const crypto::Uint256& hash, SteadyTime now, Effects& fx) {
  auto it = announcers_.find(hash);
  if (it == announcers_.end()) return;
  for (PeerId candidate : it->second) {
    auto peer = peers_.find(candidate);
    if (peer == peers_.end() || peer->second.failed.Contains(hash)) continue;
    if (requests_.CountFor(candidate) >= kMaxRequestsPerPeer) continue;
    requests_.Add(hash, candidate, now + timeout_);
    const bool by_wtxid = peer->second.wtxid_relay && !orphan_parents_.Contains(hash);
    const auto type = by_wtxid ? wire::InvType::kWtx : wire::InvType::kWitnessTx;
    fx.Send(candidate, wire::GetData{{{type, hash}}});
    return;
  }
  announcers_.erase(it);
}

}  // namespace parthenon::p2p
