// ChainSync sync handlers: getheaders/headers (headers-first), block download scheduling with a
// moving window and per-peer caps, request deadlines, and block validation on the worker.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "consensus/pow.h"
#include "p2p/detail/chain_sync.h"
#include "p2p/wire/protocol.h"

namespace parthenon::p2p {
namespace {

using Clock = std::chrono::steady_clock;

// Low-work headers per peer: a held chain plus the batch continuing it stay within this (80 bytes
// each: 320 KB), so at most 2,000 are held between messages.
constexpr size_t kMaxHeldHeaders = 2 * wire::kMaxHeadersEntries;

bool Blames(const chain::Error& error) {
  // The block itself (or its ancestry) is invalid; anything else is our own trouble (storage,
  // shutdown) or not a block error.
  return error.code == chain::ErrorCode::kConsensus || error.code == chain::ErrorCode::kBadPrevBlock ||
         error.code == chain::ErrorCode::kKnownInvalid;
}

}  // namespace

// --- headers ---

wire::GetHeaders ChainSync::Impl::MakeGetHeaders(const std::optional<crypto::Uint256>& from) const {
  // The locator of the active chain, preceded by the best header (so a peer continues a headers
  // download past blocks we do not have yet) and by `from` (the last header a peer sent).
  wire::GetHeaders message;
  if (from) message.locator.push_back(*from);
  const auto header_tip = chain_.HeaderTip();
  if (!from || *from != header_tip.hash) message.locator.push_back(header_tip.hash);
  for (const auto& hash : chain_.GetLocator()) {
    if (message.locator.size() >= wire::kMaxLocatorEntries) break;
    if (std::find(message.locator.begin(), message.locator.end(), hash) == message.locator.end()) {
      message.locator.push_back(hash);
    }
  }
  return message;
}

void ChainSync::Impl::SendGetHeaders(PeerId id, const std::optional<crypto::Uint256>& from,
                                     SteadyTime now, Effects& fx) {
  Peer* peer = FindPeer(id);
  if (!peer) return;
  peer->headers_deadline = now + options_.headers_timeout;
  fx.Send(id, MakeGetHeaders(from));
}

// Picks the peer with the highest announced height above our best header as the sync peer,
// unless a headers request is already outstanding.
void ChainSync::Impl::MaybeStartHeadersSync(SteadyTime now, Effects& fx) {
  for (const auto& [id, peer] : peers_) {
    if (peer.headers_deadline) return;
  }
  const int32_t header_height = chain_.HeaderTip().height;
  std::optional<PeerId> best;
  int32_t best_height = header_height;
  for (const auto& [id, peer] : peers_) {
    if (peer.best_height > best_height) {
      best = id;
      best_height = peer.best_height;
    }
  }
  if (!best) return;
  sync_peer_ = best;
  SendGetHeaders(*best, std::nullopt, now, fx);
}

void ChainSync::Impl::Handle(PeerId id, const wire::GetHeaders& getheaders, Effects& fx) {
  if (getheaders.locator.empty()) {
    // Bitcoin Core: an empty locator asks for the hash_stop header alone (nothing if unknown).
    if (auto header = chain_.GetHeader(getheaders.stop_hash)) fx.Send(id, wire::Headers{{*header}});
    return;
  }
  auto headers = chain_.HeadersAfter(getheaders.locator, getheaders.stop_hash,
                                     wire::kMaxHeadersEntries);
  Peer& peer = *FindPeer(id);
  if (!headers.empty()) peer.known.Insert(headers.back().Hash());
  fx.Send(id, wire::Headers{std::move(headers)});
}

// getblocks (bcoin and old clients sync this way): an inv of up to 500 block hashes of our active
// chain after the fork point with the locator, stopping before hash_stop (as Core does; getheaders
// includes it).
void ChainSync::Impl::Handle(PeerId id, const wire::GetBlocks& getblocks, Effects& fx) {
  constexpr size_t kMaxGetBlocksInv = 500;
  auto headers = chain_.HeadersAfter(getblocks.locator, getblocks.stop_hash, kMaxGetBlocksInv);
  if (!headers.empty() && headers.back().Hash() == getblocks.stop_hash) headers.pop_back();
  if (headers.empty()) return;
  wire::Inv inv;
  inv.items.reserve(headers.size());
  for (const auto& header : headers) inv.items.push_back({wire::InvType::kBlock, header.Hash()});
  Peer& peer = *FindPeer(id);
  peer.getblocks_continue.reset();
  if (headers.size() == kMaxGetBlocksInv) peer.getblocks_continue = inv.items.back().hash;
  fx.Send(id, std::move(inv));
}

void ChainSync::Impl::HandleHeaders(PeerId id, const wire::Headers& message) {
  const auto now = Clock::now();
  Effects fx;
  bool solicited = false;
  // The peer's held low-work chain, continued by this batch, or just this batch.
  std::vector<primitives::BlockHeader> chain;
  {
    util::MutexLock lock(mutex_);
    Peer* peer = running_ ? FindPeer(id) : nullptr;
    if (!peer) return;
    solicited = peer->headers_deadline.has_value();
    peer->headers_deadline.reset();
    counters_.headers_received += message.headers.size();
    if (message.headers.empty() && sync_peer_ == id) sync_peer_.reset();  // it has nothing more
    if (message.headers.empty()) return;
    if (!peer->held_headers.empty()) {
      if (message.headers.front().prev_block == peer->held_headers.back().Hash()) {
        chain = std::move(peer->held_headers);
      } else {
        // It left its low-work chain for another one: that one cost us for nothing.
        fx.Report(id, {.kind = MisbehaviorKind::kLowWorkData, .command = "headers",
                       .detail = "abandoned a held chain below the anti-DoS work threshold"});
      }
    }
    peer->held_headers.clear();
  }
  chain.insert(chain.end(), message.headers.begin(), message.headers.end());
  const bool full = message.headers.size() == wire::kMaxHeadersEntries;

  // Without mutex_ (the chainstate calls back into us).
  const auto parent_work = chain_.GetChainWork(chain.front().prev_block);
  HeadersPlan plan = HeadersPlan::kDrop;
  std::optional<chain::HeadersOutcome> outcome;
  if (parent_work) {
    plan = PlanHeaders(*parent_work, chain, full);
    if (plan == HeadersPlan::kStore) outcome = chain_.SubmitHeaders(chain);
  }

  {
    util::MutexLock lock(mutex_);
    Peer* peer = running_ ? FindPeer(id) : nullptr;
    if (!peer) return;
    if (!parent_work) {
      HandleUnconnecting(id, *peer, solicited, now, fx);
    } else if (plan == HeadersPlan::kHold) {
      // Too little work so far, more to come: keep (bounded) and ask for the next batch.
      peer->held_headers = std::move(chain);
      SendGetHeaders(id, peer->held_headers.back().Hash(), now, fx);
    } else if (plan == HeadersPlan::kDrop) {
      if (sync_peer_ == id) sync_peer_.reset();
      fx.Report(id, {.kind = MisbehaviorKind::kLowWorkData, .command = "headers",
                     .detail = fmt::format("{} headers of a chain below the anti-DoS work "
                                           "threshold", chain.size())});
    } else {
      AfterStoredHeaders(id, *peer, chain, *outcome, full, now, fx);
    }
  }
  Flush(fx);
}

// Headers anti-DoS (docs/relay-and-sync.md): a chain is stored once its total work reaches the
// chainstate's threshold; a full batch below it is held (up to kMaxHeldHeaders per peer, in
// memory only) while the peer sends more; anything else is dropped.
ChainSync::Impl::HeadersPlan ChainSync::Impl::PlanHeaders(const crypto::ArithUint256& parent_work,
                                         const std::vector<primitives::BlockHeader>& chain,
                                         bool full) const {
  crypto::ArithUint256 work = parent_work;
  for (const auto& header : chain) work += consensus::BlockWork(header.bits);
  if (work >= chain_.AntiDosWorkThreshold()) return HeadersPlan::kStore;
  if (full && chain.size() + wire::kMaxHeadersEntries <= kMaxHeldHeaders) return HeadersPlan::kHold;
  return HeadersPlan::kDrop;
}

void ChainSync::Impl::AfterStoredHeaders(PeerId id, Peer& peer,
                                         const std::vector<primitives::BlockHeader>& headers,
                                         const chain::HeadersOutcome& outcome, bool full,
                                         SteadyTime now, Effects& fx) {
  peer.unconnecting_headers = 0;
  peer.unconnecting_answers = 0;
  const size_t accepted = outcome.accepted;
  for (size_t i = 0; i < accepted; ++i) peer.known.Insert(headers[i].Hash());
  if (accepted > 0) {
    if (auto height = chain_.GetHeight(headers[accepted - 1].Hash())) {
      peer.best_height = std::max(peer.best_height, *height);
    }
  }
  if (outcome.error) {
    fx.Report(id, {.kind = MisbehaviorKind::kInvalidHeaders, .command = "headers",
                   .detail = outcome.error->Message()});
    if (sync_peer_ == id) sync_peer_.reset();
  } else if (full) {
    sync_peer_ = id;  // more to come: continue from the last one
    SendGetHeaders(id, headers.back().Hash(), now, fx);
  } else if (sync_peer_ == id) {
    sync_peer_.reset();
  }
  RebuildDownloadQueue();
  ScheduleBlocks(now, fx);
}

// Headers whose first parent we do not know. Our getheaders always carries our genesis in its
// locator, so a peer on our chain answers with headers that connect: two answers in a row that
// do not mean another chain (one could be an announcement that crossed our request). An
// unsolicited announcement may just be ahead of us: ask for the gap, up to a tolerance.
void ChainSync::Impl::HandleUnconnecting(PeerId id, Peer& peer, bool solicited, SteadyTime now,
                                         Effects& fx) {
  if (sync_peer_ == id) sync_peer_.reset();
  if (solicited && ++peer.unconnecting_answers >= 2) {
    fx.Report(id, {.kind = MisbehaviorKind::kWrongChain, .command = "headers",
                   .detail = "headers never connect to our genesis"});
    return;
  }
  if (!solicited && ++peer.unconnecting_headers > options_.max_unconnecting_headers) {
    fx.Report(id, {.kind = MisbehaviorKind::kUnconnectingHeaders, .command = "headers",
                   .detail = fmt::format("{} header announcements did not connect",
                                         peer.unconnecting_headers)});
    return;
  }
  SendGetHeaders(id, std::nullopt, now, fx);
}

// --- block download ---

void ChainSync::Impl::RebuildDownloadQueue() {
  const auto header_tip = chain_.HeaderTip();
  if (header_tip.hash == download_tip_ && !download_.empty()) return;
  download_tip_ = header_tip.hash;
  download_.clear();
  // Walk back from the best header to the active chain.
  crypto::Uint256 hash = header_tip.hash;
  int32_t height = header_tip.height;
  while (height > 0 && chain_.GetBlockHash(height) != hash) {
    download_.push_back(hash);
    auto header = chain_.GetHeader(hash);
    if (!header) break;
    hash = header->prev_block;
    --height;
  }
  std::reverse(download_.begin(), download_.end());
  download_base_ = height + 1;
  download_cursor_ = 0;
}

void ChainSync::Impl::ScheduleBlocks(SteadyTime now, Effects& fx) {
  if (download_.empty()) return;
  const auto tip = chain_.Tip();
  if (tip.hash == download_tip_) {
    download_.clear();
    return;
  }
  // Skip the part of the queue the active chain has connected since (the queue starts at the
  // fork point, which may be below the tip when a better branch replaces ours).
  while (download_cursor_ < download_.size()) {
    const int32_t height = download_base_ + static_cast<int32_t>(download_cursor_);
    if (height > tip.height || chain_.GetBlockHash(height) != download_[download_cursor_]) break;
    ++download_cursor_;
  }
  // Free request slots per peer; stop scanning once every peer is full.
  size_t free_slots = 0;
  for (const auto& [id, peer] : peers_) {
    const size_t used = block_requests_.CountFor(id);
    if (used < options_.max_blocks_in_flight_per_peer) {
      free_slots += options_.max_blocks_in_flight_per_peer - used;
    }
  }
  std::map<PeerId, wire::GetData> batches;
  const auto first = static_cast<int64_t>(download_cursor_);
  const int64_t last = std::min<int64_t>(int64_t(download_.size()),
                                         first + int64_t(options_.download_window));
  for (int64_t i = first; i < last && free_slots > 0; ++i) {
    const auto& hash = download_[static_cast<size_t>(i)];
    if (received_.Contains(hash) || recent_.Contains(hash) || block_requests_.InFlight(hash)) continue;
    const int32_t height = download_base_ + static_cast<int32_t>(i);
    // Prefer a peer known to have the block, then any peer whose chain is high enough; among
    // them the one with the fewest blocks in flight.
    std::optional<PeerId> chosen;
    int chosen_rank = 0;
    size_t chosen_load = 0;
    for (const auto& [id, peer] : peers_) {
      const size_t load = block_requests_.CountFor(id);
      if (load >= options_.max_blocks_in_flight_per_peer || peer.failed.Contains(hash)) continue;
      int rank = peer.known.Contains(hash) ? 3 : peer.best_height >= height ? 2 : 0;
      if (rank == 0) continue;
      // A peer that was late with this block is asked again only if nobody else can serve it
      // (a lone peer under load must not stall the download for ever).
      if (peer.stalled.Contains(hash)) rank = 1;
      if (!chosen || rank > chosen_rank || (rank == chosen_rank && load < chosen_load)) {
        chosen = id;
        chosen_rank = rank;
        chosen_load = load;
      }
    }
    if (!chosen) continue;
    block_requests_.Add(hash, *chosen, now + options_.block_timeout);
    // [cmpct hook] MSG_CMPCT_BLOCK for the next block from a compact-block peer.
    batches[*chosen].items.push_back({BlockRequestType(*chosen, height, tip.height), hash});
    --free_slots;
  }
  for (auto& [id, batch] : batches) fx.Send(id, std::move(batch));
}

void ChainSync::Impl::OnBlockDataCorrupt(const crypto::Uint256& hash, int32_t height) {
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    refetch_.emplace(hash, height);
    if (running_) RequestRefetches(Clock::now(), fx);
  }
  Flush(fx);
}

// Asks a peer whose chain reaches each damaged block's height for it (one request per block in
// flight; a timeout or notfound lets the next tick try another peer).
void ChainSync::Impl::RequestRefetches(SteadyTime now, Effects& fx) {
  for (const auto& [hash, height] : refetch_) {
    if (block_requests_.InFlight(hash)) continue;
    std::optional<PeerId> chosen;
    for (const auto& [id, peer] : peers_) {
      if (peer.best_height < height || peer.failed.Contains(hash)) continue;
      if (!chosen || block_requests_.CountFor(id) < block_requests_.CountFor(*chosen)) chosen = id;
    }
    if (!chosen) continue;
    block_requests_.Add(hash, *chosen, now + options_.block_timeout);
    fx.Send(*chosen, wire::GetData{{{wire::InvType::kWitnessBlock, hash}}});
  }
}

void ChainSync::Impl::CheckTimeouts(SteadyTime now, Effects& fx) {
  CheckCompactTimeouts(now, fx);  // [cmpct hook]
  // One report per peer and tick, however many of its requests expired.
  std::map<PeerId, size_t> undelivered;
  for (const auto& [hash, id] : block_requests_.TakeExpired(now)) {
    if (Peer* peer = FindPeer(id)) {
      peer->stalled.Insert(hash);  // ScheduleBlocks prefers another peer for it
      ++undelivered[id];
    }
  }
  for (const auto& [txid, id] : tx_requests_.TakeExpired(now)) {
    if (Peer* peer = FindPeer(id)) {
      peer->failed.Insert(txid);
      ++undelivered[id];
    }
    RequestTransaction(txid, now, fx);
  }
  for (const auto& [id, count] : undelivered) {
    fx.Report(id, {.kind = MisbehaviorKind::kUnresponsive, .command = "getdata",
                   .detail = fmt::format("{} requested items not delivered in time", count)});
  }
  for (auto& [id, peer] : peers_) {
    if (peer.headers_deadline && *peer.headers_deadline < now) {
      peer.headers_deadline.reset();
      if (sync_peer_ == id) sync_peer_.reset();
      fx.Report(id, {.kind = MisbehaviorKind::kUnresponsive, .command = "getheaders",
                     .detail = "no headers reply"});
    }
  }
}

// --- blocks (validation worker) ---

void ChainSync::Impl::ProcessBlock(PeerId id, const primitives::Block& block, bool requested) {
  const auto hash = block.header.Hash();
  // Without mutex_: the chainstate calls back into us.
  auto outcome = chain_.SubmitBlock(
      block, requested ? chain::BlockSource::kRequested : chain::BlockSource::kUnrequested);
  const auto now = Clock::now();
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    if (!running_) return;
    if (!outcome) {
      // Not remembered as seen: the hash covers only the header, and a mutated block (right
      // header, wrong transactions) must not stop us fetching the real one from another peer.
      // The chainstate itself remembers headers it found invalid.
      received_.Erase(hash);
      if (Blames(outcome.error())) {
        fx.Report(id, {.kind = MisbehaviorKind::kInvalidBlock, .command = "block",
                       .detail = outcome.error().Message()});
      }
    } else if (*outcome == chain::BlockOutcome::kLowWork) {
      // Not stored (Core's AcceptBlock rule); a peer that keeps doing it is disconnected.
      received_.Erase(hash);
      fx.Report(id, {.kind = MisbehaviorKind::kLowWorkData, .command = "block",
                     .detail = "unrequested block without more work than our tip"});
    } else if (*outcome == chain::BlockOutcome::kOrphan) {
      // Parent unknown: fetch the headers leading to it from the sender.
      if (Peer* peer = FindPeer(id); peer && !peer->headers_deadline) {
        SendGetHeaders(id, std::nullopt, now, fx);
      }
    } else {
      recent_.Insert(hash);
      // [cmpct hook] first delivery of our new tip: maybe a high-bandwidth peer.
      if (chain_.Tip().hash == hash && chain_.HeaderTip().hash == hash) CompactBlockDelivered(id, fx);
    }
    RebuildDownloadQueue();
    ScheduleBlocks(now, fx);
  }
  Flush(fx);
}

}  // namespace parthenon::p2p
