#include "chain/mempool.h"

#include <unordered_set>

#include "primitives/transaction.h"

namespace parthenon::chain {

bool Mempool::FeeRateOrder::operator()(const MempoolEntry* a, const MempoolEntry* b) const {
  // fee_a / vsize_a > fee_b / vsize_b; long double holds both products exactly (< 2^64).
  const long double left = static_cast<long double>(a->fee) * static_cast<long double>(b->vsize);
  const long double right = static_cast<long double>(b->fee) * static_cast<long double>(a->vsize);
  if (left != right) return left > right;
  return a->sequence < b->sequence;
}

const MempoolEntry* Mempool::Get(const crypto::Uint256& txid) const {
  auto it = entries_.find(txid);
  return it == entries_.end() ? nullptr : &it->second;
}

std::optional<crypto::Uint256> Mempool::SpenderOf(const primitives::OutPoint& outpoint) const {
  auto it = spenders_.find(outpoint);
  if (it == spenders_.end()) return std::nullopt;
  return it->second;
}

std::optional<primitives::TxOut> Mempool::Output(const primitives::OutPoint& outpoint) const {
  const MempoolEntry* entry = Get(outpoint.txid);
  if (entry == nullptr || outpoint.index >= entry->tx.outputs.size()) return std::nullopt;
  return entry->tx.outputs[outpoint.index];
}

std::vector<crypto::Uint256> Mempool::Txids() const {
  std::vector<crypto::Uint256> txids;
  txids.reserve(entries_.size());
  for (const MempoolEntry* entry : by_feerate_) txids.push_back(entry->txid);
  return txids;
}

MempoolInfo Mempool::Info() const {
  return {entries_.size(), vbytes_, total_fee_, options_.max_vbytes, options_.min_relay_feerate};
}

void Mempool::Add(MempoolEntry entry) {
  entry.sequence = next_sequence_++;
  const crypto::Uint256 txid = entry.txid;
  auto [it, inserted] = entries_.emplace(txid, std::move(entry));
  if (!inserted) return;
  for (const auto& input : it->second.tx.inputs) spenders_[input.prevout] = txid;
  by_wtxid_[primitives::Wtxid(it->second.tx)] = txid;
  by_feerate_.insert(&it->second);
  vbytes_ += it->second.vsize;
  total_fee_ += it->second.fee;
}

void Mempool::Erase(std::unordered_map<crypto::Uint256, MempoolEntry>::iterator it) {
  const MempoolEntry& entry = it->second;
  for (const auto& input : entry.tx.inputs) spenders_.erase(input.prevout);
  by_wtxid_.erase(primitives::Wtxid(entry.tx));
  by_feerate_.erase(&entry);
  vbytes_ -= entry.vsize;
  total_fee_ -= entry.fee;
  entries_.erase(it);
}

std::optional<crypto::Uint256> Mempool::TxidOfWtxid(const crypto::Uint256& wtxid) const {
  auto it = by_wtxid_.find(wtxid);
  if (it == by_wtxid_.end()) return std::nullopt;
  return it->second;
}

std::vector<crypto::Uint256> Mempool::RemoveWithDescendants(const crypto::Uint256& txid) {
  std::vector<crypto::Uint256> removed;
  std::vector<crypto::Uint256> stack{txid};
  while (!stack.empty()) {
    const crypto::Uint256 current = stack.back();
    stack.pop_back();
    auto it = entries_.find(current);
    if (it == entries_.end()) continue;
    const MempoolEntry& entry = it->second;
    for (uint32_t i = 0; i < entry.tx.outputs.size(); ++i) {
      if (auto spender = SpenderOf({current, i})) stack.push_back(*spender);
    }
    Erase(it);
    removed.push_back(current);
  }
  return removed;
}

std::vector<crypto::Uint256> Mempool::RemoveForBlock(const primitives::Block& block) {
  std::vector<crypto::Uint256> removed;
  for (const auto& tx : block.transactions) {
    const crypto::Uint256 txid = primitives::Txid(tx);
    if (auto it = entries_.find(txid); it != entries_.end()) {
      // Confirmed: its children stay (their input now exists in the UTXO set).
      Erase(it);
      removed.push_back(txid);
      continue;
    }
    if (tx.IsCoinbase()) continue;
    for (const auto& input : tx.inputs) {
      if (auto spender = SpenderOf(input.prevout)) {
        auto conflicts = RemoveWithDescendants(*spender);
        removed.insert(removed.end(), conflicts.begin(), conflicts.end());
      }
    }
  }
  return removed;
}

std::vector<crypto::Uint256> Mempool::TrimToSize() {
  std::vector<crypto::Uint256> removed;
  while (vbytes_ > options_.max_vbytes && !by_feerate_.empty()) {
    auto evicted = RemoveWithDescendants((*by_feerate_.rbegin())->txid);
    removed.insert(removed.end(), evicted.begin(), evicted.end());
  }
  return removed;
}

std::vector<const MempoolEntry*> Mempool::ByFeeRate() const {
  std::vector<const MempoolEntry*> ordered;
  ordered.reserve(entries_.size());
  std::unordered_set<crypto::Uint256> placed;
  std::vector<const MempoolEntry*> waiting(by_feerate_.begin(), by_feerate_.end());
  // Repeated passes place each transaction once all its in-pool parents are placed.
  while (!waiting.empty()) {
    std::vector<const MempoolEntry*> next;
    for (const MempoolEntry* entry : waiting) {
      bool ready = true;
      for (const auto& input : entry->tx.inputs) {
        if (entries_.contains(input.prevout.txid) && !placed.contains(input.prevout.txid)) {
          ready = false;
          break;
        }
      }
      if (ready) {
        ordered.push_back(entry);
        placed.insert(entry->txid);
      } else {
        next.push_back(entry);
      }
    }
    if (next.size() == waiting.size()) break;  // cannot happen: the pool has no cycles
    waiting = std::move(next);
  }
  return ordered;
}

}  // namespace parthenon::chain
