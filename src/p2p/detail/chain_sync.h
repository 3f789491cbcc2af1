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
#include "p2p/detail/compact_relay.h"  // [cmpct hook]
#include "p2p/handlers/chain_sync.h"
#include "p2p/handlers/inventory.h"
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
  // What a handler wants done once mutex_ is released.
  struct Effects {
    std::vector<std::pair<PeerId, wire::Message>> sends;
    std::vector<std::pair<PeerId, Misbehavior>> reports;
    void Send(PeerId peer, wire::Message message) { sends.emplace_back(peer, std::move(message)); }
    void Report(PeerId peer, Misbehavior misbehavior) {
      reports.emplace_back(peer, std::move(misbehavior));
    }
  };

  // A mempool transaction waiting to be announced.
  struct Announcement {
    crypto::Uint256 txid;
    crypto::Uint256 wtxid;
    int64_t fee_per_kvb = 0;
  };

  struct Peer {
    explicit Peer(const Options& options, int32_t start_height)
        : best_height(start_height),
          known(options.known_inventory_per_peer),
          failed(256),
          stalled(256) {}
    bool prefers_headers = false;   // sent `sendheaders`
    bool relay_txs = true;          // VERSION relay flag: false = no transaction inv to it
    bool wtxid_relay = false;       // BIP339: announce and request transactions by wtxid
    int64_t fee_filter = 0;         // BIP133: announce only transactions paying at least this
                                    // (base units per 1000 vbytes)
    int32_t best_height = 0;        // start height, raised by what it announces
    BoundedHashSet known;           // inventory the peer has (sent, announced, or got from us)
    BoundedHashSet failed;          // it said notfound: never asked again for these
    BoundedHashSet stalled;         // blocks it was late with: asked again only as a last resort
    std::vector<Announcement> tx_queue;  // for the next announcement batch
    std::optional<SteadyTime> headers_deadline;  // our getheaders is outstanding
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
    std::variant<primitives::Block, primitives::Transaction> item;
    bool requested = true;  // blocks: we asked this peer for it (else kUnrequested)
    size_t bytes = 0;       // memory it occupies, roughly (the queue's byte budget)
  };

  // --- handlers (the dispatch table is the overload set of Handle) ---
  void Handle(PeerId peer, const wire::Inv& inv, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::GetData& getdata, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::NotFound& notfound, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::GetHeaders& getheaders, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::GetBlocks& getblocks, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::FeeFilter& feefilter, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::SendHeaders& sendheaders, Effects& fx) REQUIRES(mutex_);
  void Handle(PeerId peer, const wire::MemPool& mempool, Effects& fx) REQUIRES(mutex_);
  template <class Other>
  void Handle(PeerId, const Other&, Effects&) REQUIRES(mutex_) {}  // not ours: ignored
  // `headers` submits to the chainstate, so it manages the lock itself.
  void HandleHeaders(PeerId peer, const wire::Headers& headers) EXCLUDES(mutex_);

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
  wire::InvType BlockRequestType(PeerId peer, int32_t height, int32_t tip_height)
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
  void RequestTransaction(const crypto::Uint256& txid, SteadyTime now, Effects& fx)
      REQUIRES(mutex_);
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
  void MaybeStartHeadersSync(SteadyTime now, Effects& fx) REQUIRES(mutex_);
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
  void RebuildDownloadQueue() REQUIRES(mutex_);
  void ScheduleBlocks(SteadyTime now, Effects& fx) REQUIRES(mutex_);
  void CheckTimeouts(SteadyTime now, Effects& fx) REQUIRES(mutex_);
  void RequestRefetches(SteadyTime now, Effects& fx) REQUIRES(mutex_);

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
  RequestTracker block_requests_ GUARDED_BY(mutex_);
  RequestTracker tx_requests_ GUARDED_BY(mutex_);
  // Peers that announced a transaction we have not got yet (tried in order when one fails).
  std::unordered_map<crypto::Uint256, std::vector<PeerId>, HashHasher> tx_announcers_
      GUARDED_BY(mutex_);
  std::deque<Job> jobs_ GUARDED_BY(mutex_);
  size_t job_bytes_ GUARDED_BY(mutex_) = 0;
  // Peers with queued getdata entries whose send queue has room (ServeLoop's work list).
  std::set<PeerId> serve_ready_ GUARDED_BY(mutex_);
  PeerId serve_cursor_ GUARDED_BY(mutex_) = 0;  // round robin
  // Transactions requested as orphan parents: asked for by txid even of wtxid-relay peers.
  BoundedHashSet orphan_parents_ GUARDED_BY(mutex_);
  // Blocks whose stored data is damaged, with their heights: requested again from peers, and
  // let through OnBlock's duplicate filter when they arrive.
  std::map<crypto::Uint256, int32_t> refetch_ GUARDED_BY(mutex_);
  std::optional<PeerId> sync_peer_ GUARDED_BY(mutex_);
  // The header chain from the fork point with the active chain to the best header, in height
  // order: download_[i] has height download_base_ + i.
  std::vector<crypto::Uint256> download_ GUARDED_BY(mutex_);
  int32_t download_base_ GUARDED_BY(mutex_) = 0;
  size_t download_cursor_ GUARDED_BY(mutex_) = 0;  // download_[..cursor) is on the active chain
  crypto::Uint256 download_tip_ GUARDED_BY(mutex_);
  // Tip heights over the last seconds (for blocks/s).
  std::deque<std::pair<SteadyTime, int32_t>> tip_samples_ GUARDED_BY(mutex_);
  SteadyTime next_tx_flush_ GUARDED_BY(mutex_);
  SteadyTime next_progress_log_ GUARDED_BY(mutex_);
  SyncStatus counters_ GUARDED_BY(mutex_);  // only the counter fields are used
  CompactRelayState compact_ GUARDED_BY(mutex_);  // [cmpct hook] BIP152 (compact_relay.cpp)

  // Owned threads (started by Start, joined by Stop; not guarded: Start/Stop are not concurrent
  // with each other by contract, and nothing else touches them).
  util::Mutex lifecycle_mutex_;
  std::jthread worker_ GUARDED_BY(lifecycle_mutex_);
  std::jthread timer_ GUARDED_BY(lifecycle_mutex_);
  std::jthread server_ GUARDED_BY(lifecycle_mutex_);  // serves getdata (disk reads)
};

}  // namespace parthenon::p2p
