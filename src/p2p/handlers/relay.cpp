// ChainSync relay handlers: inv, getdata, notfound, tx, mempool, sendheaders, and announcements of
// new tips and mempool transactions.
#include <algorithm>

#include "p2p/detail/chain_sync.h"
#include "p2p/wire/protocol.h"

namespace parthenon::p2p {
namespace {

using Clock = std::chrono::steady_clock;

bool IsBlockType(wire::InvType type) {
  return type == wire::InvType::kBlock || type == wire::InvType::kWitnessBlock;
}
bool IsTxType(wire::InvType type) {
  return type == wire::InvType::kTx || type == wire::InvType::kWitnessTx;
}

// Splits `items` into inv messages of at most kMaxInvEntries.
template <class Message>
void SendInChunks(PeerId peer, std::vector<wire::InvItem> items,
                  std::vector<std::pair<PeerId, wire::Message>>& sends) {
  for (size_t begin = 0; begin < items.size(); begin += wire::kMaxInvEntries) {
    const size_t end = std::min(items.size(), begin + wire::kMaxInvEntries);
    Message message;
    message.items.assign(items.begin() + static_cast<ptrdiff_t>(begin),
                         items.begin() + static_cast<ptrdiff_t>(end));
    sends.emplace_back(peer, std::move(message));
  }
}

constexpr size_t kMaxAnnouncersPerTx = 8;
// Transactions requested from one peer at a time; more announcements wait for other announcers
// or a later inv (bounds what one peer's inv flood costs us).
constexpr size_t kMaxTxRequestsPerPeer = 1000;

}  // namespace

// --- announcements ---

void ChainSync::Impl::OnNewTip(const chain::ChainTip& tip) {
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    const auto now = Clock::now();
    tip_samples_.emplace_back(now, tip.height);
    while (tip_samples_.size() > 2 && now - tip_samples_.front().first > std::chrono::seconds(10)) {
      tip_samples_.pop_front();
    }
    recent_.Insert(tip.hash);
    if (!running_) return;
    // While catching up, every peer we sync from has these blocks already: announce only once
    // the tip reaches the best header.
    if (chain_.HeaderTip().hash == tip.hash) AnnounceTip(tip, fx);
  }
  Flush(fx);
}

void ChainSync::Impl::AnnounceTip(const chain::ChainTip& tip, Effects& fx) {
  std::optional<primitives::BlockHeader> header;
  for (auto& [id, peer] : peers_) {
    if (!peer.known.Insert(tip.hash)) continue;  // it has the block (sent or announced it)
    if (peer.prefers_headers) {
      if (!header) header = chain_.GetHeader(tip.hash);
      if (header) {
        fx.Send(id, wire::Headers{{*header}});
        continue;
      }
    }
    fx.Send(id, wire::Inv{{{wire::InvType::kBlock, tip.hash}}});
  }
}

void ChainSync::Impl::OnTransactionAccepted(const primitives::Transaction& tx) {
  const auto txid = primitives::Txid(tx);
  util::MutexLock lock(mutex_);
  recent_.Insert(txid);
  tx_announcers_.erase(txid);
  if (!running_) return;
  for (auto& [id, peer] : peers_) {
    if (!peer.known.Contains(txid)) peer.tx_queue.push_back(txid);
  }
}

void ChainSync::Impl::FlushTransactionAnnouncements(Effects& fx) {
  for (auto& [id, peer] : peers_) {
    if (peer.tx_queue.empty()) continue;
    std::vector<wire::InvItem> items;
    for (const auto& txid : peer.tx_queue) {
      if (peer.known.Insert(txid)) items.push_back({wire::InvType::kTx, txid});
    }
    peer.tx_queue.clear();
    SendInChunks<wire::Inv>(id, std::move(items), fx.sends);
  }
}

// --- inventory ---

void ChainSync::Impl::Handle(PeerId id, const wire::Inv& inv, Effects& fx) {
  Peer& peer = *FindPeer(id);
  const auto now = Clock::now();
  bool unknown_block = false;
  for (const auto& item : inv.items) {
    if (IsBlockType(item.type)) {
      peer.known.Insert(item.hash);
      if (!recent_.Contains(item.hash) && !chain_.GetHeader(item.hash)) unknown_block = true;
    } else if (IsTxType(item.type)) {
      peer.known.Insert(item.hash);
      if (recent_.Contains(item.hash) || chain_.MempoolContains(item.hash)) continue;
      auto& announcers = tx_announcers_[item.hash];
      if (announcers.size() < kMaxAnnouncersPerTx &&
          std::find(announcers.begin(), announcers.end(), id) == announcers.end()) {
        announcers.push_back(id);
      }
      if (!tx_requests_.InFlight(item.hash)) RequestTransaction(item.hash, now, fx);
    }
  }
  // A block announced by hash: fetch the headers leading to it first (headers-first).
  if (unknown_block && !peer.headers_deadline) SendGetHeaders(id, std::nullopt, now, fx);
}

// Asks the first announcer of `txid` that has not failed us for it; forgets it if none is left.
void ChainSync::Impl::RequestTransaction(const crypto::Uint256& txid, SteadyTime now,
                                         Effects& fx) {
  auto it = tx_announcers_.find(txid);
  if (it == tx_announcers_.end()) return;
  for (PeerId candidate : it->second) {
    Peer* peer = FindPeer(candidate);
    if (!peer || peer->failed.Contains(txid)) continue;
    if (tx_requests_.CountFor(candidate) >= kMaxTxRequestsPerPeer) continue;
    tx_requests_.Add(txid, candidate, now + options_.tx_timeout);
    fx.Send(candidate, wire::GetData{{{wire::InvType::kWitnessTx, txid}}});
    return;
  }
  tx_announcers_.erase(it);
}

void ChainSync::Impl::Handle(PeerId id, const wire::GetData& getdata, Effects& fx) {
  Peer& peer = *FindPeer(id);
  std::vector<wire::InvItem> missing;
  for (const auto& item : getdata.items) {
    if (IsBlockType(item.type)) {
      auto block = chain_.GetBlock(item.hash);
      if (!block) {
        missing.push_back(item);
        continue;
      }
      peer.known.Insert(item.hash);
      fx.Send(id, wire::BlockMessage{std::move(*block)});
    } else if (IsTxType(item.type)) {
      auto tx = chain_.MempoolGet(item.hash);
      if (!tx) {
        missing.push_back(item);
        continue;
      }
      peer.known.Insert(item.hash);
      fx.Send(id, wire::TxMessage{std::move(*tx)});
    } else {
      missing.push_back(item);
    }
  }
  SendInChunks<wire::NotFound>(id, std::move(missing), fx.sends);
}

void ChainSync::Impl::Handle(PeerId id, const wire::NotFound& notfound, Effects& fx) {
  Peer& peer = *FindPeer(id);
  const auto now = Clock::now();
  for (const auto& item : notfound.items) {
    if (IsBlockType(item.type) && block_requests_.Remove(item.hash, id)) {
      peer.failed.Insert(item.hash);
    } else if (IsTxType(item.type) && tx_requests_.Remove(item.hash, id)) {
      peer.failed.Insert(item.hash);
      RequestTransaction(item.hash, now, fx);
    }
  }
  ScheduleBlocks(now, fx);
}

void ChainSync::Impl::Handle(PeerId id, const wire::SendHeaders&, Effects&) {
  FindPeer(id)->prefers_headers = true;
}

void ChainSync::Impl::Handle(PeerId id, const wire::MemPool&, Effects& fx) {
  Peer& peer = *FindPeer(id);
  std::vector<wire::InvItem> items;
  for (const auto& txid : chain_.MempoolTxids()) {
    if (peer.known.Insert(txid)) items.push_back({wire::InvType::kTx, txid});
  }
  SendInChunks<wire::Inv>(id, std::move(items), fx.sends);
}

// --- transactions (validation worker) ---

void ChainSync::Impl::ProcessTransaction(PeerId id, const primitives::Transaction& tx) {
  const auto txid = primitives::Txid(tx);
  auto outcome = chain_.SubmitTransaction(tx);  // without mutex_: it calls back into us
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    if (!running_) return;
    if (!outcome) {
      recent_.Insert(txid);
      if (outcome.error().code == chain::ErrorCode::kConsensus) {
        fx.Report(id, {.kind = MisbehaviorKind::kInvalidTransaction, .command = "tx",
                       .score = 10, .detail = std::string(outcome.error().Reason())});
      }
    } else if (*outcome == chain::TxOutcome::kOrphan) {
      // Ask the sender for the parents we have not seen.
      const auto now = Clock::now();
      for (const auto& input : tx.inputs) {
        const auto& parent = input.prevout.txid;
        if (recent_.Contains(parent) || tx_requests_.InFlight(parent) ||
            chain_.MempoolContains(parent)) {
          continue;
        }
        tx_announcers_[parent] = {id};
        RequestTransaction(parent, now, fx);
      }
    }
  }
  Flush(fx);
}

}  // namespace parthenon::p2p
