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
      orphan_parents_(4096) {}

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
    fx.Send(info.id, wire::SendHeaders{});
    CompactPeerConnected(info, fx);  // [cmpct hook] sendcmpct(0, 2) to wtxid-relay peers
    // BIP133: our minimum relay fee rate, so the peer does not announce what we would drop.
    if (info.version >= wire::kFeeFilterVersion) {
      fx.Send(info.id, wire::FeeFilter{chain_.GetMempoolInfo().min_relay_feerate * 1000});
    }
    // A peer ahead of our best header may hold a better chain: ask it directly (this is also
    // how a healed partition or a late node catches up without waiting for an announcement).
    const auto now = Clock::now();
    if (info.start_height > chain_.HeaderTip().height) SendGetHeaders(info.id, std::nullopt, now, fx);
    if (!sync_peer_ && info.start_height > chain_.HeaderTip().height) sync_peer_ = info.id;
  }
  Flush(fx);
}

void ChainSync::Impl::OnPeerDisconnected(const PeerInfo& info) {
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    if (!running_) return;
    if (peers_.erase(info.id) == 0) return;
    CompactPeerDisconnected(info.id);  // [cmpct hook]
    (void)block_requests_.RemovePeer(info.id);  // rescheduled below
    const auto now = Clock::now();
    for (const auto& txid : tx_requests_.RemovePeer(info.id)) RequestTransaction(txid, now, fx);
    if (sync_peer_ == info.id) sync_peer_.reset();
    MaybeStartHeadersSync(now, fx);
    ScheduleBlocks(now, fx);
  }
  Flush(fx);
}

// --- dispatch ---

void ChainSync::Impl::OnMessage(PeerId peer, const wire::Message& message) {
  if (const auto* headers = std::get_if<wire::Headers>(&message)) {
    HandleHeaders(peer, *headers);
    return;
  }
  // [cmpct hook] cmpctblock and blocktxn may hand a rebuilt block to OnBlock: own locking.
  if (const auto* compact = std::get_if<wire::CmpctBlock>(&message)) {
    HandleCmpctBlock(peer, *compact);
    return;
  }
  if (const auto* blocktxn = std::get_if<wire::BlockTxn>(&message)) {
    HandleBlockTxn(peer, *blocktxn);
    return;
  }
  Effects fx;
  {
    util::MutexLock lock(mutex_);
    if (!running_ || !FindPeer(peer)) return;
    std::visit([&](const auto& typed) REQUIRES(mutex_) { Handle(peer, typed, fx); }, message);
  }
  Flush(fx);
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
    // Requested from anyone counts: a slow peer's block may arrive after we asked another.
    const bool requested = block_requests_.Remove(hash) || refetch_.contains(hash);
    // [cmpct hook] a new best block: pushed to high-bandwidth peers before validation.
    if (!received_.Contains(hash) && !recent_.Contains(hash)) MaybePushArrivedBlock(peer, block);
    if (refetch_.erase(hash) > 0) {
      // A fresh copy of a block whose stored data was damaged: SubmitBlock stores it again.
      const size_t bytes = MemoryOf(block);
      Enqueue({peer, std::move(block), true, bytes});
    } else if (received_.Contains(hash) || recent_.Contains(hash)) {
      ++counters_.duplicate_blocks;
      DebugLog(peer, "sent a block we already have: " + hash.ToHex());
    } else if (const size_t bytes = MemoryOf(block); Enqueue({peer, std::move(block), requested, bytes})) {
      received_.Insert(hash);
      ++counters_.blocks_received;
    }
    ScheduleBlocks(Clock::now(), fx);
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
  for (const auto& hash : {txid, wtxid}) {
    (void)tx_requests_.Remove(hash);
    tx_announcers_.erase(hash);
  }
  if (recent_.Contains(txid) || recent_rejects_.Contains(wtxid)) return;
  const size_t bytes = MemoryOf(tx);
  if (Enqueue({peer, std::move(tx), true, bytes})) ++counters_.transactions_received;
}

bool ChainSync::Impl::Enqueue(Job job) {
  if (jobs_.size() >= options_.validation_queue ||
      (!jobs_.empty() && job_bytes_ + job.bytes > options_.validation_queue_bytes)) {
    DebugLog(job.peer, "validation queue full: dropped");
    return false;
  }
  job_bytes_ += job.bytes;
  jobs_.push_back(std::move(job));
  jobs_cv_.NotifyOne();
  return true;
}

// --- threads ---

void ChainSync::Impl::WorkerLoop(std::stop_token stop) {
  for (;;) {
    Job job;
    {
      util::MutexLock lock(mutex_);
      while (jobs_.empty() && running_ && !stop.stop_requested()) jobs_cv_.Wait(mutex_);
      if (!running_ || stop.stop_requested()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      job_bytes_ -= job.bytes;
    }
    if (auto* block = std::get_if<primitives::Block>(&job.item)) {
      ProcessBlock(job.peer, *block, job.requested);
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
    MaybeStartHeadersSync(now, fx);
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
    for (const auto& hash : chain_.BlocksToRefetch()) {
      refetch_.emplace(hash, chain_.GetHeight(hash).value_or(0));
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
  status.blocks_in_flight = block_requests_.size();
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
