// ChainSync's implementation state (see p2p/handlers/chain_sync.h for the contract). The
// message handlers are split by family: handlers/relay.cpp (inventory, transactions, getdata,
// mempool, announcements) and handlers/sync.cpp (headers, block download); handlers/chain_sync.cpp
// has the dispatch table, peer lifecycle, threads and status.
//
// Thread-safety: every member below mutex_ is guarded by it. Handlers collect their sends and
// misbehaviour reports in an Effects value while holding mutex_; Flush() carries them out after
// the lock is released. Chainstate submissions happen only without mutex_ held (the chainstate
// calls back into us while holding its dispatch mutex). Lock order: chainstate dispatch mutex ->
// mutex_ -> chainstate state mutex (read-only queries) -> network manager internals.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "chain/chainstate.h"
#include "p2p/handlers/block_download.h"
#include "p2p/detail/compact_relay.h"  // [cmpct hook]
#include "p2p/handlers/chain_sync.h"
#include "p2p/handlers/effects.h"
#include "p2p/handlers/inventory.h"
#include "p2p/handlers/routing.h"
#include "p2p/handlers/tx_requests.h"
#include "p2p/network_manager.h"
#include "util/logging.h"
#include "util/mutex.h"

namespace parthenon::p2p {

class ChainSync::Impl {
 public:
  Impl(NetworkManager& network, chain::Chainstate& chain, Options options);

  // Callback entry points (network I/O threads, chainstate event threads).
  void OnPeerConnected(const PeerInfo& info) EXCLUDES(mutex_);
  void OnPeerDisconnected(const PeerInfo& info) EXCLUDES(mutex_);
  void OnMessage(PeerId peer, const wire::Message& message) EXCLUDES(mutex_);
  void OnBlock(PeerId peer, primitives::Block block) EXCLUDES(mutex_);
  void OnTransaction(PeerId peer, primitives::Transaction tx) EXCLUDES(mutex_);
  void OnNewTip(const chain::ChainTip& tip) EXCLUDES(mutex_);
  void OnTransactionAccepted(const primitives::Transaction& tx) EXCLUDES(mutex_);
  void OnSendDrained(PeerId peer) EXCLUDES(mutex_);
  // Our stored copy of a block is damaged: fetch it again from a peer that has it.
  void OnBlockDataCorrupt(const crypto::Uint256& hash, int32_t height) EXCLUDES(mutex_);

  void Start() EXCLUDES(mutex_);
  void Stop() EXCLUDES(mutex_);
  SyncStatus GetSyncStatus() const EXCLUDES(mutex_);
  std::string ProgressLine() const EXCLUDES(mutex_);

 private:
  // A mempool transaction waiting to be announced.
  struct Announcement {
    crypto::Uint256 txid;
    crypto::Uint256 wtxid;
    int64_t fee_per_kvb = 0;
  };

  struct Peer {
    explicit Peer(const Options& options, int32_t start_height)
        : best_height(start_height),
          known(options.known_inventory_per_peer) {}
    bool prefers_headers = false;   // sent `sendheaders`
    bool relay_txs = true;          // VERSION relay flag: false = no transaction inv to it
    bool wtxid_relay = false;       // BIP339: announce and request transactions by wtxid
    int64_t fee_filter = 0;         // BIP133: announce only transactions paying at least this
                                    // (base units per 1000 vbytes)
    int32_t best_height = 0;        // start height, raised by what it announces
    BoundedHashSet known;           // inventory the peer has (sent, announced, or got from us)
    std::vector<Announcement> tx_queue;  // for the next announcement batch
    std::optional<SteadyTime> headers_deadline;  // our getheaders is outstanding
    size_t queued_header_bytes = 0;  // its `headers` messages waiting for the validation worker
    size_t queued_compact = 0;       // its `cmpctblock` messages waiting there (capped)
    // A `headers` or `cmpctblock` of its was dropped (a full queue): it announces each block
    // once, so it is asked for headers when nothing of its waits (AskForDroppedAnnouncements).
    bool dropped_announcement = false;
    // A getheaders of ours is unanswered, or its answer waits to be processed.
    bool HeadersOutstanding() const { return headers_deadline || queued_header_bytes > 0; }
    int unconnecting_headers = 0;   // unsolicited announcements that did not connect
    int unconnecting_answers = 0;   // answers to our getheaders that did not connect
    std::deque<wire::InvItem> getdata_queue;  // requested of us, not served yet (bounded)
    std::optional<crypto::Uint256> getblocks_continue;  // last hash of a full getblocks inv
    // A connecting header chain whose work is still below the anti-DoS threshold, held while
    // the peer sends more (never stored; at most kMaxHeldHeaders, see sync.cpp).
    std::vector<primitives::BlockHeader> held_headers;
  };

  // A block or transaction waiting for the validation worker.
  struct Job {
    PeerId peer = 0;
    std::variant<primitives::Block, primitives::Transaction, wire::Headers, wire::CmpctBlock> item;
    bool requested = true;  // blocks: we asked this peer for it (else kUnrequested); headers:
                            // an answer to our getheaders
    size_t bytes = 0;       // memory it occupies, roughly (the queue's byte budget)
  };

  // What BlockDownload reads: the chainstate, our peers' heights and knowledge, what we have.
  class DownloadView final : public BlockDownload::Context {
   public:
    explicit DownloadView(const Impl& impl) : impl_(impl) {}
    BlockDownload::ChainPoint Tip() const override REQUIRES(impl_.mutex_);
    BlockDownload::ChainPoint HeaderTip() const override REQUIRES(impl_.mutex_);
    std::optional<crypto::Uint256> ActiveHash(int32_t height) const override REQUIRES(impl_.mutex_);
    std::optional<crypto::Uint256> Parent(const crypto::Uint256& hash) const override REQUIRES(impl_.mutex_);
    bool Have(const crypto::Uint256& hash) const override REQUIRES(impl_.mutex_);
    int32_t PeerHeight(PeerId peer) const override REQUIRES(impl_.mutex_);
    bool PeerHas(PeerId peer, const crypto::Uint256& hash) const override REQUIRES(impl_.mutex_);
    wire::InvType RequestType(PeerId peer, int32_t height) const override REQUIRES(impl_.mutex_);

   private:
    const Impl& impl_;  // its mutex_ is held while the view is used
  };

  // --- handlers (routing.h routes commands here; the dispatch is the overload set of Handle) ---
  void Handle(PeerId peer, const wire::Inv& inv, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::GetData& getdata, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::NotFound& notfound, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::GetHeaders& getheaders, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::GetBlocks& getblocks, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::FeeFilter& feefilter, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::SendHeaders& sendheaders, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::MemPool& mempool, Effects& fx) REQUIRES(mutex_);
  // No catch-all: every command routed to kSync (handlers/routing.h) needs an overload here.
  // kSyncChain commands (`headers`) are queued for the validation worker, the chain executor
  // (the chainstate's header acceptance waits for a block validation in progress: never on an
  // I/O thread), one QueueChainWork overload each; the worker runs HandleHeaders, which manages
  // the lock itself.
  void QueueChainWork(PeerId peer, const wire::Headers& headers) EXCLUDES(mutex_);
  // [cmpct hook] a cmpctblock's header is accepted like `headers`: on the worker, ahead of
  // blocks; the worker runs HandleCmpctBlock.
  void QueueChainWork(PeerId peer, const wire::CmpctBlock& compact) EXCLUDES(mutex_);
  // kSyncOwnLock commands: handled on the I/O thread, locking for themselves (no chain work).
  void HandleOwnLock(PeerId peer, const wire::BlockTxn& blocktxn) EXCLUDES(mutex_) {
    HandleBlockTxn(peer, blocktxn);
  }
  void HandleHeaders(PeerId peer, const wire::Headers& headers, bool solicited) EXCLUDES(mutex_);

  // --- compact_relay.cpp (BIP152) [cmpct hook: the whole block] ---
  void Handle(PeerId peer, const wire::SendCmpct& sendcmpct, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::GetBlockTxn& getblocktxn, Effects& fx) REQUIRES(mutex_);
  // `cmpctblock` submits its header to the chainstate and, like `blocktxn`, may hand a rebuilt
  // block to OnBlock, so both manage the lock themselves.
  void HandleCmpctBlock(PeerId peer, const wire::CmpctBlock& compact) EXCLUDES(mutex_);
  void HandleBlockTxn(PeerId peer, const wire::BlockTxn& blocktxn) EXCLUDES(mutex_);
  // Rebuilds `compact` (header stored): the block if complete; else a getblocktxn or the full
  // block is requested.
  std::optional<primitives::Block> StartReconstruction(PeerId peer, const wire::CmpctBlock& compact,
                                                       SteadyTime now, Effects& fx)
      REQUIRES(mutex_);
  void CompactPeerConnected(const PeerInfo& info, Effects& fx) REQUIRES(mutex_);
  void CompactPeerDisconnected(PeerId peer) REQUIRES(mutex_);
  // The inventory type to request the block at `height` from `peer` with (MSG_CMPCT_BLOCK for
  // the block on top of our tip from a compact-block peer, else MSG_WITNESS_BLOCK).
  wire::InvType BlockRequestType(PeerId peer, int32_t height, int32_t tip_height) const
      REQUIRES(mutex_);
  // Before full validation of a block whose header is our best: push it to peers that asked
  // and have its parent.
  void PushCompactBlock(PeerId from, const std::shared_ptr<const primitives::Block>& block)
      REQUIRES(mutex_);
  // A full block arrived: pushed as above if its header is our best and its merkle root holds.
  void MaybePushArrivedBlock(PeerId from, const primitives::Block& block) REQUIRES(mutex_);
  // `tip` is being announced: peers that want pushes and have its parent get cmpctblock (true:
  // sent to `peer`).
  bool AnnounceCompact(PeerId peer, const crypto::Uint256& tip) REQUIRES(mutex_);
  void SendAnnouncement(PeerId peer, const wire::Message& message) REQUIRES(mutex_);
  // Reads the new tip's block for pushing if no cache holds it (no lock held: a disk read).
  std::shared_ptr<const primitives::Block> BlockToPush(const chain::ChainTip& tip)
      EXCLUDES(mutex_);
  void RememberBlock(std::shared_ptr<const primitives::Block> block) REQUIRES(mutex_);
  // `peer` delivered a new tip first: maybe make it a high-bandwidth peer.
  void CompactBlockDelivered(PeerId peer, Effects& fx) REQUIRES(mutex_);
  void RememberRejected(const primitives::Transaction& tx) REQUIRES(mutex_);
  void CheckCompactTimeouts(SteadyTime now, Effects& fx) REQUIRES(mutex_);
  // getdata MSG_CMPCT_BLOCK (serving thread, no lock held): false if we do not have the block.
  bool ServeCompactBlock(PeerId peer, const wire::InvItem& item) EXCLUDES(mutex_);
  void RequestFullBlock(PeerId peer, const crypto::Uint256& hash, Effects& fx) REQUIRES(mutex_);

  // --- relay.cpp ---
  void AnnounceTip(const chain::ChainTip& tip, Effects& fx) REQUIRES(mutex_);
  void FlushTransactionAnnouncements(Effects& fx) REQUIRES(mutex_);
  void ProcessTransaction(PeerId peer, const primitives::Transaction& tx) EXCLUDES(mutex_);
  std::optional<std::pair<PeerId, std::vector<wire::InvItem>>> NextServeTurn() REQUIRES(mutex_);
  void ServeLoop(std::stop_token stop) EXCLUDES(mutex_);
  size_t ServeTurn(PeerId peer, const std::vector<wire::InvItem>& items) EXCLUDES(mutex_);
  void Requeue(PeerId peer, std::span<const wire::InvItem> items, bool still_ready)
      REQUIRES(mutex_);
  bool ServeBlock(PeerId peer, const wire::InvItem& item) EXCLUDES(mutex_);

  // --- sync.cpp ---
  void ProcessBlock(PeerId peer, const primitives::Block& block, bool requested) EXCLUDES(mutex_);
  wire::GetHeaders MakeGetHeaders(const std::optional<crypto::Uint256>& from) const
      REQUIRES(mutex_);
  void SendGetHeaders(PeerId peer, const std::optional<crypto::Uint256>& from, SteadyTime now,
                      Effects& fx) REQUIRES(mutex_);
  // header_height: the best header's, read before mutex_ was taken (the chainstate's reads wait
  // for a validation in progress; no handler may wait for one holding mutex_).
  void MaybeStartHeadersSync(int32_t header_height, SteadyTime now, Effects& fx) REQUIRES(mutex_);
  void HandleUnconnecting(PeerId id, Peer& peer, bool solicited, SteadyTime now, Effects& fx)
      REQUIRES(mutex_);
  // What to do with a connecting header chain (ending with the peer's latest batch).
  enum class HeadersPlan { kStore, kHold, kDrop };
  HeadersPlan PlanHeaders(const crypto::ArithUint256& parent_work,
                                     const std::vector<primitives::BlockHeader>& chain,
                                     bool full) const;
  void AfterStoredHeaders(PeerId id, Peer& peer, const std::vector<primitives::BlockHeader>& headers,
                          const chain::HeadersOutcome& outcome, bool full, SteadyTime now,
                          Effects& fx) REQUIRES(mutex_);
  // The block-request point: the download scheduler asks peers for what the window allows.
  void RebuildDownloadQueue() REQUIRES(mutex_);
  void ScheduleBlocks(SteadyTime now, Effects& fx) REQUIRES(mutex_);
  void CheckTimeouts(SteadyTime now, Effects& fx) REQUIRES(mutex_);
  void RequestRefetches(SteadyTime now, Effects& fx) REQUIRES(mutex_);
  void AskForDroppedAnnouncements(SteadyTime now, Effects& fx) REQUIRES(mutex_);

  // --- chain_sync.cpp ---
  void Flush(Effects& fx) EXCLUDES(mutex_);
  void Tick(SteadyTime now) EXCLUDES(mutex_);
  void WorkerLoop(std::stop_token stop) EXCLUDES(mutex_);
  void TimerLoop(std::stop_token stop) EXCLUDES(mutex_);
  bool Enqueue(Job job) REQUIRES(mutex_);
  Peer* FindPeer(PeerId peer) REQUIRES(mutex_);
  void DebugLog(PeerId peer, std::string_view what);
  SyncStatus StatusLocked() const REQUIRES(mutex_);

  // Constant after construction.
  NetworkManager& network_;
  chain::Chainstate& chain_;
  const Options options_;
  util::LogRateLimiter debug_limiter_{10.0, 50.0};
  util::LogRateLimiter serve_error_limiter_{1.0, 10.0};

  mutable util::Mutex mutex_;
  util::CondVar jobs_cv_;   // jobs_ grew, or stopping
  util::CondVar timer_cv_;  // stopping
  util::CondVar serve_cv_;  // serve_ready_ grew, or stopping
  bool running_ GUARDED_BY(mutex_) = false;
  std::map<PeerId, Peer> peers_ GUARDED_BY(mutex_);
  BoundedHashSet recent_ GUARDED_BY(mutex_);       // blocks processed, txids accepted
  // Transactions that failed validation, by wtxid: a witness-malleated copy (same txid, other
  // witness) must not block the genuine transaction (BIP339's reason for wtxids).
  BoundedHashSet recent_rejects_ GUARDED_BY(mutex_);
  BoundedHashSet received_ GUARDED_BY(mutex_);     // blocks handed to the validation worker
  BlockDownload download_ GUARDED_BY(mutex_);
  TxRequests tx_requests_ GUARDED_BY(mutex_);
  // Headers first, then blocks, then transactions, each in arrival order: the next getheaders
  // never waits for the blocks of the last batch, and a block (so the relay of the new tip)
  // never waits behind transactions other peers sent.
  std::deque<Job> jobs_ GUARDED_BY(mutex_);
  size_t header_jobs_ GUARDED_BY(mutex_) = 0;  // jobs_[..header_jobs_) are headers
  size_t chain_jobs_ GUARDED_BY(mutex_) = 0;   // jobs_[..chain_jobs_) are headers and blocks
  size_t job_bytes_ GUARDED_BY(mutex_) = 0;
  // Peers with queued getdata entries whose send queue has room (ServeLoop's work list).
  std::set<PeerId> serve_ready_ GUARDED_BY(mutex_);
  PeerId serve_cursor_ GUARDED_BY(mutex_) = 0;  // round robin
  std::optional<PeerId> sync_peer_ GUARDED_BY(mutex_);
  // The active tip as last reported (OnNewTip): what the download scheduler reads, so that
  // scheduling on an I/O thread never waits for a block validation in progress.
  chain::ChainTip tip_ GUARDED_BY(mutex_);
  // Tip heights over the last seconds (for blocks/s).
  std::deque<std::pair<SteadyTime, int32_t>> tip_samples_ GUARDED_BY(mutex_);
  SteadyTime next_tx_flush_ GUARDED_BY(mutex_);
  SteadyTime next_progress_log_ GUARDED_BY(mutex_);
  SyncStatus counters_ GUARDED_BY(mutex_);  // only the counter fields are used
  std::chrono::nanoseconds starved_ GUARDED_BY(mutex_){0};  // SyncStatus::download_starved
  CompactRelayState compact_ GUARDED_BY(mutex_);  // [cmpct hook] BIP152 (compact_relay.cpp)

  // Owned threads (started by Start, joined by Stop; not guarded: Start/Stop are not concurrent
  // with each other by contract, and nothing else touches them).
  util::Mutex lifecycle_mutex_;
  std::jthread worker_ GUARDED_BY(lifecycle_mutex_);
  std::jthread timer_ GUARDED_BY(lifecycle_mutex_);
  std::jthread server_ GUARDED_BY(lifecycle_mutex_);  // serves getdata (disk reads)
};

}  // namespace parthenon::p2p
