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

// What a queued `headers` message occupies, roughly (the validation queue's byte budget).
size_t HeadersJobBytes(const wire::Headers& message) {
  return 256 + message.headers.size() * sizeof(primitives::BlockHeader);
}
// Queued `headers` per peer: two full answers, or thousands of announcements (a peer mining
// fast announces every block; the worker may be busy with a large block meanwhile).
constexpr size_t kMaxQueuedHeaderBytesPerPeer =
    2 * (256 + wire::kMaxHeadersEntries * sizeof(primitives::BlockHeader));

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
void ChainSync::Impl::MaybeStartHeadersSync(int32_t header_height, SteadyTime now, Effects& fx) {
  for (const auto& [id, peer] : peers_) {
    if (peer.HeadersOutstanding()) return;
  }
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

// On an I/O thread: the answer is no longer outstanding (its deadline stops), but the peer is
// not asked again while the answer waits for the worker.
void ChainSync::Impl::QueueChainWork(PeerId id, const wire::Headers& message) {
  util::MutexLock lock(mutex_);
  Peer* peer = running_ ? FindPeer(id) : nullptr;
  if (!peer) return;
  const bool solicited = peer->headers_deadline.has_value();
  peer->headers_deadline.reset();
  const size_t bytes = HeadersJobBytes(message);
  if (peer->queued_header_bytes + bytes > kMaxQueuedHeaderBytesPerPeer) {
    DebugLog(id, "headers dropped: too many waiting for validation");
  } else if (Enqueue({id, message, solicited, bytes})) {  // (it logs a drop itself)
    peer->queued_header_bytes += bytes;
    return;
  }
  peer->dropped_announcement = true;  // asked again once its queued work is done
  if (sync_peer_ == id) sync_peer_.reset();  // dropped: the next tick asks again (of the best peer)
}

void ChainSync::Impl::HandleHeaders(PeerId id, const wire::Headers& message, bool solicited) {
  const auto now = Clock::now();
  Effects fx;
  // The peer's held low-work chain, continued by this batch, or just this batch.
  std::vector<primitives::BlockHeader> chain;
  {
    util::MutexLock lock(mutex_);
    Peer* peer = running_ ? FindPeer(id) : nullptr;
    if (!peer) return;
    peer->queued_header_bytes -= std::min(peer->queued_header_bytes, HeadersJobBytes(message));
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

// The scheduler's view of the chainstate and our peers (read under mutex_).
BlockDownload::ChainPoint ChainSync::Impl::DownloadView::Tip() const {
  return {impl_.tip_.hash, impl_.tip_.height};
}
BlockDownload::ChainPoint ChainSync::Impl::DownloadView::HeaderTip() const {
  const auto tip = impl_.chain_.HeaderTip();
  return {tip.hash, tip.height};
}
std::optional<crypto::Uint256> ChainSync::Impl::DownloadView::ActiveHash(int32_t height) const {
  return impl_.chain_.GetBlockHash(height);
}
std::optional<crypto::Uint256> ChainSync::Impl::DownloadView::Parent(
    const crypto::Uint256& hash) const {
  auto header = impl_.chain_.GetHeader(hash);
  if (!header) return std::nullopt;
  return header->prev_block;
}
bool ChainSync::Impl::DownloadView::Have(const crypto::Uint256& hash) const {
  return impl_.received_.Contains(hash) || impl_.recent_.Contains(hash);
}
int32_t ChainSync::Impl::DownloadView::PeerHeight(PeerId peer) const {
  auto it = impl_.peers_.find(peer);
  return it == impl_.peers_.end() ? 0 : it->second.best_height;
}
bool ChainSync::Impl::DownloadView::PeerHas(PeerId peer, const crypto::Uint256& hash) const {
  auto it = impl_.peers_.find(peer);
  return it != impl_.peers_.end() && it->second.known.Contains(hash);
}

// [cmpct hook] MSG_CMPCT_BLOCK for the next block from a compact-block peer.
wire::InvType ChainSync::Impl::DownloadView::RequestType(PeerId peer, int32_t height) const {
  return impl_.BlockRequestType(peer, height, impl_.tip_.height);
}

void ChainSync::Impl::RebuildDownloadQueue() { download_.Rebuild(DownloadView(*this)); }

void ChainSync::Impl::ScheduleBlocks(SteadyTime now, Effects& fx) {
  download_.Schedule(DownloadView(*this), now, fx);
}

void ChainSync::Impl::OnBlockDataCorrupt(const crypto::Uint256& hash, int32_t height) {
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    download_.MarkCorrupt(hash, height);
    if (running_) RequestRefetches(Clock::now(), fx);
  }
  Flush(fx);
}

void ChainSync::Impl::RequestRefetches(SteadyTime now, Effects& fx) {
  download_.RequestRefetches(DownloadView(*this), now, fx);
}

void ChainSync::Impl::CheckTimeouts(SteadyTime now, Effects& fx) {
  CheckCompactTimeouts(now, fx);  // [cmpct hook]
  // One report per peer and tick, however many of its requests expired.
  std::map<PeerId, size_t> undelivered = download_.TakeExpired(now);
  for (const auto& [id, count] : tx_requests_.TakeExpired(now, fx)) undelivered[id] += count;
  for (const auto& [id, count] : undelivered) {
    if (!FindPeer(id)) continue;
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
      download_.Rescan();
      if (Blames(outcome.error())) {
        fx.Report(id, {.kind = MisbehaviorKind::kInvalidBlock, .command = "block",
                       .detail = outcome.error().Message()});
      }
    } else if (*outcome == chain::BlockOutcome::kLowWork) {
      // Not stored (Core's AcceptBlock rule); a peer that keeps doing it is disconnected.
      received_.Erase(hash);
      download_.Rescan();
      fx.Report(id, {.kind = MisbehaviorKind::kLowWorkData, .command = "block",
                     .detail = "unrequested block without more work than our tip"});
    } else if (*outcome == chain::BlockOutcome::kOrphan) {
      // Parent unknown: fetch the headers leading to it from the sender. An unrequested orphan
      // is not held by the chainstate, so it must not count as received: once its header
      // connects, the block is requested like any other.
      if (!requested) {
        received_.Erase(hash);
        download_.Rescan();
      }
      if (Peer* peer = FindPeer(id); peer && !peer->HeadersOutstanding()) {
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
