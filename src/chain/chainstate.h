// Chainstate: the node's view of the block chain and everything derived from it. It accepts
// headers, blocks and transactions from the P2P and RPC layers, validates them (DESIGN.md §4),
// stores them crash-safely (§5), keeps the UTXO set and the mempool, follows the most-work valid
// chain (reorganising across any depth we hold), and reports new tips and mempool changes.
//
// Storage and write order (docs/storage.md):
//   block bytes -> blk file, fdatasync -> block_index entry (synced RocksDB write) -> "accepted"
//   connect:     undo bytes -> rev file (not yet synced), UTXO changes into the cache
//   flush:       fdatasync rev + blk files -> one WriteBatch {UTXO changes, dirty index entries,
//                best-block marker} with a synced WAL
// A crash anywhere leaves the last flushed marker consistent with the UTXO column; Open()
// replays (or rolls back, with undo data) from there to the best chain whose blocks are on disk.
//
// Thread-safety: thread-safe. One internal mutex guards all state; callbacks run on the thread
// that caused the event, after the mutex is released, in event order. Callbacks may call the
// read-only methods but must not submit headers, blocks or transactions (they would deadlock).
// Lock order: dispatch_mutex_ before mutex_.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chain/errors.h"
#include "chain/mempool.h"
#include "chain/script_cache.h"
#include "consensus/params.h"
#include "crypto/arith_uint256.h"
#include "primitives/block.h"
#include "storage/database.h"
#include "storage/env.h"
#include "storage/flat_file_store.h"
#include "util/clock.h"

namespace parthenon::chain {

struct ChainTip {
  crypto::Uint256 hash;
  int32_t height = 0;
  crypto::ArithUint256 chain_work;
  uint32_t time = 0;
  bool operator==(const ChainTip&) const = default;
};

enum class BlockOutcome {
  kAccepted,   // stored (and connected if it extends the best chain)
  kDuplicate,  // already stored
  kOrphan,     // parent unknown: held until the parent arrives (unrequested: not held)
  kLowWork,    // unrequested, and its chain has no more work than the tip: not stored
};

// Where a block comes from. Bitcoin Core's AcceptBlock rule: a block nobody asked for is stored
// only if its chain has more work than the active tip (anything else costs disk for nothing).
enum class BlockSource {
  kRequested,    // we asked a peer for it, or it is our own (miner, RPC)
  kUnrequested,  // pushed by a peer without a request
};

enum class TxOutcome {
  kAccepted,  // in the mempool
  kOrphan,    // inputs unknown: held in the orphan pool until they appear
};

struct HeadersOutcome {
  size_t accepted = 0;         // headers accepted (or already known) before the first error
  std::optional<Error> error;  // why the next header was refused
};

struct BlockTemplate {
  primitives::Block block;  // complete except the nonce (merkle root and commitment filled in)
  int32_t height = 0;
  consensus::Amount fees = 0;
};

struct UtxoEntry {
  primitives::OutPoint outpoint;
  primitives::TxOut out;
  int32_t height = 0;
  bool coinbase = false;
};

class Chainstate {
 public:
  struct Options {
    std::filesystem::path datadir;
    consensus::Network network = consensus::Network::kRegtest;
    size_t utxo_cache_bytes = 256ull << 20;  // [performance] utxo_cache_size_mb
    size_t db_cache_bytes = 64ull << 20;     // RocksDB block cache shared by all columns
    size_t verifier_threads = 0;             // 0: hardware concurrency - 1
    const util::Clock* clock = nullptr;      // nullptr: the real clock
    storage::Env* env = nullptr;             // nullptr: the POSIX Env
    storage::WriteFilter* write_filter = nullptr;  // tests: fail RocksDB batch commits
    Mempool::Options mempool;
    uint64_t max_block_file_size = 128ull << 20;
    size_t max_orphan_blocks = 100;
    // --minimumchainwork (nullopt: the chain's ChainParams::minimum_chain_work).
    std::optional<crypto::ArithUint256> minimum_chain_work;
    size_t max_orphan_txs = 100;
    // Transactions whose input checks passed in the mempool, not re-verified in a block
    // (script_cache.h); about 110 bytes each.
    size_t script_cache_entries = 100'000;
  };

  // Opens or creates the chain under `datadir`, recovers a consistent tip (replaying or rolling
  // back), verifies the most recent blocks can be read back, and connects the best chain.
  // kCorruption (naming file and offset or the index entry) if stored data does not check.
  [[nodiscard]] static Result<std::unique_ptr<Chainstate>> Open(Options options);
  // Flushes (errors are logged).
  ~Chainstate();
  Chainstate(const Chainstate&) = delete;
  Chainstate& operator=(const Chainstate&) = delete;

  const consensus::ChainParams& params() const { return params_; }

  // --- Submission (P2P, RPC, miner) ---
  [[nodiscard]] HeadersOutcome SubmitHeaders(std::span<const primitives::BlockHeader> headers);
  // Errors: the consensus rule broken, kKnownInvalid, kBadPrevBlock, kStorage, kShutDown. A
  // storage error's detail is the operator's text ("disk full: <path>, N bytes free, writes
  // stopped"); kShutDown repeats the failure that stopped writes.
  [[nodiscard]] Result<BlockOutcome> SubmitBlock(const primitives::Block& block,
                                                 BlockSource source = BlockSource::kRequested);
  [[nodiscard]] Result<TxOutcome> SubmitTransaction(const primitives::Transaction& tx);

  // --- Queries ---
  ChainTip Tip() const;
  ChainTip HeaderTip() const;  // the most-work valid header
  std::optional<crypto::Uint256> GetBlockHash(int32_t height) const;
  std::optional<primitives::BlockHeader> GetHeader(const crypto::Uint256& hash) const;
  std::optional<int32_t> GetHeight(const crypto::Uint256& hash) const;
  // Total work of the chain ending at a known header.
  std::optional<crypto::ArithUint256> GetChainWork(const crypto::Uint256& hash) const;
  // Headers anti-DoS (Bitcoin Core's GetAntiDoSWorkThreshold): a header chain is worth storing
  // only if its work reaches max(minimum chain work, tip work - 144 blocks of tip work), so an
  // honest fork near the tip is kept and a cheap fork from far back is not.
  crypto::ArithUint256 AntiDosWorkThreshold() const;
  // kNotFound without block data; kCorruption (detail: file, offset, what failed) if the stored
  // bytes are damaged (see "Damaged block data" below).
  [[nodiscard]] Result<primitives::Block> GetBlock(const crypto::Uint256& hash) const;
  // The block's stored record: magic[4] | payload length u32 LE | SHA256d(payload)[0..4] |
  // payload, where the payload is the block's wire encoding with witness data (see
  // storage::FlatFileStore::ReadRecord). Checked against the record checksum and the indexed
  // header hash, without decoding the transactions; read outside the chainstate's locks.
  // kNotFound, kCorruption (file and offset named; the block is marked for re-fetch).
  [[nodiscard]] Result<util::Bytes> GetBlockRecord(const crypto::Uint256& hash) const;
  // The same check as GetBlockRecord (record checksum and header hash), reading the block once in
  // small chunks, and the block's payload as a segment of its file to send from there
  // (storage::FlatFileStore::VerifiedSegment): memory use does not grow with the block. Same
  // errors; damage found here is reported like any other (logged, marked, OnBlockDataCorrupt).
  [[nodiscard]] Result<storage::RecordSegment> GetBlockSegment(const crypto::Uint256& hash) const;
  // Hashes of the active chain: tip, then back 1, 2, 4, ... ending with genesis.
  std::vector<crypto::Uint256> GetLocator() const;
  // Headers of the active chain after the first locator hash we have on it, up to `stop_hash`
  // (inclusive) or `max_count`.
  std::vector<primitives::BlockHeader> HeadersAfter(std::span<const crypto::Uint256> locator,
                                                    const crypto::Uint256& stop_hash,
                                                    size_t max_count) const;
  [[nodiscard]] Result<std::optional<UtxoEntry>> GetUtxo(const primitives::OutPoint& outpoint) const;
  // Every unspent output paying one of `scripts` (flushes, then scans the utxo column).
  [[nodiscard]] Result<std::vector<UtxoEntry>> ListUtxos(std::span<const util::Bytes> scripts) const;
  // SHA256d over every (key, value) of the UTXO set in key order, after a flush.
  [[nodiscard]] Result<crypto::Uint256> UtxoSetHash() const;

  // By txid, or by wtxid when `by_wtxid` (BIP339 relay).
  bool MempoolContains(const crypto::Uint256& hash, bool by_wtxid = false) const;
  // A pool transaction (by txid, or by wtxid when `by_wtxid`) and its txid.
  struct MempoolTx {
    primitives::Transaction tx;
    crypto::Uint256 txid;
  };
  std::optional<MempoolTx> MempoolLookup(const crypto::Uint256& hash, bool by_wtxid) const;
  // A pool transaction's fee rate in base units per 1000 virtual bytes (BIP133 feefilter units).
  std::optional<int64_t> MempoolFeeRate(const crypto::Uint256& txid) const;
  std::optional<primitives::Transaction> MempoolGet(const crypto::Uint256& txid) const;
  std::vector<crypto::Uint256> MempoolTxids() const;
  // Calls `visit(wtxid, tx)` for every pool transaction under the chainstate's state lock (BIP152
  // reconstruction: short ids are computed over wtxids). REQUIRES: `visit` does not call back
  // into the Chainstate; the references live only for the call.
  void VisitMempool(
      const std::function<void(const crypto::Uint256& wtxid, const primitives::Transaction& tx)>&
          visit) const;
  MempoolInfo GetMempoolInfo() const;
  // The mempool transaction spending `outpoint`, if any.
  std::optional<crypto::Uint256> MempoolSpender(const primitives::OutPoint& outpoint) const;

  // --- Mining ---
  [[nodiscard]] Result<BlockTemplate> CreateBlockTemplate(util::ByteSpan payout_script) const;

  // --- Damaged block data (docs/storage.md, "Faults") ---
  // A block whose stored bytes fail their check when read (GetBlock, or connecting it) is
  // logged at error with file, offset and height (rate-limited), counted, and marked
  // BlockStatus::kDataCorrupt in the block index (persisted with the next flush). GetBlock then
  // answers kCorruption for it without reading again, and the same block submitted again
  // (SubmitBlock, e.g. as a peer's answer to getdata) is checked, stored afresh and unmarked.
  //
  // Hashes of blocks marked corrupt, lowest height first: the blocks to fetch again.
  std::vector<crypto::Uint256> BlocksToRefetch() const;
  // Reads that found damaged block data since start-up (/metrics parthenon_block_read_corrupt_total).
  uint64_t CorruptBlockReads() const;
  // The script execution cache's hits, misses and size (script_cache.h).
  ScriptCache::Stats ScriptCacheStats() const;
  // Called once for each block found damaged, on the thread whose read found it, with no chain
  // lock held: it may call the read-only methods (the P2P layer asks peers for the block here).
  void OnBlockDataCorrupt(std::function<void(const crypto::Uint256& hash, int32_t height)> callback);
  // Why writes stopped, if a storage failure stopped them ("disk full: <path>, N bytes free,
  // writes stopped").
  std::optional<std::string> StorageFault() const;

  // --- Maintenance ---
  // Writes the UTXO cache, dirty index entries and the best-block marker in one batch.
  [[nodiscard]] Result<void> Flush();
  // The storage handle for a higher layer's column (wallet, peers, bans).
  storage::ColumnHandle Column(storage::Column column) const;

  // --- Events (see the class comment for the calling thread) ---
  void OnNewTip(std::function<void(const ChainTip&)> callback);
  void OnTransactionAccepted(std::function<void(const primitives::Transaction&)> callback);
  void OnTransactionRemoved(std::function<void(const crypto::Uint256& txid)> callback);

 private:
  struct Impl;
  explicit Chainstate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  const consensus::ChainParams& params_;
};

// CPU proof of work: searches nonces (and, when they run out, times) until the header meets its
// target. kCancelled if `cancel` becomes true first.
[[nodiscard]] Result<primitives::Block> MineBlock(primitives::Block block,
                                                  const consensus::ChainParams& params,
                                                  const std::atomic<bool>* cancel = nullptr);

}  // namespace parthenon::chain
