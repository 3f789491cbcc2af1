// ChainSync BIP152 compact blocks (version 2): negotiation (sendcmpct), receiving cmpctblock and
// rebuilding the block from the mempool and the extra pool (one getblocktxn/blocktxn round for
// what is missing, the full block when rebuilding fails), pushing new blocks to peers that asked
// for high-bandwidth mode before full validation, choosing our own high-bandwidth peers, and
// serving getdata MSG_CMPCT_BLOCK and getblocktxn. The sans-I/O pieces are in compact_blocks.h;
// docs/compact-blocks.md describes the behaviour.
#include <fmt/format.h>

#include <algorithm>

#include "p2p/detail/chain_sync.h"
#include "primitives/merkle.h"

namespace parthenon::p2p {
namespace {

using Clock = std::chrono::steady_clock;

// The mempool as a source of transactions for rebuilding (visited under the chainstate's state
// lock, after ChainSync's mutex_: the documented lock order).
class MempoolSource final : public compact::TxSource {
 public:
  explicit MempoolSource(const chain::Chainstate& chain) : chain_(chain) {}
  void ForEach(const Visitor& visit) const override { chain_.VisitMempool(visit); }

 private:
  const chain::Chainstate& chain_;
};

// getdata MSG_CMPCT_BLOCK for a block deeper than this below the tip is answered with the full
// block (Bitcoin Core's MAX_CMPCTBLOCK_DEPTH).
constexpr int32_t kMaxCompactDepth = 5;
// A pushed block we could not connect: getheaders again this often, this many times.
constexpr std::chrono::milliseconds kUnconnectedRetry{200};
constexpr int kUnconnectedTries = 10;

}  // namespace

// --- negotiation ---

void ChainSync::Impl::CompactPeerConnected(const PeerInfo& info, Effects& fx) {
  // Version 2 names transactions by wtxid: only for peers that relay by wtxid (BIP339). Like
  // Core we start every such peer in low-bandwidth mode; HB is asked for later, by delivery.
  if (!info.wtxid_relay) return;
  compact_.peers[info.id] = {};
  fx.Send(info.id, wire::SendCmpct{false, compact::kVersion});
}

void ChainSync::Impl::CompactPeerDisconnected(PeerId id) {
  compact_.peers.erase(id);
  compact_.high_bandwidth.Remove(id);
  compact_.pending.RemovePeer(id);
}

void ChainSync::Impl::Handle(PeerId id, const wire::SendCmpct& sendcmpct, Effects&) {
  // Other versions (1: short ids of txids) are ignored, as Core ignores versions it does not
  // speak; so are peers without wtxid relay.
  auto it = compact_.peers.find(id);
  if (sendcmpct.version != compact::kVersion || it == compact_.peers.end()) return;
  it->second.speaks_v2 = true;
  it->second.wants_push = sendcmpct.announce;
}

wire::InvType ChainSync::Impl::BlockRequestType(PeerId id, int32_t height, int32_t tip_height) const {
  // Low-bandwidth mode: the block on top of our tip, from a compact-block peer, as cmpctblock
  // (its transactions are likely in our mempool); anything further back, in full.
  auto it = compact_.peers.find(id);
  const bool compact = it != compact_.peers.end() && it->second.speaks_v2 && height == tip_height + 1;
  return compact ? wire::InvType::kCompactBlock : wire::InvType::kWitnessBlock;
}

// --- receiving ---

// On the validation worker (QueueChainWork).
void ChainSync::Impl::HandleCmpctBlock(PeerId id, const wire::CmpctBlock& compact) {
  const auto hash = compact.header.Hash();
  const auto now = Clock::now();
  Effects fx;
  bool claimed = false;  // the request for this block is ours to release if we give up
  {
    util::MutexLock lock(mutex_);
    Peer* peer = running_ ? FindPeer(id) : nullptr;
    if (!peer) return;
    peer->known.Insert(hash);
    if (received_.Contains(hash) || recent_.Contains(hash)) return;  // have it, or validating
    ++counters_.compact_blocks_received;
    // Held while the header is checked, so the scheduler does not fetch the block meanwhile.
    if (!download_.InFlight(hash)) {
      download_.Assign(hash, id, now);
      claimed = true;
    }
  }
  // The header first, without mutex_ (the chainstate calls back into us): PoW, continuity,
  // the anti-DoS work threshold, as for `headers`.
  const auto parent_work = chain_.GetChainWork(compact.header.prev_block);
  const std::vector<primitives::BlockHeader> header{compact.header};
  std::optional<chain::HeadersOutcome> outcome;
  if (parent_work && PlanHeaders(*parent_work, header, false) == HeadersPlan::kStore) {
    outcome = chain_.SubmitHeaders(header);
  }
  std::optional<primitives::Block> rebuilt;
  {
    util::MutexLock lock(mutex_);
    Peer* peer = running_ ? FindPeer(id) : nullptr;
    const bool stored = outcome && !outcome->error && outcome->accepted == 1;
    if (claimed && (!peer || !stored)) (void)download_.Release(hash, id);
    if (!peer) return;
    if (!parent_work) {
      // It is ahead of us (we push only to peers that have the parent, so this is a race or a
      // peer that pushes carelessly): fetch the headers leading to it, as Core does. The peer
      // pushed before validating, so its answer may stop short of this block: ask again a few
      // times until we know the header (CheckCompactTimeouts).
      SendGetHeaders(id, std::nullopt, now, fx);
      compact_.unconnected.push_back({id, hash, now + kUnconnectedRetry, 0});
      if (compact_.unconnected.size() > CompactRelayState::kMaxUnconnected) {
        compact_.unconnected.pop_front();
      }
    } else if (outcome && outcome->error) {
      fx.Report(id, {.kind = MisbehaviorKind::kInvalidHeaders, .command = "cmpctblock",
                     .detail = outcome->error->Message()});
    } else if (stored) {
      if (auto height = chain_.GetHeight(hash)) peer->best_height = std::max(peer->best_height, *height);
      rebuilt = StartReconstruction(id, compact, now, fx);
    }
    RebuildDownloadQueue();
    ScheduleBlocks(now, fx);
  }
  Flush(fx);
  if (rebuilt) OnBlock(id, std::move(*rebuilt));
}

std::optional<primitives::Block> ChainSync::Impl::StartReconstruction(
    PeerId id, const wire::CmpctBlock& compact, SteadyTime now, Effects& fx) {
  const auto hash = compact.header.Hash();
  // Only a block that would become our best is rebuilt here; others (a side branch) are left
  // to the download scheduler, which fetches them if they ever lead the best chain.
  if (chain_.HeaderTip().hash != hash && download_.Owner(hash) != id) {
    (void)download_.Release(hash, id);
    return std::nullopt;
  }
  MempoolSource mempool(chain_);
  const compact::TxSource* sources[] = {&mempool, &compact_.extra};
  auto partial = compact::PartialBlock::Start(compact, sources);
  if (!partial) {
    if (partial.error() == compact::ReconstructError::kInvalid) {
      (void)download_.Release(hash, id);
      fx.Report(id, {.kind = MisbehaviorKind::kInvalidBlock, .command = "cmpctblock",
                     .detail = std::string(compact::ToString(partial.error()))});
    } else {
      RequestFullBlock(id, hash, fx);
    }
    return std::nullopt;
  }
  const std::vector<uint32_t> missing = partial->Missing();
  if (missing.empty()) {
    auto block = partial->Finish({});
    if (!block) {
      RequestFullBlock(id, hash, fx);
      return std::nullopt;
    }
    ++counters_.compact_reconstructed;
    PushCompactBlock(id, std::make_shared<const primitives::Block>(*block));
    return std::move(*block);
  }
  if (!compact_.pending.Add(id, std::move(*partial), now + options_.block_timeout)) {
    RequestFullBlock(id, hash, fx);  // too many blocks being rebuilt: the simple way
    return std::nullopt;
  }
  fx.Send(id, wire::GetBlockTxn{hash, missing});
  return std::nullopt;
}

void ChainSync::Impl::HandleBlockTxn(PeerId id, const wire::BlockTxn& blocktxn) {
  Effects fx;
  std::optional<primitives::Block> rebuilt;
  {
    util::MutexLock lock(mutex_);
    if (!running_ || !FindPeer(id)) return;
    auto partial = compact_.pending.Take(id, blocktxn.block_hash);
    if (!partial) return;  // not asked (or given up): ignored, as Core does
    auto block = partial->Finish(blocktxn.transactions);
    if (block) {
      ++counters_.compact_round_trip;
      PushCompactBlock(id, std::make_shared<const primitives::Block>(*block));
      rebuilt = std::move(*block);
    } else if (block.error() == compact::ReconstructError::kInvalid) {
      (void)download_.Release(blocktxn.block_hash, id);
      fx.Report(id, {.kind = MisbehaviorKind::kInvalidBlock, .command = "blocktxn",
                     .detail = "not the transactions getblocktxn asked for"});
      ScheduleBlocks(Clock::now(), fx);
    } else {
      RequestFullBlock(id, blocktxn.block_hash, fx);
    }
  }
  Flush(fx);
  if (rebuilt) OnBlock(id, std::move(*rebuilt));
}

// Gives up rebuilding: the full block from the same peer (it has it), keeping it in flight.
void ChainSync::Impl::RequestFullBlock(PeerId id, const crypto::Uint256& hash, Effects& fx) {
  ++counters_.compact_fallbacks;
  download_.Assign(hash, id, Clock::now());
  fx.Send(id, wire::GetData{{{wire::InvType::kWitnessBlock, hash}}});
}

void ChainSync::Impl::CheckCompactTimeouts(SteadyTime now, Effects& fx) {
  // The block request itself expires too (CheckTimeouts reassigns it); only the rebuild state
  // is dropped here.
  (void)compact_.pending.TakeExpired(now);
  std::erase_if(compact_.unconnected, [&](CompactRelayState::Unconnected& entry) REQUIRES(mutex_) {
    if (chain_.GetHeader(entry.hash) || !FindPeer(entry.peer)) return true;
    if (now < entry.retry) return false;
    SendGetHeaders(entry.peer, std::nullopt, now, fx);
    entry.retry = now + kUnconnectedRetry;
    return ++entry.tries >= kUnconnectedTries;
  });
}

void ChainSync::Impl::RememberRejected(const primitives::Transaction& tx) { compact_.extra.Add(tx); }

// --- pushing and announcing ---

void ChainSync::Impl::MaybePushArrivedBlock(PeerId from, const primitives::Block& block) {
  const auto hash = block.header.Hash();
  if (compact_.Find(hash) || chain_.HeaderTip().hash != hash) return;  // pushed, or not best
  const bool anyone = std::any_of(compact_.peers.begin(), compact_.peers.end(),
                                  [](const auto& entry) { return entry.second.wants_push; });
  if (!anyone) return;
  // The header passed its checks when it was stored; the body must match it before we vouch
  // for it (full validation comes later, as in Core).
  if (primitives::BlockMerkleRoot(block).root != block.header.merkle_root) return;
  PushCompactBlock(from, std::make_shared<const primitives::Block>(block));
}

void ChainSync::Impl::PushCompactBlock(PeerId from,
                                       const std::shared_ptr<const primitives::Block>& block) {
  const auto& recent = compact_.Remember(block);
  if (chain_.HeaderTip().hash != recent.hash) return;
  for (const auto& [id, flags] : compact_.peers) {
    if (!flags.wants_push || id == from) continue;
    Peer* peer = FindPeer(id);
    // Only to a peer that can connect it (Core: it has the parent header); the others hear of
    // the block by the usual announcement once it is connected.
    if (!peer || !peer->known.Contains(block->header.prev_block)) continue;
    if (peer->known.Insert(recent.hash)) SendAnnouncement(id, *recent.compact);
  }
}

// Block announcements to high-bandwidth peers leave at once, under mutex_ (the lock order
// allows it: Send only queues), not through Effects: pushes happen on I/O threads and
// announcements on the chainstate's thread, and a push of block N+1 must not overtake the
// announcement of N that made us believe the peer can connect it.
void ChainSync::Impl::SendAnnouncement(PeerId id, const wire::Message& message) {
  (void)network_.Send(id, message);
}

bool ChainSync::Impl::AnnounceCompact(PeerId id, const crypto::Uint256& tip) {
  auto it = compact_.peers.find(id);
  if (it == compact_.peers.end() || !it->second.wants_push) return false;
  const auto* recent = compact_.Find(tip);
  // A peer that lacks the parent gets `headers` instead (it then asks for the gap), sent the
  // same way so that it keeps its place among the pushes.
  Peer* peer = FindPeer(id);
  if (!peer) return false;
  if (recent && peer->known.Contains(recent->block->header.prev_block)) {
    SendAnnouncement(id, *recent->compact);
    return true;
  }
  auto header = chain_.GetHeader(tip);
  if (!header) return false;
  SendAnnouncement(id, wire::Headers{{*header}});
  return true;
}

std::shared_ptr<const primitives::Block> ChainSync::Impl::BlockToPush(const chain::ChainTip& tip) {
  {
    util::MutexLock lock(mutex_);
    if (!running_ || compact_.Find(tip.hash)) return nullptr;
    const bool anyone = std::any_of(compact_.peers.begin(), compact_.peers.end(),
                                    [](const auto& entry) { return entry.second.wants_push; });
    if (!anyone) return nullptr;
  }
  if (chain_.HeaderTip().hash != tip.hash) return nullptr;  // catching up: nothing is pushed
  auto block = chain_.GetBlock(tip.hash);
  if (!block) return nullptr;
  return std::make_shared<const primitives::Block>(std::move(*block));
}

void ChainSync::Impl::RememberBlock(std::shared_ptr<const primitives::Block> block) {
  (void)compact_.Remember(std::move(block));
}

void ChainSync::Impl::CompactBlockDelivered(PeerId id, Effects& fx) {
  auto it = compact_.peers.find(id);
  const bool speaks = it != compact_.peers.end() && it->second.speaks_v2;
  for (auto& [peer, message] : compact_.high_bandwidth.OnFirstDelivery(id, speaks)) {
    fx.Send(peer, message);
  }
}

// --- serving ---

void ChainSync::Impl::Handle(PeerId id, const wire::GetBlockTxn& getblocktxn, Effects& fx) {
  const auto* recent = compact_.Find(getblocktxn.block_hash);
  if (!recent) {
    // Not in memory (an older block): the full block, read from disk by the serving thread.
    if (chain_.GetHeader(getblocktxn.block_hash)) {
      Handle(id, wire::GetData{{{wire::InvType::kWitnessBlock, getblocktxn.block_hash}}}, fx);
    }
    return;
  }
  const auto& transactions = recent->block->transactions;
  wire::BlockTxn answer{getblocktxn.block_hash, {}};
  answer.transactions.reserve(getblocktxn.indexes.size());
  for (const uint32_t index : getblocktxn.indexes) {
    if (index >= transactions.size()) {
      fx.Report(id, {.kind = MisbehaviorKind::kOversizedMessage, .command = "getblocktxn",
                     .detail = fmt::format("index {} of a block of {} transactions", index,
                                           transactions.size())});
      return;
    }
    answer.transactions.push_back(transactions[index]);
  }
  fx.Send(id, std::move(answer));
}

bool ChainSync::Impl::ServeCompactBlock(PeerId id, const wire::InvItem& item) {
  std::shared_ptr<const wire::CmpctBlock> compact;
  {
    util::MutexLock lock(mutex_);
    if (const auto* recent = compact_.Find(item.hash)) compact = recent->compact;
  }
  if (!compact) {
    const auto height = chain_.GetHeight(item.hash);
    if (!height) return false;
    if (*height + kMaxCompactDepth < chain_.Tip().height) {
      return ServeBlock(id, {wire::InvType::kWitnessBlock, item.hash});
    }
    auto block = chain_.GetBlock(item.hash);
    if (!block) return false;
    auto shared = std::make_shared<const primitives::Block>(std::move(*block));
    util::MutexLock lock(mutex_);
    compact = compact_.Remember(std::move(shared)).compact;
  }
  return network_.Send(id, *compact).has_value();
}

}  // namespace parthenon::p2p
