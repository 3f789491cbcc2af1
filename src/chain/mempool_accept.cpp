// Transaction acceptance, orphan transactions, block templates and CPU mining (chainstate.h).
#include "chain/detail/chainstate_impl.h"
#include "consensus/block_check.h"
#include "consensus/input_check.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/sequence_locks.h"
#include "consensus/tx_check.h"
#include "primitives/merkle.h"

namespace parthenon::chain {
namespace {

// Weight kept free for the coinbase in a template.
constexpr int64_t kCoinbaseReserveWeight = 4000;

struct SpentInputs {
  std::vector<primitives::TxOut> outputs;
  std::vector<consensus::CoinAge> ages;
  consensus::Amount total = 0;
  bool missing = false;
};

}  // namespace

Result<TxOutcome> Chainstate::Impl::AcceptToMempool(const primitives::Transaction& tx,
                                                    bool allow_orphan) {
  PARTHENON_TRY_CONSENSUS(consensus::CheckTransaction(tx));
  if (tx.IsCoinbase()) return Fail(ErrorCode::kCoinbaseTx);
  if (primitives::Weight(tx) > pool_txs.options().max_tx_weight) return Fail(ErrorCode::kTxTooLarge);
  const crypto::Uint256 txid = primitives::Txid(tx);
  if (pool_txs.Contains(txid) || orphan_txs.contains(txid)) return Fail(ErrorCode::kAlreadyKnown);
  const BlockIndexEntry* tip = index.Tip();
  const int32_t height = tip->height + 1;
  if (!IsFinalTx(tx, height, BlockIndex::MedianTimePast(tip))) return Fail(ErrorCode::kNonFinal);
  for (const auto& input : tx.inputs) {
    if (pool_txs.SpenderOf(input.prevout)) return Fail(ErrorCode::kMempoolConflict);
  }
  auto confirmed = coins->Get({txid, 0});
  if (!confirmed) return std::unexpected(confirmed.error());
  if (confirmed->has_value()) return Fail(ErrorCode::kAlreadyKnown);

  SpentInputs spent;
  for (const auto& input : tx.inputs) {
    auto coin = coins->Get(input.prevout);
    if (!coin) return std::unexpected(coin.error());
    if (coin->has_value()) {
      const Coin& found = **coin;
      if (found.coinbase && height - found.height < consensus::kCoinbaseMaturity) {
        return Fail(ErrorCode::kPrematureSpend);
      }
      spent.outputs.push_back(found.out);
      spent.ages.push_back(CoinAgeOf(found.height, tip));
    } else if (auto output = pool_txs.Output(input.prevout)) {
      spent.outputs.push_back(*output);
      spent.ages.push_back(CoinAgeOf(height, tip));  // as if confirmed in the next block
    } else {
      spent.missing = true;
      continue;
    }
    spent.total += spent.outputs.back().value;
  }
  if (spent.missing) {
    if (!allow_orphan) return Fail(ErrorCode::kMissingInputs);
    AddOrphanTx(tx);
    return TxOutcome::kOrphan;
  }
  consensus::Amount out_total = 0;
  for (const auto& out : tx.outputs) out_total += out.value;
  if (!consensus::MoneyRange(spent.total)) return Fail(consensus::Error::kTxOutputTotalTooLarge);
  if (spent.total < out_total) return Fail(ErrorCode::kInputsBelowOutputs);
  const consensus::Amount fee = spent.total - out_total;
  const int64_t vsize = primitives::VirtualSize(tx);
  if (fee < pool_txs.options().min_relay_feerate * vsize) return Fail(ErrorCode::kMinRelayFee);
  // Relay policy: the next block's consensus rules plus standardness (consensus/input_check.h).
  const consensus::SpendRules rules{.script_v2 = consensus::ScriptV2Active(height, params), .standard = true};
  // A locked or non-standard transaction may become valid or be mined by others: neither is
  // reported as a consensus failure (which would score the relaying peer).
  if (rules.script_v2 &&
      !consensus::CheckSequenceLocks(tx, spent.ages, height, BlockIndex::MedianTimePast(tip))) {
    return Fail(ErrorCode::kNonBip68Final);
  }
  if (auto verified = consensus::VerifyTransactionSignatures(tx, spent.outputs, verifier, rules); !verified) {
    if (consensus::IsPolicyError(verified.error())) return std::unexpected(Error::NonStandard(verified.error()));
    return Fail(verified.error());
  }
  // Policy only adds reasons to reject, so the checks pass under the consensus rules too.
  script_cache.Insert(primitives::Wtxid(tx), rules);

  pool_txs.Add({.tx = tx, .txid = txid, .fee = fee, .vsize = vsize, .time = clock.UnixSeconds()});
  events.push_back({.kind = Event::Kind::kTxAccepted, .tx = tx});
  const auto evicted = pool_txs.TrimToSize();
  RemoveFromMempool(evicted);
  if (std::find(evicted.begin(), evicted.end(), txid) != evicted.end()) return Fail(ErrorCode::kMempoolFull);
  ProcessOrphanTxs(txid);
  return TxOutcome::kAccepted;
}

void Chainstate::Impl::RemoveLockedAfterReorg() {
  const BlockIndexEntry* tip = index.Tip();
  const int32_t height = tip->height + 1;
  const int64_t mtp = BlockIndex::MedianTimePast(tip);
  const bool v2 = consensus::ScriptV2Active(height, params);
  std::vector<crypto::Uint256> locked;
  for (const MempoolEntry* entry : pool_txs.ByFeeRate()) {
    const primitives::Transaction& tx = entry->tx;
    bool ok = IsFinalTx(tx, height, mtp);
    // Below v2 only one-element (key-path) witnesses are valid.
    if (ok && !v2) {
      ok = std::all_of(tx.inputs.begin(), tx.inputs.end(), [](const auto& in) { return in.witness.size() == 1; });
    }
    if (ok && v2) {
      std::vector<consensus::CoinAge> ages;
      for (const auto& input : tx.inputs) {
        auto coin = coins->Get(input.prevout);
        const bool confirmed = coin && coin->has_value();
        ages.push_back(CoinAgeOf(confirmed ? (*coin)->height : height, tip));
      }
      ok = consensus::CheckSequenceLocks(tx, ages, height, mtp).has_value();
    }
    if (!ok) locked.push_back(entry->txid);
  }
  for (const auto& txid : locked) {
    if (pool_txs.Contains(txid)) RemoveFromMempool(pool_txs.RemoveWithDescendants(txid));
  }
}

void Chainstate::Impl::RemoveFromMempool(const std::vector<crypto::Uint256>& txids) {
  for (const auto& txid : txids) events.push_back({.kind = Event::Kind::kTxRemoved, .txid = txid});
}

void Chainstate::Impl::AddOrphanTx(const primitives::Transaction& tx) {
  if (options.max_orphan_txs == 0) return;
  while (orphan_txs.size() >= options.max_orphan_txs && !orphan_tx_order.empty()) {
    orphan_txs.erase(orphan_tx_order.front());
    orphan_tx_order.pop_front();
  }
  const crypto::Uint256 txid = primitives::Txid(tx);
  if (orphan_txs.emplace(txid, tx).second) orphan_tx_order.push_back(txid);
}

void Chainstate::Impl::ProcessOrphanTxs(const crypto::Uint256& parent) {
  std::vector<primitives::Transaction> ready;
  for (auto it = orphan_txs.begin(); it != orphan_txs.end();) {
    const bool spends_parent = std::any_of(it->second.inputs.begin(), it->second.inputs.end(),
                                           [&](const auto& in) { return in.prevout.txid == parent; });
    if (spends_parent) {
      ready.push_back(std::move(it->second));
      std::erase(orphan_tx_order, it->first);
      it = orphan_txs.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& tx : ready) (void)AcceptToMempool(tx, /*allow_orphan=*/true);
}

Result<BlockTemplate> Chainstate::CreateBlockTemplate(util::ByteSpan payout_script) const {
  const Impl& state = *impl_;
  util::MutexLock lock(state.mutex);
  const BlockIndexEntry* tip = state.index.Tip();
  BlockTemplate tmpl;
  tmpl.height = tip->height + 1;
  primitives::Block& block = tmpl.block;
  block.header.version = 1;
  block.header.prev_block = tip->hash;
  block.header.bits = state.ExpectedBits(tip);
  block.header.time = static_cast<uint32_t>(
      std::max<int64_t>(BlockIndex::MedianTimePast(tip) + 1, state.clock.UnixSeconds()));

  block.transactions.emplace_back();  // the coinbase, filled in below
  int64_t weight = kCoinbaseReserveWeight;
  std::unordered_set<crypto::Uint256> included;
  for (const MempoolEntry* entry : state.pool_txs.ByFeeRate()) {
    const int64_t tx_weight = primitives::Weight(entry->tx);
    if (weight + tx_weight > consensus::kMaxBlockWeight) continue;
    bool parents_in = true;
    for (const auto& in : entry->tx.inputs) {
      if (state.pool_txs.Contains(in.prevout.txid) && !included.contains(in.prevout.txid)) parents_in = false;
    }
    if (!parents_in) continue;
    weight += tx_weight;
    tmpl.fees += entry->fee;
    included.insert(entry->txid);
    block.transactions.push_back(entry->tx);
  }

  primitives::Transaction& coinbase = block.transactions[0];
  primitives::TxIn input;
  input.script_sig = consensus::HeightPush(tmpl.height);
  input.script_sig.push_back(std::byte{0x00});  // extra nonce; keeps the scriptSig >= 2 bytes
  coinbase.inputs.push_back(std::move(input));
  coinbase.outputs.push_back({.value = consensus::BlockSubsidy(tmpl.height, state.params) + tmpl.fees,
                              .script_pubkey = util::ToBytes(payout_script)});
  const bool any_witness = std::any_of(block.transactions.begin() + 1, block.transactions.end(),
                                       [](const auto& tx) { return tx.HasWitness(); });
  if (any_witness) {
    coinbase.inputs[0].witness.push_back(util::Bytes(32));
    const auto commitment = primitives::ComputeWitnessCommitment(
        primitives::BlockWitnessMerkleRoot(block).root, coinbase.inputs[0].witness[0]);
    coinbase.outputs.push_back({.value = 0, .script_pubkey = primitives::WitnessCommitmentScript(commitment)});
  }
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  return tmpl;
}

Result<primitives::Block> MineBlock(primitives::Block block, const consensus::ChainParams& params,
                                    const std::atomic<bool>* cancel) {
  for (uint64_t tries = 0;; ++tries) {
    if (consensus::CheckProofOfWork(block.header.Hash(), block.header.bits, params)) return block;
    if ((tries & 0xfff) == 0 && cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      return Fail(ErrorCode::kCancelled);
    }
    if (++block.header.nonce == 0) ++block.header.time;
  }
}

}  // namespace parthenon::chain
