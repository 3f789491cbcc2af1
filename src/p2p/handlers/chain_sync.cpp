// ChainSync: construction, the message dispatch table, peer lifecycle, the worker and timer
// threads, and status. Relay handlers are in relay.cpp, sync handlers in sync.cpp.
#include "p2p/handlers/chain_sync.h"

#include <fmt/format.h>

#include <algorithm>

#include "p2p/detail/chain_sync.h"
#include "p2p/wire/protocol.h"

namespace parthenon::p2p {

using Clock = std::chrono::steady_clock;

namespace {

// What a decoded transaction occupies in memory, roughly: its bytes plus the per-element
// overhead of its vectors (a crafted witness of empty items costs 24 bytes an item, not 1).
size_t MemoryOf(const primitives::Transaction& tx) {
  size_t bytes = primitives::SerializedSize(tx) + sizeof(tx) +
                 tx.inputs.size() * sizeof(primitives::TxIn) +
                 tx.outputs.size() * sizeof(primitives::TxOut);
  for (const auto& input : tx.inputs) bytes += input.witness.size() * sizeof(util::Bytes);
  return bytes;
}

size_t MemoryOf(const primitives::Block& block) {
  size_t bytes = sizeof(block);
  for (const auto& tx : block.transactions) bytes += MemoryOf(tx);
  return bytes;
}

}  // namespace

ChainSync::Impl::Impl(NetworkManager& network, chain::Chainstate& chain, Options options)
    : network_(network),
      chain_(chain),
      options_(std::move(options)),
      recent_(options_.recent_inventory),
      recent_rejects_(options_.recent_inventory),
      received_(std::max<size_t>(4 * options_.download_window, 4096)),
      download_({.window = options_.download_window,
                 .max_in_flight_per_peer = options_.max_blocks_in_flight_per_peer,
                 .timeout = options_.block_timeout}),
      tx_requests_(options_.tx_timeout) {}

void ChainSync::Impl::DebugLog(PeerId peer, std::string_view what) {
  if (auto suppressed = debug_limiter_.Allow()) {
    util::Log(util::LogCategory::kSync).debug("peer={} {}{}", peer, what,
        *suppressed ? fmt::format(" ({} lines suppressed)", *suppressed) : std::string());
  }
}

ChainSync::Impl::Peer* ChainSync::Impl::FindPeer(PeerId peer) {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : &it->second;
}

void ChainSync::Impl::Flush(Effects& fx) {
  // Consecutive getdata to one peer travel as one message (transaction requests are made one
  // by one while an inv is walked).
  std::vector<std::pair<PeerId, wire::Message>> sends;
  for (auto& [peer, message] : fx.sends) {
    auto* getdata = std::get_if<wire::GetData>(&message);
    if (getdata && !sends.empty() && sends.back().first == peer) {
      auto* previous = std::get_if<wire::GetData>(&sends.back().second);
      if (previous && previous->items.size() + getdata->items.size() <= wire::kMaxInvEntries) {
        previous->items.insert(previous->items.end(), getdata->items.begin(), getdata->items.end());
        continue;
      }
    }
    sends.emplace_back(peer, std::move(message));
  }
  for (auto& [peer, message] : sends) (void)network_.Send(peer, message);
  for (auto& [peer, misbehavior] : fx.reports) {
    DebugLog(peer, "misbehaved: " + misbehavior.Describe());
    (void)network_.ReportMisbehavior(peer, misbehavior);
  }
  if (!fx.reports.empty()) {
    util::MutexLock lock(mutex_);
    counters_.misbehavior_reports += fx.reports.size();
  }
  fx = {};
}

// --- peer lifecycle ---

void ChainSync::Impl::OnPeerConnected(const PeerInfo& info) {
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    if (!running_) return;
    auto [it, added] = peers_.try_emplace(info.id, options_, info.start_height);
    it->second.relay_txs = info.relay_txs;
    it->second.wtxid_relay = info.wtxid_relay;
    download_.AddPeer(info.id);
    tx_requests_.AddPeer(info.id, info.wtxid_relay);
    fx.Send(info.id, wire::SendHeaders{});
    CompactPeerConnected(info, fx);  // [cmpct hook] sendcmpct(0, 2) to wtxid-relay peers
    // BIP133: our minimum relay fee rate, so the peer does not announce what we would drop.
    if (info.version >= wire::kFeeFilterVersion) {
      fx.Send(info.id, wire::FeeFilter{chain_.GetMempoolInfo().min_relay_feerate * 1000});
    }
    // A peer ahead of our best header may hold a better chain: ask it directly (this is also
    // how a healed partition or a late node catches up without waiting for an announcement).
    // Unless a headers download is under way with another peer, ask a new peer anyway, as Core
    // does at sync start: its VERSION height is only what it had then, and blocks it connected
    // while the handshake finished were announced to the peers it had (not to us).
    const auto now = Clock::now();
    const bool ahead = info.start_height > chain_.HeaderTip().height;
    const bool downloading = std::any_of(peers_.begin(), peers_.end(), [&](const auto& entry) {
      return entry.first != info.id && entry.second.HeadersOutstanding();
    });
    if (ahead || !downloading) SendGetHeaders(info.id, std::nullopt, now, fx);
    if (!sync_peer_ && ahead) sync_peer_ = info.id;
  }
  Flush(fx);
}

void ChainSync::Impl::OnPeerDisconnected(const PeerInfo& info) {
  const int32_t header_height = chain_.HeaderTip().height;  // before mutex_ (see the header)
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    if (!running_) return;
    if (peers_.erase(info.id) == 0) return;
    CompactPeerDisconnected(info.id);  // [cmpct hook]
    const auto now = Clock::now();
    download_.RemovePeer(info.id, now);  // its requests are rescheduled below
    tx_requests_.RemovePeer(info.id, now, fx);
    if (sync_peer_ == info.id) sync_peer_.reset();
    MaybeStartHeadersSync(header_height, now, fx);
    ScheduleBlocks(now, fx);
  }
  Flush(fx);
}

// --- dispatch ---

// Routed by handlers/routing.h: kSync commands are handled under the lock with their effects
// flushed after; kSyncChain commands manage the lock themselves; the rest are not ours.
void ChainSync::Impl::OnMessage(PeerId peer, const wire::Message& message) {
  std::visit(
      [&]<class Message>(const Message& typed) {
        if constexpr (kRouteOf<Message> == Route::kSyncChain) {
          QueueChainWork(peer, typed);
        } else if constexpr (kRouteOf<Message> == Route::kSyncOwnLock) {
          HandleOwnLock(peer, typed);
        } else if constexpr (kRouteOf<Message> == Route::kSync) {
          Effects fx;
          {
            util::MutexLock lock(mutex_);
            if (!running_ || !FindPeer(peer)) return;
            Handle(peer, typed, fx);
          }
          Flush(fx);
        }
      },
      message);
}

void ChainSync::Impl::OnBlock(PeerId peer, primitives::Block block) {
  const auto hash = block.header.Hash();
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    if (!running_) return;
    Peer* p = FindPeer(peer);
    if (!p) return;
    p->known.Insert(hash);
    // [cmpct hook] a new best block: pushed to high-bandwidth peers before validation.
    if (!received_.Contains(hash) && !recent_.Contains(hash)) MaybePushArrivedBlock(peer, block);
    const auto now = Clock::now();
    const auto arrival = download_.OnBlock(hash, now);  // the block-arrival point
    const bool requested = arrival != BlockDownload::Arrival::kUnrequested;
    if (arrival == BlockDownload::Arrival::kRefetch) {
      // A fresh copy of a block whose stored data was damaged: SubmitBlock stores it again.
      const size_t bytes = MemoryOf(block);
      Enqueue({peer, std::move(block), true, bytes});
    } else if (received_.Contains(hash) || recent_.Contains(hash)) {
      ++counters_.duplicate_blocks;
      DebugLog(peer, "sent a block we already have: " + hash.ToHex());
    } else if (const size_t bytes = MemoryOf(block); Enqueue({peer, std::move(block), requested, bytes})) {
      received_.Insert(hash);
      ++counters_.blocks_received;
    } else {
      download_.Rescan();  // dropped (queue full): wanted again
    }
    ScheduleBlocks(now, fx);
  }
  Flush(fx);
}

void ChainSync::Impl::OnTransaction(PeerId peer, primitives::Transaction tx) {
  const auto txid = primitives::Txid(tx);
  const auto wtxid = primitives::Wtxid(tx);
  util::MutexLock lock(mutex_);
  if (!running_) return;
  Peer* p = FindPeer(peer);
  if (!p) return;
  p->known.Insert(txid);
  p->known.Insert(wtxid);
  tx_requests_.Forget(txid, wtxid);
  if (recent_.Contains(txid) || recent_rejects_.Contains(wtxid)) return;
  const size_t bytes = MemoryOf(tx);
  if (Enqueue({peer, std::move(tx), true, bytes})) ++counters_.transactions_received;
}

// [cmpct hook] chain work: the header first (HandleCmpctBlock on the worker).
void ChainSync::Impl::QueueChainWork(PeerId id, const wire::CmpctBlock& compact) {
  // A cmpctblock jumps ahead of blocks and transactions and is exempt from the job count (as
  // headers are), so each peer may have only this many waiting; more are dropped.
  constexpr size_t kMaxQueuedCompactPerPeer = 2;
  util::MutexLock lock(mutex_);
  Peer* peer = running_ ? FindPeer(id) : nullptr;
  if (!peer) return;
  if (peer->queued_compact >= kMaxQueuedCompactPerPeer) {
    DebugLog(id, "cmpctblock dropped: too many waiting for validation");
    peer->dropped_announcement = true;
    return;
  }
  size_t bytes = sizeof(compact) + compact.short_ids.size() * sizeof(uint64_t);
  for (const auto& prefilled : compact.prefilled) bytes += MemoryOf(prefilled.tx);
  if (Enqueue({id, compact, true, bytes})) {
    ++peer->queued_compact;
  } else {
    peer->dropped_announcement = true;  // the queue is full (Enqueue logged it)
  }
}

// Without this, a burst of announcements (a peer's blocks mined during a partition, delivered
// at once when it heals) left us on a lighter branch for good: the announcer had told us once.
void ChainSync::Impl::AskForDroppedAnnouncements(SteadyTime now, Effects& fx) {
  for (auto& [id, peer] : peers_) {
    // Whatever waits (or an answer to come) may be older than what was dropped: after it.
    if (!peer.dropped_announcement || peer.HeadersOutstanding() || peer.queued_compact > 0) continue;
    peer.dropped_announcement = false;
    SendGetHeaders(id, std::nullopt, now, fx);
  }
}

// Headers are not held to the job count (a window of small blocks fills it during a sync, and
// the next batch of headers must get through), only to the byte budget; QueueChainWork bounds
// them per peer.
bool ChainSync::Impl::Enqueue(Job job) {
  const bool header_work = std::holds_alternative<wire::Headers>(job.item) ||
                           std::holds_alternative<wire::CmpctBlock>(job.item);
  const bool counted = !header_work;
  if ((counted && jobs_.size() >= options_.validation_queue) ||
      (!jobs_.empty() && job_bytes_ + job.bytes > options_.validation_queue_bytes)) {
    DebugLog(job.peer, "validation queue full: dropped");
    return false;
  }
  job_bytes_ += job.bytes;
  if (header_work) {
    ++chain_jobs_;
    jobs_.insert(jobs_.begin() + static_cast<ptrdiff_t>(header_jobs_++), std::move(job));
  } else if (std::holds_alternative<primitives::Block>(job.item)) {
    jobs_.insert(jobs_.begin() + static_cast<ptrdiff_t>(chain_jobs_++), std::move(job));
  } else {
    jobs_.push_back(std::move(job));
  }
  jobs_cv_.NotifyOne();
  return true;
}

// --- threads ---

void ChainSync::Impl::WorkerLoop(std::stop_token stop) {
  for (;;) {
    Job job;
    {
      util::MutexLock lock(mutex_);
      const auto wait_start = Clock::now();
      while (jobs_.empty() && running_ && !stop.stop_requested()) jobs_cv_.Wait(mutex_);
      if (!running_ || stop.stop_requested()) return;
      if (download_.Pending() > 0) starved_ += Clock::now() - wait_start;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      job_bytes_ -= job.bytes;
      if (header_jobs_ > 0) --header_jobs_;
      if (chain_jobs_ > 0) --chain_jobs_;
      if (std::holds_alternative<wire::CmpctBlock>(job.item)) {
        if (Peer* peer = FindPeer(job.peer); peer && peer->queued_compact > 0) --peer->queued_compact;
      }
    }
    if (auto* block = std::get_if<primitives::Block>(&job.item)) {
      ProcessBlock(job.peer, *block, job.requested);
    } else if (auto* headers = std::get_if<wire::Headers>(&job.item)) {
      HandleHeaders(job.peer, *headers, job.requested);
    } else if (auto* compact = std::get_if<wire::CmpctBlock>(&job.item)) {
      HandleCmpctBlock(job.peer, *compact);  // [cmpct hook] its header is chain work
    } else {
      ProcessTransaction(job.peer, std::get<primitives::Transaction>(job.item));
    }
  }
}

void ChainSync::Impl::TimerLoop(std::stop_token stop) {
  for (;;) {
    {
      util::MutexLock lock(mutex_);
      if (!running_ || stop.stop_requested()) return;
      (void)timer_cv_.WaitFor(mutex_, options_.tick_interval);
      if (!running_ || stop.stop_requested()) return;
    }
    Tick(Clock::now());
  }
}

void ChainSync::Impl::Tick(SteadyTime now) {
  const int32_t header_height = chain_.HeaderTip().height;  // before mutex_ (see the header)
  Effects fx;
  bool progress = false;
  {
    util::MutexLock lock(mutex_);
    if (!running_) return;
    if (now >= next_tx_flush_) {
      FlushTransactionAnnouncements(fx);
      next_tx_flush_ = now + options_.tx_announce_interval;
    }
    CheckTimeouts(now, fx);
    RequestRefetches(now, fx);
    AskForDroppedAnnouncements(now, fx);
    MaybeStartHeadersSync(header_height, now, fx);
    ScheduleBlocks(now, fx);
    if (now >= next_progress_log_) {
      next_progress_log_ = now + options_.progress_log_interval;
      if (StatusLocked().syncing) progress = true;
    }
  }
  Flush(fx);
  if (progress) util::Log(util::LogCategory::kSync).info("{}", ProgressLine());
}

void ChainSync::Impl::Start() {
  util::MutexLock life(lifecycle_mutex_);
  {
    util::MutexLock lock(mutex_);
    if (running_) return;
    running_ = true;
    const auto now = Clock::now();
    next_tx_flush_ = now + options_.tx_announce_interval;
    next_progress_log_ = now + options_.progress_log_interval;
    counters_ = {};
    tip_ = chain_.Tip();
    for (const auto& hash : chain_.BlocksToRefetch()) {
      download_.MarkCorrupt(hash, chain_.GetHeight(hash).value_or(0));
    }
  }
  worker_ = std::jthread([this](std::stop_token stop) { WorkerLoop(stop); });
  timer_ = std::jthread([this](std::stop_token stop) { TimerLoop(stop); });
  server_ = std::jthread([this](std::stop_token stop) { ServeLoop(stop); });
}

void ChainSync::Impl::Stop() {
  util::MutexLock life(lifecycle_mutex_);
  {
    util::MutexLock lock(mutex_);
    running_ = false;
    jobs_.clear();
    job_bytes_ = 0;
    header_jobs_ = chain_jobs_ = 0;
    jobs_cv_.NotifyAll();
    timer_cv_.NotifyAll();
    serve_cv_.NotifyAll();
    serve_ready_.clear();
  }
  if (worker_.joinable()) worker_.join();
  if (timer_.joinable()) timer_.join();
  if (server_.joinable()) server_.join();
}

// --- status ---

SyncStatus ChainSync::Impl::StatusLocked() const {
  SyncStatus status = counters_;
  const auto tip = chain_.Tip();
  const auto header_tip = chain_.HeaderTip();
  status.height = tip.height;
  status.headers_height = header_tip.height;
  status.target_height = header_tip.height;
  for (const auto& [id, peer] : peers_) status.target_height = std::max(status.target_height, peer.best_height);
  status.syncing = status.target_height > status.height;
  status.progress = status.target_height > 0
                        ? std::min(1.0, double(status.height) / double(status.target_height))
                        : 1.0;
  if (tip_samples_.size() >= 2) {
    const auto& [t0, h0] = tip_samples_.front();
    const auto& [t1, h1] = tip_samples_.back();
    const double seconds = std::chrono::duration<double>(t1 - t0).count();
    if (seconds > 0) status.blocks_per_second = double(h1 - h0) / seconds;
  }
  if (status.syncing && status.blocks_per_second > 0) {
    status.eta = std::chrono::seconds(static_cast<int64_t>(
        double(status.target_height - status.height) / status.blocks_per_second));
  }
  status.sync_peer = sync_peer_;
  status.blocks_in_flight = download_.InFlight();
  const auto times = download_.Times();
  status.download_active = std::chrono::duration_cast<std::chrono::milliseconds>(times.active);
  status.download_idle = std::chrono::duration_cast<std::chrono::milliseconds>(times.idle);
  status.download_starved = std::chrono::duration_cast<std::chrono::milliseconds>(starved_);
  status.peers = peers_.size();
  return status;
}

SyncStatus ChainSync::Impl::GetSyncStatus() const {
  util::MutexLock lock(mutex_);
  return StatusLocked();
}

std::string ChainSync::Impl::ProgressLine() const {
  const SyncStatus s = GetSyncStatus();
  constexpr int kBarWidth = 20;
  const int filled = static_cast<int>(s.progress * kBarWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kBarWidth, '.');
  return fmt::format("sync: height {}/{} (headers {}) [{}] {:.1f}% {:.1f} blk/s eta {} peer={} "
                     "inflight={} peers={}",
                     s.height, s.target_height, s.headers_height, bar, s.progress * 100,
                     s.blocks_per_second, s.eta ? fmt::format("{}s", s.eta->count()) : "?",
                     s.sync_peer ? fmt::format("{}", *s.sync_peer) : "-", s.blocks_in_flight,
                     s.peers);
}

// --- the public facade ---

ChainSync::ChainSync(NetworkManager& network, chain::Chainstate& chain)
    : ChainSync(network, chain, Options{}) {}

ChainSync::ChainSync(NetworkManager& network, chain::Chainstate& chain, Options options)
    : impl_(std::make_shared<Impl>(network, chain, std::move(options))) {
  std::weak_ptr<Impl> weak = impl_;
  network.SetOnPeerConnected([weak](const PeerInfo& info) {
    if (auto self = weak.lock()) self->OnPeerConnected(info);
  });
  network.SetOnPeerDisconnected([weak](const PeerInfo& info) {
    if (auto self = weak.lock()) self->OnPeerDisconnected(info);
  });
  network.SetOnMessage([weak](PeerId peer, const wire::Message& message) {
    if (auto self = weak.lock()) self->OnMessage(peer, message);
  });
  network.SetOnBlock([weak](PeerId peer, primitives::Block&& block) {
    if (auto self = weak.lock()) self->OnBlock(peer, std::move(block));
  });
  network.SetOnTransaction([weak](PeerId peer, primitives::Transaction&& tx) {
    if (auto self = weak.lock()) self->OnTransaction(peer, std::move(tx));
  });
  network.AddObserver({.on_send_drained = [weak](PeerId peer) {
    if (auto self = weak.lock()) self->OnSendDrained(peer);
  }});
  chain.OnNewTip([weak](const chain::ChainTip& tip) {
    if (auto self = weak.lock()) self->OnNewTip(tip);
  });
  chain.OnTransactionAccepted([weak](const primitives::Transaction& tx) {
    if (auto self = weak.lock()) self->OnTransactionAccepted(tx);
  });
  chain.OnBlockDataCorrupt([weak](const crypto::Uint256& hash, int32_t height) {
    if (auto self = weak.lock()) self->OnBlockDataCorrupt(hash, height);
  });
}

ChainSync::~ChainSync() { Stop(); }
void ChainSync::Start() { impl_->Start(); }
void ChainSync::Stop() { impl_->Stop(); }
SyncStatus ChainSync::GetSyncStatus() const { return impl_->GetSyncStatus(); }
std::string ChainSync::ProgressLine() const { return impl_->ProgressLine(); }

}  // namespace parthenon::p2p
