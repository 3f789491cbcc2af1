// ChainSync: block and transaction relay plus headers-first initial sync for one node.
//
// It sits between the NetworkManager (peers, messages) and the Chainstate (validation, storage):
//   - relay: new tips are announced (`headers` to peers that sent `sendheaders`, `inv`
//     otherwise), mempool additions are announced by `inv` in batches every
//     tx_announce_interval; `getdata` is answered with `block`/`tx` or `notfound`; `mempool` with
//     an inv of the mempool. A bounded recently-seen cache plus bounded per-peer known-inventory
//     sets make every block and transaction requested once and sent at most once per peer.
//   - sync: `getheaders` with a block locator to the best peer; headers are validated as a chain
//     (Chainstate::SubmitHeaders) before any block is requested; blocks are then fetched from
//     every suitable peer in a moving window ahead of the tip, with a per-peer in-flight cap and
//     request deadlines (a stalled request moves to another peer).
//   - misbehaviour (invalid block or headers, undelivered announcements) is reported to the
//     NetworkManager (ReportMisbehavior), whose PeerPolicy alone decides disconnect or ban.
//
// Owned by the node (the composition root), constructed after both the NetworkManager and the
// Chainstate. Its state lives in a shared Impl that the installed callbacks hold weakly, so the
// object may be destroyed while the manager or chainstate still run (late callbacks are
// ignored); the references to them are used only between Start() and Stop(). The constructor installs the network manager's
// callbacks (so it must run before NetworkManager::Start()) and subscribes to the chainstate's
// events. Start() launches three threads owned by this object: a validation worker, the chain
// executor (headers, then blocks, then transactions are accepted off the I/O threads, each in
// arrival order, through one bounded queue), a serving thread (getdata: disk reads) and a timer
// thread (announcement batches, request deadlines, progress log). Stop() joins them. The
// protocol logic lives in sans-I/O components (block_download.h, tx_requests.h,
// tip_announcement.h); docs/relay-and-sync.md has the executors and the path of a block.
//
// Thread-safety: thread-safe. Network callbacks run on the I/O threads and never submit to the
// chainstate (some still read it: such a read waits for a validation in progress, see the doc).
// Lock order: Chainstate's dispatch mutex before ChainSync's mutex; ChainSync never
// submits to the Chainstate while holding its own mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "crypto/uint256.h"
#include "p2p/peer.h"

namespace parthenon::chain {
class Chainstate;
}

namespace parthenon::p2p {

class NetworkManager;

struct SyncStatus {
  bool syncing = false;            // the header tip (or a peer's height) is ahead of the tip
  int32_t height = 0;              // blocks connected
  int32_t headers_height = 0;      // best valid header
  int32_t target_height = 0;       // max(headers height, best height a peer announced)
  double progress = 1.0;           // 0..1: height / target_height
  double blocks_per_second = 0;    // connect rate over the last few seconds
  std::optional<std::chrono::seconds> eta;  // while syncing and the rate is known
  std::optional<PeerId> sync_peer;          // the peer we fetch headers from
  size_t blocks_in_flight = 0;
  // Block download time since Start(): blocks wanted with at least one request in flight, and
  // blocks wanted with none in flight (the pipeline idle: waiting for validation, or no peer).
  std::chrono::milliseconds download_active{0};
  std::chrono::milliseconds download_idle{0};
  // ... and the part of it the validation worker waited with nothing to validate (the node
  // starved by the network rather than busy validating what it downloaded).
  std::chrono::milliseconds download_starved{0};
  size_t peers = 0;                // connected peers ChainSync tracks
  // Counters since Start().
  uint64_t blocks_received = 0;    // `block` messages accepted for validation
  uint64_t duplicate_blocks = 0;   // blocks we already had (a second delivery)
  uint64_t headers_received = 0;
  uint64_t transactions_received = 0;
  uint64_t misbehavior_reports = 0;
  // BIP152 compact blocks [cmpct hook] (docs/compact-blocks.md).
  uint64_t compact_blocks_received = 0;     // cmpctblock messages for blocks we did not have
  uint64_t compact_reconstructed = 0;       // rebuilt from our pools alone (no round trip)
  uint64_t compact_round_trip = 0;          // rebuilt after one getblocktxn/blocktxn round
  uint64_t compact_fallbacks = 0;           // given up for a full block (collision, mismatch, cap)
};

class ChainSync {
 public:
  struct Options {
    // Block download.
    size_t download_window = 1024;           // blocks ahead of the tip that may be requested
    size_t max_blocks_in_flight_per_peer = 16;
    std::chrono::milliseconds block_timeout{10'000};    // then the block goes to another peer
    std::chrono::milliseconds headers_timeout{20'000};  // a getheaders left unanswered
    std::chrono::milliseconds tx_timeout{10'000};
    // Transactions.
    std::chrono::milliseconds tx_announce_interval{100};
    // Caches.
    size_t recent_inventory = 50'000;       // recently seen blocks and transactions
    size_t known_inventory_per_peer = 5'000;
    size_t validation_queue = 1024;         // blocks/transactions waiting; more are dropped
    size_t validation_queue_bytes = 16 << 20;  // ... and the memory they occupy together
    // Unsolicited non-connecting announcements tolerated (then kUnconnectingHeaders: the link is
    // closed without penalty).
    int max_unconnecting_headers = 8;
    // Timer granularity and the operator progress line.
    std::chrono::milliseconds tick_interval{50};
    std::chrono::milliseconds progress_log_interval{5'000};
  };

  // Installs the callbacks of `network` and subscribes to `chain`.
  // REQUIRES: network has not been started; both outlive this object (Stop() before they go).
  ChainSync(NetworkManager& network, chain::Chainstate& chain, Options options);
  ChainSync(NetworkManager& network, chain::Chainstate& chain);
  ~ChainSync();  // Stop()s
  ChainSync(const ChainSync&) = delete;
  ChainSync& operator=(const ChainSync&) = delete;

  // Starts the validation worker, serving and timer threads. Idempotent.
  void Start();
  // Joins the threads; queued headers, blocks and transactions are dropped. Messages that
  // still arrive are ignored. Idempotent. REQUIRES: not called from a NetworkManager or Chainstate callback.
  void Stop();

  SyncStatus GetSyncStatus() const;
  // The operator progress line (also logged every progress_log_interval while syncing), e.g.
  // "sync: height 1200/10000 [###.......] 12.0% 850.0 blk/s eta 10s peer=3 inflight=64".
  std::string ProgressLine() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace parthenon::p2p
