// ChainSync relay handlers: inv, getdata, notfound, tx, mempool, sendheaders, and announcements of
// new tips and mempool transactions.
#include <fmt/format.h>

#include <algorithm>

#include "p2p/detail/chain_sync.h"
#include "p2p/handlers/tip_announcement.h"
#include "p2p/wire/frame.h"
#include "storage/flat_file_store.h"
#include "p2p/wire/protocol.h"

namespace parthenon::p2p {
namespace {

using Clock = std::chrono::steady_clock;

bool IsBlockType(wire::InvType type) {
  return type == wire::InvType::kBlock || type == wire::InvType::kWitnessBlock;
}
bool IsTxType(wire::InvType type) {
  return type == wire::InvType::kTx || type == wire::InvType::kWitnessTx ||
         type == wire::InvType::kWtx;
}
bool WantsWitness(wire::InvType type) {
  return type == wire::InvType::kWitnessBlock || type == wire::InvType::kWitnessTx ||
         type == wire::InvType::kWtx;
}
primitives::WitnessMode WitnessFor(wire::InvType type) {
  return WantsWitness(type) ? primitives::WitnessMode::kInclude : primitives::WitnessMode::kExclude;
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

// getdata entries waiting to be served per peer; more are dropped without an answer.
constexpr size_t kMaxQueuedGetData = 5000;
// Serve a peer's next queued entry only while its send queue holds less than this (Bitcoin
// Core serves one block per turn and stops while the send buffer is full), and only while all
// send queues together hold less than the global budget (bounds memory over every peer).
constexpr size_t kServeBudgetBytes = 1 << 20;
constexpr size_t kServeGlobalBudgetBytes = 64 << 20;
// One serving turn: at most one block, or this many transactions.
constexpr size_t kMaxTxPerTurn = 1000;
// `mempool` is answered with at most this many txids (Core answers only NODE_BLOOM peers).
constexpr size_t kMaxMempoolInv = 5000;


}  // namespace

// --- announcements ---

void ChainSync::Impl::OnNewTip(const chain::ChainTip& tip) {
  Effects fx;
  auto push = BlockToPush(tip);  // [cmpct hook] read (outside our lock) for cmpctblock pushes
  {
    util::MutexLock lock(mutex_);
    if (push) RememberBlock(std::move(push));
    const auto now = Clock::now();
    tip_samples_.emplace_back(now, tip.height);
    while (tip_samples_.size() > 2 && now - tip_samples_.front().first > std::chrono::seconds(10)) {
      tip_samples_.pop_front();
    }
    recent_.Insert(tip.hash);
    tip_ = tip;
    if (!running_) return;
    // While catching up, every peer we sync from has these blocks already: announce only once
    // the tip reaches the best header.
    if (chain_.HeaderTip().hash == tip.hash) AnnounceTip(tip, fx);
  }
  Flush(fx);
}

// Up to 8 headers to each sendheaders peer (from the first block it is not known to have),
// an inv of the tip to the others (tip_announcement.h).
void ChainSync::Impl::AnnounceTip(const chain::ChainTip& tip, Effects& fx) {
  const auto genesis = chain_.GetBlockHash(0).value_or(crypto::Uint256{});
  for (auto& [id, peer] : peers_) {
    // [cmpct hook] high-bandwidth peers: cmpctblock (or `headers` if they lack the parent), sent
    // at once so that pushes and announcements reach each peer in block order.
    if (!peer.known.Contains(tip.hash) && AnnounceCompact(id, tip.hash)) {
      peer.known.Insert(tip.hash);
      continue;
    }
    auto message = AnnounceTipTo({
        .tip = tip.hash,
        .genesis = genesis,
        .prefers_headers = peer.prefers_headers,
        .header = [this](const crypto::Uint256& hash) { return chain_.GetHeader(hash); },
        .peer_knows = [&peer](const crypto::Uint256& hash) { return peer.known.Contains(hash); },
    });
    if (!message) continue;  // it has the block (sent or announced it)
    if (const auto* headers = std::get_if<wire::Headers>(&*message)) {
      for (const auto& header : headers->headers) peer.known.Insert(header.Hash());
    }
    peer.known.Insert(tip.hash);
    fx.Send(id, std::move(*message));
  }
}

void ChainSync::Impl::OnTransactionAccepted(const primitives::Transaction& tx) {
  const auto txid = primitives::Txid(tx);
  Announcement announcement{txid, primitives::Wtxid(tx), 0};
  // Called with only the chainstate's dispatch mutex held: the pool can be asked (before ours).
  if (auto fee_rate = chain_.MempoolFeeRate(txid)) announcement.fee_per_kvb = *fee_rate;
  util::MutexLock lock(mutex_);
  recent_.Insert(txid);
  tx_requests_.Forget(txid, announcement.wtxid);
  if (!running_) return;
  for (auto& [id, peer] : peers_) {
    // BIP37 relay=0 peers get no transaction inv; BIP133 fee filters are applied at flush.
    if (peer.relay_txs && !peer.known.Contains(txid)) peer.tx_queue.push_back(announcement);
  }
}

void ChainSync::Impl::FlushTransactionAnnouncements(Effects& fx) {
  for (auto& [id, peer] : peers_) {
    if (peer.tx_queue.empty()) continue;
    // A peer that does not read what we already queued misses these announcements (it asks
    // with `mempool` or learns them from others); nothing accumulates for it.
    if (network_.SendQueueBytes(id).value_or(0) > kServeBudgetBytes) {
      peer.tx_queue.clear();
      continue;
    }
    std::vector<wire::InvItem> items;
    for (const auto& a : peer.tx_queue) {
      if (a.fee_per_kvb < peer.fee_filter) continue;
      if (!peer.known.Insert(a.txid)) continue;
      if (peer.wtxid_relay) {
        peer.known.Insert(a.wtxid);
        items.push_back({wire::InvType::kWtx, a.wtxid});
      } else {
        items.push_back({wire::InvType::kTx, a.txid});
      }
    }
    peer.tx_queue.clear();
    SendInChunks<wire::Inv>(id, std::move(items), fx.sends);
  }
}

void ChainSync::Impl::Handle(PeerId id, const wire::FeeFilter& feefilter, Effects&) {
  // BIP133: a negative or absurd rate is clamped (Core ignores values above MAX_MONEY).
  FindPeer(id)->fee_filter = std::clamp<int64_t>(feefilter.fee_rate, 0, int64_t{21'000'000} * 100'000'000);
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
      // A wtxid relay peer announces by wtxid (MSG_WTX); others by txid.
      const bool by_wtxid = item.type == wire::InvType::kWtx;
      if (by_wtxid != peer.wtxid_relay) continue;  // BIP339: the other kind is ignored
      peer.known.Insert(item.hash);
      if (recent_.Contains(item.hash) || recent_rejects_.Contains(item.hash) ||
          chain_.MempoolContains(item.hash, by_wtxid)) {
        continue;
      }
      tx_requests_.OnAnnounced(id, item.hash, now, fx);
    }
  }
  // A block announced by hash: fetch the headers leading to it first (headers-first).
  if (unknown_block && !peer.HeadersOutstanding()) SendGetHeaders(id, std::nullopt, now, fx);
}

// getdata is served incrementally (as Bitcoin Core does): the entries wait in the peer's queue
// and the serving thread answers them one block at a time while the peer's send queue has
// room, reading stored bytes outside every lock (ServeLoop). Only the queue costs memory here.
void ChainSync::Impl::Handle(PeerId id, const wire::GetData& getdata, Effects&) {
  Peer& peer = *FindPeer(id);
  const size_t room = kMaxQueuedGetData - std::min(kMaxQueuedGetData, peer.getdata_queue.size());
  const size_t taken = std::min(room, getdata.items.size());
  peer.getdata_queue.insert(peer.getdata_queue.end(), getdata.items.begin(),
                            getdata.items.begin() + static_cast<ptrdiff_t>(taken));
  // Entries beyond the queue are dropped without an answer (no honest peer has 5,000 requests
  // outstanding; a notfound for each would be megabytes we queue for a peer that may not read).
  if (taken < getdata.items.size()) {
    DebugLog(id, fmt::format("getdata queue full: {} entries dropped", getdata.items.size() - taken));
  }
  if (!peer.getdata_queue.empty() && serve_ready_.insert(id).second) serve_cv_.NotifyOne();
}

void ChainSync::Impl::OnSendDrained(PeerId id) {
  util::MutexLock lock(mutex_);
  Peer* peer = running_ ? FindPeer(id) : nullptr;
  if (peer && !peer->getdata_queue.empty() && serve_ready_.insert(id).second) {
    serve_cv_.NotifyOne();
  }
}

// Takes the next turn's entries of a ready peer (round robin): at most one block, or a run of
// transactions. nullopt when nobody is ready (or stopping).
std::optional<std::pair<PeerId, std::vector<wire::InvItem>>> ChainSync::Impl::NextServeTurn() {
  while (!serve_ready_.empty()) {
    auto it = serve_ready_.upper_bound(serve_cursor_);
    if (it == serve_ready_.end()) it = serve_ready_.begin();
    const PeerId id = serve_cursor_ = *it;
    Peer* peer = FindPeer(id);
    if (!peer || peer->getdata_queue.empty()) {
      serve_ready_.erase(it);
      continue;
    }
    std::vector<wire::InvItem> turn;
    while (!peer->getdata_queue.empty() && turn.size() < kMaxTxPerTurn) {
      const wire::InvItem item = peer->getdata_queue.front();
      // The block gets a turn of its own ([cmpct hook]: a compact one too).
      const bool block = IsBlockType(item.type) || item.type == wire::InvType::kCompactBlock;
      if (block && !turn.empty()) break;
      peer->getdata_queue.pop_front();
      turn.push_back(item);
      if (block) break;
    }
    if (peer->getdata_queue.empty()) serve_ready_.erase(id);
    return std::make_pair(id, std::move(turn));
  }
  return std::nullopt;
}

void ChainSync::Impl::ServeLoop(std::stop_token stop) {
  for (;;) {
    std::optional<std::pair<PeerId, std::vector<wire::InvItem>>> turn;
    {
      util::MutexLock lock(mutex_);
      for (;;) {
        if (!running_ || stop.stop_requested()) return;
        turn = NextServeTurn();
        if (turn) break;
        serve_cv_.Wait(mutex_);
      }
    }
    const auto& [id, items] = *turn;
    // A full send queue: put the entries back; the peer is ready again once it drains. Over
    // the global budget: wait for any queue to drain (or a short while) and try again.
    const bool global_full = network_.TotalSendQueueBytes() >= kServeGlobalBudgetBytes;
    if (global_full || network_.SendQueueBytes(id).value_or(0) >= kServeBudgetBytes) {
      util::MutexLock lock(mutex_);
      // Over the global budget the peer stays ready (its own queue may be empty: no drain event).
      Requeue(id, items, /*still_ready=*/global_full);
      if (global_full) (void)serve_cv_.WaitFor(mutex_, std::chrono::milliseconds(10));
      continue;
    }
    const size_t served = ServeTurn(id, items);
    if (served < items.size()) {
      util::MutexLock lock(mutex_);
      Requeue(id, std::span(items).subspan(served), /*still_ready=*/false);
    }
  }
}

// Puts unserved entries back at the front of the peer's queue; it is ready again once its send
// queue drains (OnSendDrained).
void ChainSync::Impl::Requeue(PeerId id, std::span<const wire::InvItem> items, bool still_ready) {
  Peer* peer = FindPeer(id);
  if (!peer) return;
  peer->getdata_queue.insert(peer->getdata_queue.begin(), items.begin(), items.end());
  // The queue may have drained since it was measured (its drain event already passed).
  if (network_.SendQueueBytes(id).value_or(0) < kServeBudgetBytes) still_ready = true;
  if (still_ready) {
    serve_ready_.insert(id);
  } else {
    serve_ready_.erase(id);
  }
}

// Answers a turn's entries without holding mutex_ (disk reads and encoding happen here), until
// the peer's send queue reaches the budget; returns how many entries were handled.
size_t ChainSync::Impl::ServeTurn(PeerId id, const std::vector<wire::InvItem>& items) {
  std::vector<wire::InvItem> missing;
  std::vector<crypto::Uint256> served;
  size_t handled = 0;
  for (const auto& item : items) {
    if (handled > 0 && network_.SendQueueBytes(id).value_or(0) >= kServeBudgetBytes) break;
    ++handled;
    if (IsBlockType(item.type)) {
      if (ServeBlock(id, item)) {
        served.push_back(item.hash);
      } else {
        missing.push_back(item);
      }
    } else if (IsTxType(item.type)) {
      auto entry = chain_.MempoolLookup(item.hash, item.type == wire::InvType::kWtx);
      if (!entry) {
        missing.push_back(item);
        continue;
      }
      (void)network_.Send(id, wire::TxMessage{std::move(entry->tx), WitnessFor(item.type)});
      served.push_back(entry->txid);
    } else if (item.type == wire::InvType::kCompactBlock) {  // [cmpct hook]
      if (ServeCompactBlock(id, item)) {
        served.push_back(item.hash);
      } else {
        missing.push_back(item);
      }
    } else {
      missing.push_back(item);  // filtered blocks and unknown types: not served
    }
  }
  std::vector<std::pair<PeerId, wire::Message>> notfound;
  SendInChunks<wire::NotFound>(id, std::move(missing), notfound);
  for (auto& [peer, message] : notfound) (void)network_.Send(peer, message);
  std::optional<crypto::Uint256> tip_inv;
  {
    util::MutexLock lock(mutex_);
    Peer* peer = FindPeer(id);
    if (!peer) return handled;
    for (const auto& hash : served) {
      peer->known.Insert(hash);
      // getblocks continuation (Core's hashContinue): the last block of a 500-entry inv was
      // fetched, so announce the tip and the peer asks for the next batch.
      if (peer->getblocks_continue && *peer->getblocks_continue == hash) {
        peer->getblocks_continue.reset();
        tip_inv = chain_.Tip().hash;
      }
    }
  }
  if (tip_inv) (void)network_.Send(id, wire::Inv{{{wire::InvType::kBlock, *tip_inv}}});
  return handled;
}

// Sends one stored block: for MSG_WITNESS_BLOCK its bytes as stored, checked against the stored
// checksum before anything is queued and then sent straight from the block file (the frame's
// checksum is the record's); re-encoded without witness data for MSG_BLOCK (BIP144). false if we
// do not have it or it is damaged (logged here; the chainstate marks it and asks for a re-fetch
// through OnBlockDataCorrupt), and the caller answers notfound.
bool ChainSync::Impl::ServeBlock(PeerId id, const wire::InvItem& item) {
  auto log_failure = [&](const chain::Error& error) {
    if (error.code == chain::ErrorCode::kNotFound) return;
    if (auto suppressed = serve_error_limiter_.Allow()) {
      util::Log(util::LogCategory::kSync)
          .error("cannot serve block {} to peer={}: {} ({} similar suppressed)", item.hash.ToHex(),
                 id, error.Message(), *suppressed);
    }
  };
  if (WantsWitness(item.type)) {
    auto segment = chain_.GetBlockSegment(item.hash);
    if (!segment) {
      log_failure(segment.error());
      return false;
    }
    const auto command = wire::Command::kBlockMessage;
    const auto header = wire::EncodeFrameHeader(chain_.params().magic, wire::Name(command),
                                                segment->size, segment->checksum);
    return network_
        .SendStoredPayload(id, command, header, {std::move(segment->file), segment->offset, segment->size})
        .has_value();
  }
  auto record = chain_.GetBlockRecord(item.hash);
  if (!record) {
    log_failure(record.error());
    return false;
  }
  auto block = primitives::DecodeBlock(util::ByteSpan(*record).subspan(storage::kRecordHeaderSize));
  if (!block) return false;
  return network_.Send(id, wire::BlockMessage{std::move(*block), primitives::WitnessMode::kExclude})
      .has_value();
}

void ChainSync::Impl::Handle(PeerId id, const wire::NotFound& notfound, Effects& fx) {
  const auto now = Clock::now();
  for (const auto& item : notfound.items) {
    if (IsBlockType(item.type)) {
      (void)download_.OnNotFound(id, item.hash, now);
    } else if (IsTxType(item.type)) {
      (void)tx_requests_.OnNotFound(id, item.hash, now, fx);
    }
  }
  ScheduleBlocks(now, fx);
}

void ChainSync::Impl::Handle(PeerId id, const wire::SendHeaders&, Effects&) {
  FindPeer(id)->prefers_headers = true;
}

void ChainSync::Impl::Handle(PeerId id, const wire::MemPool&, Effects& fx) {
  Peer& peer = *FindPeer(id);
  if (!peer.relay_txs) return;
  std::vector<wire::InvItem> items;
  // The best-paying kMaxMempoolInv only: a full pool would be tens of MB of inv for one request.
  for (const auto& txid : chain_.MempoolTxids()) {
    if (items.size() >= kMaxMempoolInv) break;
    if (peer.known.Insert(txid)) items.push_back({wire::InvType::kTx, txid});
  }
  SendInChunks<wire::Inv>(id, std::move(items), fx.sends);
}

// --- transactions (validation worker) ---

void ChainSync::Impl::ProcessTransaction(PeerId id, const primitives::Transaction& tx) {
  auto outcome = chain_.SubmitTransaction(tx);  // without mutex_: it calls back into us
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    if (!running_) return;
    if (!outcome) {
      // Remembered by wtxid: the same txid with another witness may still be valid.
      recent_rejects_.Insert(primitives::Wtxid(tx));
      RememberRejected(tx);  // [cmpct hook] a block may still contain it
      if (outcome.error().code == chain::ErrorCode::kConsensus) {
        fx.Report(id, {.kind = MisbehaviorKind::kInvalidTransaction, .command = "tx",
                       .detail = std::string(outcome.error().Reason())});
      }
    } else if (*outcome == chain::TxOutcome::kOrphan) {
      RememberRejected(tx);  // [cmpct hook] not in the mempool yet
      // Ask the sender for the parents we have not seen.
      const auto now = Clock::now();
      for (const auto& input : tx.inputs) {
        const auto& parent = input.prevout.txid;
        if (recent_.Contains(parent) || chain_.MempoolContains(parent)) continue;
        tx_requests_.RequestParent(id, parent, now, fx);
      }
    }
  }
  Flush(fx);
}

}  // namespace parthenon::p2p
