#include "p2p/handlers/block_download.h"

#include <algorithm>

namespace parthenon::p2p {

void BlockDownload::Account(SteadyTime now) {
  if (accounted_until_ && now > *accounted_until_ && Pending() > 0) {
    auto& bucket = requests_.size() == 0 ? times_.idle : times_.active;
    bucket += now - *accounted_until_;
  }
  if (!accounted_until_ || now > *accounted_until_) accounted_until_ = now;
}

void BlockDownload::AddPeer(PeerId peer) { peers_.try_emplace(peer); }

void BlockDownload::RemovePeer(PeerId peer, SteadyTime now) {
  Account(now);
  peers_.erase(peer);
  if (!requests_.RemovePeer(peer).empty()) Rescan();
}

void BlockDownload::Rebuild(const Context& context) {
  const ChainPoint header_tip = context.HeaderTip();
  if (header_tip.hash == queue_tip_ && !queue_.empty()) return;
  queue_tip_ = header_tip.hash;
  queue_.clear();
  // Walk back from the best header to the active chain.
  crypto::Uint256 hash = header_tip.hash;
  int32_t height = header_tip.height;
  while (height > 0 && context.ActiveHash(height) != hash) {
    queue_.push_back(hash);
    auto parent = context.Parent(hash);
    if (!parent) break;
    hash = *parent;
    --height;
  }
  std::reverse(queue_.begin(), queue_.end());
  base_ = height + 1;
  cursor_ = 0;
  scan_from_ = 0;
}

// Skips the part of the queue the active chain has connected since (the queue starts at the
// fork point, which may be below the tip when a better branch replaces ours).
void BlockDownload::SkipConnected(const Context& context) {
  const ChainPoint tip = context.Tip();
  if (tip.hash == queue_tip_) {
    queue_.clear();
    cursor_ = 0;
    return;
  }
  // Usually the tip is on the queue: no chain lookups.
  const int64_t offset = int64_t{tip.height} - base_;
  if (offset >= 0 && offset < int64_t(queue_.size()) &&
      queue_[static_cast<size_t>(offset)] == tip.hash) {
    cursor_ = std::max(cursor_, static_cast<size_t>(offset) + 1);
    return;
  }
  while (cursor_ < queue_.size()) {
    const int32_t height = base_ + static_cast<int32_t>(cursor_);
    if (height > tip.height || context.ActiveHash(height) != queue_[cursor_]) break;
    ++cursor_;
  }
}

// A peer known to have the block first, then any peer whose chain is high enough; among them
// the one with the fewest blocks in flight. A peer that was late with this block is asked again
// only if nobody else can serve it (a lone peer under load must not stall the download for ever).
std::optional<PeerId> BlockDownload::ChoosePeer(const Context& context,
                                                const crypto::Uint256& hash,
                                                int32_t height) const {
  std::optional<PeerId> chosen;
  int chosen_rank = 0;
  size_t chosen_load = 0;
  for (const auto& [id, peer] : peers_) {
    const size_t load = requests_.CountFor(id);
    if (load >= options_.max_in_flight_per_peer || peer.failed.Contains(hash)) continue;
    int rank = context.PeerHas(id, hash) ? 3 : context.PeerHeight(id) >= height ? 2 : 0;
    if (rank == 0) continue;
    if (peer.stalled.Contains(hash)) rank = 1;
    if (!chosen || rank > chosen_rank || (rank == chosen_rank && load < chosen_load)) {
      chosen = id;
      chosen_rank = rank;
      chosen_load = load;
    }
  }
  return chosen;
}

void BlockDownload::Schedule(const Context& context, SteadyTime now, Effects& fx) {
  Account(now);
  if (queue_.empty()) return;
  SkipConnected(context);
  // Free request slots over all peers; stop scanning once every peer is full.
  size_t free_slots = 0;
  for (const auto& [id, peer] : peers_) {
    const size_t used = requests_.CountFor(id);
    if (used < options_.max_in_flight_per_peer) free_slots += options_.max_in_flight_per_peer - used;
  }
  std::map<PeerId, wire::GetData> batches;
  const size_t last = std::min(queue_.size(), cursor_ + options_.window);
  bool prefix = true;  // queue_[cursor_..i) are all received or in flight
  for (size_t i = std::max(cursor_, scan_from_); i < last && free_slots > 0; ++i) {
    const auto& hash = queue_[i];
    if (context.Have(hash) || requests_.InFlight(hash)) {
      if (prefix) scan_from_ = i + 1;
      continue;
    }
    const auto chosen = ChoosePeer(context, hash, base_ + static_cast<int32_t>(i));
    if (!chosen) {
      prefix = false;
      continue;
    }
    if (prefix) scan_from_ = i + 1;
    requests_.Add(hash, *chosen, now + options_.timeout);
    const int32_t height = base_ + static_cast<int32_t>(i);
    batches[*chosen].items.push_back({context.RequestType(*chosen, height), hash});
    --free_slots;
  }
  for (auto& [id, batch] : batches) fx.Send(id, std::move(batch));
}

void BlockDownload::Assign(const crypto::Uint256& hash, PeerId peer, SteadyTime now) {
  (void)requests_.Remove(hash);
  requests_.Add(hash, peer, now + options_.timeout);
}

bool BlockDownload::Release(const crypto::Uint256& hash, PeerId peer) {
  if (!requests_.Remove(hash, peer)) return false;
  Rescan();  // wanted again: another peer may serve it
  return true;
}

void BlockDownload::MarkCorrupt(const crypto::Uint256& hash, int32_t height) {
  refetch_.emplace(hash, height);
}

// One request per damaged block in flight; a timeout or notfound lets the next call try another
// peer.
void BlockDownload::RequestRefetches(const Context& context, SteadyTime now, Effects& fx) {
  Account(now);
  for (const auto& [hash, height] : refetch_) {
    if (requests_.InFlight(hash)) continue;
    std::optional<PeerId> chosen;
    for (const auto& [id, peer] : peers_) {
      if (context.PeerHeight(id) < height || peer.failed.Contains(hash)) continue;
      if (!chosen || requests_.CountFor(id) < requests_.CountFor(*chosen)) chosen = id;
    }
    if (!chosen) continue;
    requests_.Add(hash, *chosen, now + options_.timeout);
    fx.Send(*chosen, wire::GetData{{{wire::InvType::kWitnessBlock, hash}}});
  }
}

BlockDownload::Arrival BlockDownload::OnBlock(const crypto::Uint256& hash, SteadyTime now) {
  Account(now);
  // Requested from anyone counts: a slow peer's block may arrive after we asked another.
  const bool requested = requests_.Remove(hash);
  if (refetch_.erase(hash) > 0) return Arrival::kRefetch;
  return requested ? Arrival::kRequested : Arrival::kUnrequested;
}

bool BlockDownload::OnNotFound(PeerId peer, const crypto::Uint256& hash, SteadyTime now) {
  Account(now);
  if (!requests_.Remove(hash, peer)) return false;
  Rescan();
  if (auto it = peers_.find(peer); it != peers_.end()) it->second.failed.Insert(hash);
  return true;
}

std::map<PeerId, size_t> BlockDownload::TakeExpired(SteadyTime now) {
  Account(now);
  std::map<PeerId, size_t> expired;
  for (const auto& [hash, id] : requests_.TakeExpired(now)) {
    Rescan();
    auto it = peers_.find(id);
    if (it == peers_.end()) continue;
    it->second.stalled.Insert(hash);  // Schedule prefers another peer for it
    ++expired[id];
  }
  return expired;
}

}  // namespace parthenon::p2p
