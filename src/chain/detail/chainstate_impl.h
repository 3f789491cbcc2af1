// Internal state of Chainstate, shared by its implementation files (chainstate.cpp: open,
// recovery, flush and queries; validation.cpp: headers, blocks, connect/disconnect, reorg;
// mempool_accept.cpp: transactions and block templates). Not part of the API.
//
// Thread-safety: every member below `mutex` is guarded by it; the rest is constant after Open.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "chain/block_index.h"
#include "chain/chainstate.h"
#include "chain/coins.h"
#include "chain/mempool.h"
#include "chain/script_cache.h"
#include "consensus/input_check.h"
#include "consensus/sequence_locks.h"
#include "crypto/parallel_verifier.h"
#include "storage/flat_file_store.h"
#include "util/logging.h"
#include "util/mutex.h"
#include "util/thread_pool.h"

namespace parthenon::chain {

struct Event {
  enum class Kind { kNewTip, kTxAccepted, kTxRemoved };
  Kind kind;
  ChainTip tip;
  primitives::Transaction tx;
  crypto::Uint256 txid;
};

// Best candidate first: most work, then first seen.
struct CandidateOrder {
  bool operator()(const BlockIndexEntry* a, const BlockIndexEntry* b) const {
    if (a->chain_work != b->chain_work) return a->chain_work > b->chain_work;
    return a->sequence < b->sequence;
  }
};

inline constexpr std::string_view kBestBlockKey = "best_block";

struct Chainstate::Impl {
  Impl(Options opts, const consensus::ChainParams& chain_params);

  // Constant after Open.
  const Options options;
  const consensus::ChainParams& params;
  const util::Clock& clock;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::FlatFileStore> blocks;
  std::unique_ptr<storage::FlatFileStore> undo;
  util::ThreadPool pool;
  crypto::ParallelVerifier verifier;
  ScriptCache script_cache;  // thread-safe on its own

  // Held while an operation's events are dispatched, so callbacks see events in order.
  util::Mutex dispatch_mutex ACQUIRED_BEFORE(mutex);
  mutable util::Mutex mutex;
  BlockIndex index GUARDED_BY(mutex);
  std::unique_ptr<CoinsCache> coins GUARDED_BY(mutex);
  Mempool pool_txs GUARDED_BY(mutex);
  std::set<BlockIndexEntry*, CandidateOrder> candidates GUARDED_BY(mutex);
  BlockIndexEntry* best_header GUARDED_BY(mutex) = nullptr;
  std::unordered_set<BlockIndexEntry*> dirty GUARDED_BY(mutex);
  std::unordered_map<crypto::Uint256, Error> invalid_reasons GUARDED_BY(mutex);
  std::map<crypto::Uint256, primitives::Block> orphan_blocks GUARDED_BY(mutex);
  std::deque<crypto::Uint256> orphan_block_order GUARDED_BY(mutex);
  std::map<crypto::Uint256, primitives::Transaction> orphan_txs GUARDED_BY(mutex);
  std::deque<crypto::Uint256> orphan_tx_order GUARDED_BY(mutex);
  std::optional<Error> fatal GUARDED_BY(mutex);
  std::vector<Event> events GUARDED_BY(mutex);
  int64_t last_flush_time GUARDED_BY(mutex) = 0;
  std::vector<std::function<void(const ChainTip&)>> on_new_tip GUARDED_BY(mutex);
  std::vector<std::function<void(const primitives::Transaction&)>> on_tx_accepted GUARDED_BY(mutex);
  std::vector<std::function<void(const crypto::Uint256&)>> on_tx_removed GUARDED_BY(mutex);
  std::vector<std::function<void(const crypto::Uint256&, int32_t)>> on_block_data_corrupt GUARDED_BY(mutex);
  // Why each block marked kDataCorrupt is (exactly those blocks; filled by LoadIndex too).
  std::unordered_map<crypto::Uint256, std::string> corrupt_details GUARDED_BY(mutex);
  std::atomic<uint64_t> corrupt_block_reads{0};
  util::LogRateLimiter corrupt_log{0.2, 10, clock};  // error lines about damaged blocks

  // chainstate.cpp
  [[nodiscard]] Result<void> Load() REQUIRES(mutex);
  [[nodiscard]] Result<void> LoadIndex() REQUIRES(mutex);
  // Deletes index records LoadIndex found unreachable (logged; a failure only logged too).
  void ForgetUnreachable(const storage::WriteBatch& records) REQUIRES(mutex);
  [[nodiscard]] Result<void> InitGenesis() REQUIRES(mutex);
  [[nodiscard]] Result<void> VerifyRecentBlocks() REQUIRES(mutex);
  [[nodiscard]] Result<void> FlushLocked() REQUIRES(mutex);
  [[nodiscard]] Result<void> MaybeFlush() REQUIRES(mutex);
  // Records a storage failure: from now on every write is refused with kShutDown.
  Error Abort(Error error) REQUIRES(mutex);
  [[nodiscard]] Result<void> CheckUsable() const REQUIRES(mutex);
  ChainTip TipOf(const BlockIndexEntry* entry) const;
  std::vector<Event> TakeEvents() REQUIRES(mutex);
  void Dispatch(const std::vector<Event>& batch) REQUIRES(dispatch_mutex) EXCLUDES(mutex);

  // validation.cpp
  uint32_t ExpectedBits(const BlockIndexEntry* prev) const;
  [[nodiscard]] Result<BlockIndexEntry*> AcceptHeader(const primitives::BlockHeader& header) REQUIRES(mutex);
  [[nodiscard]] Result<BlockOutcome> AcceptBlock(const primitives::Block& block) REQUIRES(mutex);
  // The index entry of a block whose data we hold intact: kNotFound, or kCorruption (marked).
  [[nodiscard]] Result<const BlockIndexEntry*> StoredBlock(const crypto::Uint256& hash) const
      REQUIRES(mutex);
  // True if `header` is new, its parent is known, and the chain it ends has no more work than
  // the active tip (an unrequested such block is not stored).
  bool LowWork(const primitives::BlockHeader& header) const REQUIRES(mutex);
  [[nodiscard]] Result<void> StoreBlock(BlockIndexEntry* entry, const primitives::Block& block) REQUIRES(mutex);
  void AddOrphanBlock(const primitives::Block& block) REQUIRES(mutex);
  void ProcessOrphanBlocks(const crypto::Uint256& parent) REQUIRES(mutex);
  void MarkHaveData(BlockIndexEntry* entry) REQUIRES(mutex);
  void MarkInvalid(BlockIndexEntry* entry, const Error& reason) REQUIRES(mutex);
  void RecomputeBestHeader() REQUIRES(mutex);
  [[nodiscard]] Result<void> ActivateBestChain(const primitives::Block* hint) REQUIRES(mutex);
  [[nodiscard]] Result<primitives::Block> ReadBlock(const BlockIndexEntry* entry) const;
  // Marks `entry`'s data corrupt (log, count, kDataCorrupt); false if it already was.
  bool MarkDataCorrupt(BlockIndexEntry* entry, const Error& error) REQUIRES(mutex);
  // MarkDataCorrupt for a read done outside the lock, then the OnBlockDataCorrupt callbacks.
  void ReportDataCorrupt(const crypto::Uint256& hash, const Error& error) EXCLUDES(mutex);
  // Every signature of the block, hashed and verified across the worker pool; the first
  // failing transaction's error (in block order).
  [[nodiscard]] Result<void> VerifyBlockSignatures(
      const primitives::Block& block,
      const std::vector<std::vector<primitives::TxOut>>& spent_by_tx,
      consensus::SpendRules rules) REQUIRES(mutex);
  [[nodiscard]] Result<BlockUndo> ConnectBlock(const primitives::Block& block,
                                               const BlockIndexEntry* entry) REQUIRES(mutex);
  [[nodiscard]] Result<void> ConnectTip(BlockIndexEntry* entry, const primitives::Block* hint) REQUIRES(mutex);
  // Returns the non-coinbase transactions of the disconnected block, for the mempool.
  [[nodiscard]] Result<std::vector<primitives::Transaction>> DisconnectTip() REQUIRES(mutex);

  // mempool_accept.cpp
  [[nodiscard]] Result<TxOutcome> AcceptToMempool(const primitives::Transaction& tx,
                                                  bool allow_orphan) REQUIRES(mutex);
  void AddOrphanTx(const primitives::Transaction& tx) REQUIRES(mutex);
  void ProcessOrphanTxs(const crypto::Uint256& parent) REQUIRES(mutex);
  void RemoveFromMempool(const std::vector<crypto::Uint256>& txids) REQUIRES(mutex);
  // After the tip moved back: removes (with descendants) every mempool transaction the next
  // block may not hold: not final, BIP68-locked, or a v2 spend below the v2 height.
  void RemoveLockedAfterReorg() REQUIRES(mutex);
};

// Final if lock_time is 0, below the height (< 500,000,000) or time threshold, or every input
// has the final sequence.
bool IsFinalTx(const primitives::Transaction& tx, int32_t height, int64_t time);

// BIP68 age of a coin confirmed at `coin_height` on the chain ending at `prev` (a coin not yet
// confirmed: pass the next height). REQUIRES: coin_height <= prev->height + 1.
consensus::CoinAge CoinAgeOf(int32_t coin_height, const BlockIndexEntry* prev);

// True for storage-side failures (as opposed to an invalid block or transaction).
inline bool IsStorageFailure(const Error& error) {
  return error.code == ErrorCode::kStorage || error.code == ErrorCode::kCorruption ||
         error.code == ErrorCode::kShutDown;
}

}  // namespace parthenon::chain
