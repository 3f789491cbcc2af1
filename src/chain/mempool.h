// The transaction memory pool: unconfirmed transactions that passed every check against the
// UTXO set plus the pool, indexed by txid, by the outputs they spend, and by fee rate. The
// acceptance rules live in the Chainstate (they need the UTXO set); this class keeps the
// bookkeeping: conflicts, descendants, eviction of the lowest fee rate, and block updates.
//
// Thread-safety: thread-compatible; the Chainstate guards it with its mutex.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "consensus/amount.h"
#include "primitives/block.h"

namespace parthenon::chain {

struct MempoolEntry {
  primitives::Transaction tx;
  crypto::Uint256 txid;
  consensus::Amount fee = 0;
  int64_t vsize = 0;
  int64_t time = 0;     // Unix seconds it entered
  uint64_t sequence = 0;  // arrival order
};

struct MempoolInfo {
  size_t count = 0;
  int64_t vbytes = 0;
  consensus::Amount total_fee = 0;
  int64_t max_vbytes = 0;
  int64_t min_relay_feerate = 0;  // units per vbyte
};

class Mempool {
 public:
  struct Options {
    int64_t max_vbytes = 300'000'000;  // virtual bytes of all transactions
    int64_t min_relay_feerate = 1;     // units per vbyte
    int64_t max_tx_weight = 400'000;   // relay limit (a tenth of a block)
  };
  explicit Mempool(Options options) : options_(options) {}

  const Options& options() const { return options_; }
  bool Contains(const crypto::Uint256& txid) const { return entries_.contains(txid); }
  const MempoolEntry* Get(const crypto::Uint256& txid) const;
  // The txid of the pool transaction with this wtxid (BIP339 relay), if any.
  std::optional<crypto::Uint256> TxidOfWtxid(const crypto::Uint256& wtxid) const;
  // The mempool transaction spending `outpoint`, if any.
  std::optional<crypto::Uint256> SpenderOf(const primitives::OutPoint& outpoint) const;
  // An output created by a mempool transaction.
  std::optional<primitives::TxOut> Output(const primitives::OutPoint& outpoint) const;
  std::vector<crypto::Uint256> Txids() const;
  // Calls `visit(wtxid, entry)` for every transaction, in no particular order (compact-block
  // reconstruction matches short ids of wtxids against the pool).
  template <class Visit>
  void ForEachByWtxid(Visit&& visit) const {
    for (const auto& [wtxid, txid] : by_wtxid_) visit(wtxid, entries_.at(txid));
  }
  MempoolInfo Info() const;

  // REQUIRES: accepted by the Chainstate (no conflicts).
  void Add(MempoolEntry entry);
  // Removes `txid` and everything spending its outputs; returns the removed txids.
  std::vector<crypto::Uint256> RemoveWithDescendants(const crypto::Uint256& txid);
  // After `block` connected: removes its transactions and any that conflict with them.
  std::vector<crypto::Uint256> RemoveForBlock(const primitives::Block& block);
  // Evicts the lowest fee-rate transactions (with descendants) until under the size cap.
  std::vector<crypto::Uint256> TrimToSize();
  // Transactions ordered for a block template: by fee rate, parents before children.
  std::vector<const MempoolEntry*> ByFeeRate() const;

 private:
  struct FeeRateOrder {
    bool operator()(const MempoolEntry* a, const MempoolEntry* b) const;  // highest first
  };

  void Erase(std::unordered_map<crypto::Uint256, MempoolEntry>::iterator it);

  const Options options_;
  std::unordered_map<crypto::Uint256, MempoolEntry> entries_;
  std::unordered_map<crypto::Uint256, crypto::Uint256> by_wtxid_;  // wtxid -> txid
  std::map<primitives::OutPoint, crypto::Uint256> spenders_;
  std::set<const MempoolEntry*, FeeRateOrder> by_feerate_;
  int64_t vbytes_ = 0;
  consensus::Amount total_fee_ = 0;
  uint64_t next_sequence_ = 0;
};

}  // namespace parthenon::chain
