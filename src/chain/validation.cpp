// Headers, blocks, connect/disconnect and fork choice of Chainstate (see chainstate.h).
#include <algorithm>

#include "chain/detail/chainstate_impl.h"
#include "consensus/block_check.h"
#include "consensus/input_check.h"
#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/sequence_locks.h"
#include "util/logging.h"

namespace parthenon::chain {

bool IsFinalTx(const primitives::Transaction& tx, int32_t height, int64_t time) {
  if (tx.lock_time == 0) return true;
  constexpr uint32_t kLockTimeThreshold = 500'000'000;
  const int64_t threshold = tx.lock_time < kLockTimeThreshold ? height : time;
  if (static_cast<int64_t>(tx.lock_time) < threshold) return true;
  return std::all_of(tx.inputs.begin(), tx.inputs.end(),
                     [](const auto& in) { return in.sequence == primitives::TxIn::kFinalSequence; });
}

consensus::CoinAge CoinAgeOf(int32_t coin_height, const BlockIndexEntry* prev) {
  const BlockIndexEntry* before = BlockIndex::Ancestor(prev, std::max(coin_height - 1, 0));
  return {.height = coin_height, .prev_median_time = BlockIndex::MedianTimePast(before)};
}

uint32_t Chainstate::Impl::ExpectedBits(const BlockIndexEntry* prev) const {
  const int32_t height = prev->height + 1;
  if (!consensus::IsRetargetHeight(height, params)) return prev->header.bits;
  const BlockIndexEntry* first = BlockIndex::Ancestor(
      prev, static_cast<int32_t>(height - params.retarget_interval));
  return consensus::NextTargetBits(prev->header.bits, first->header.time, prev->header.time, params);
}

Result<BlockIndexEntry*> Chainstate::Impl::AcceptHeader(const primitives::BlockHeader& header) {
  const crypto::Uint256 hash = header.Hash();
  if (BlockIndexEntry* known = index.Find(hash)) {
    if (known->Failed()) return Fail(ErrorCode::kKnownInvalid, hash.ToHex());
    return known;
  }
  PARTHENON_TRY_CONSENSUS(consensus::CheckBlockHeader(header, params));
  BlockIndexEntry* prev = index.Find(header.prev_block);
  if (prev == nullptr) return Fail(ErrorCode::kUnknownParent, header.prev_block.ToHex());
  if (prev->Failed()) return Fail(ErrorCode::kBadPrevBlock, header.prev_block.ToHex());
  if (header.bits != ExpectedBits(prev)) return Fail(consensus::Error::kBadDiffBits);
  PARTHENON_TRY_CONSENSUS(consensus::CheckBlockTime(header.time, BlockIndex::MedianTimePast(prev),
                                                    clock.UnixSeconds()));
  BlockIndexEntry entry;
  entry.hash = hash;
  entry.header = header;
  BlockIndexEntry* added = index.Insert(std::move(entry));
  dirty.insert(added);
  if (best_header == nullptr || CandidateOrder{}(added, best_header)) best_header = added;
  return added;
}

Result<void> Chainstate::Impl::StoreBlock(BlockIndexEntry* entry, const primitives::Block& block) {
  PARTHENON_TRY(CheckUsable());
  auto pos = blocks->Append(primitives::Serialize(block));
  if (!pos) return std::unexpected(Abort(Error::Storage(pos.error())));
  if (auto synced = blocks->Sync(); !synced) return std::unexpected(Abort(Error::Storage(synced.error())));
  entry->data_pos = *pos;
  entry->tx_count = static_cast<uint32_t>(block.transactions.size());
  if (entry->DataCorrupt()) {
    util::Log(util::LogCategory::kChain).info("block {} at height {} stored again after its data was found corrupt",
                                              entry->hash.ToHex(), entry->height);
    corrupt_details.erase(entry->hash);
  }
  entry->status = (entry->status | BlockStatus::kHaveData) & ~BlockStatus::kDataCorrupt;
  // Only this entry is written now: others may point at undo bytes not yet synced.
  if (auto written = db->Put(storage::Column::kBlockIndex, entry->hash.span(), SerializeIndexRecord(*entry));
      !written) {
    return std::unexpected(Abort(Error::Storage(written.error())));
  }
  MarkHaveData(entry);
  return {};
}

void Chainstate::Impl::MarkHaveData(BlockIndexEntry* entry) {
  if (entry->prev != nullptr && !entry->prev->chain_has_data) return;
  std::vector<BlockIndexEntry*> stack{entry};
  while (!stack.empty()) {
    BlockIndexEntry* current = stack.back();
    stack.pop_back();
    current->chain_has_data = true;
    if (!current->Failed()) candidates.insert(current);
    for (BlockIndexEntry* child : current->children) {
      if (child->HaveData() && !child->chain_has_data) stack.push_back(child);
    }
  }
}

void Chainstate::Impl::MarkInvalid(BlockIndexEntry* entry, const Error& reason) {
  util::Log(util::LogCategory::kChain).info("block {} at height {} is invalid: {}", entry->hash.ToHex(),
                                            entry->height, reason.Message());
  invalid_reasons[entry->hash] = reason;
  entry->status |= BlockStatus::kFailed;
  std::vector<BlockIndexEntry*> stack{entry};
  while (!stack.empty()) {
    BlockIndexEntry* current = stack.back();
    stack.pop_back();
    if (current != entry) current->status |= BlockStatus::kFailedParent;
    candidates.erase(current);
    dirty.insert(current);
    for (BlockIndexEntry* child : current->children) stack.push_back(child);
  }
  if (best_header != nullptr && best_header->Failed()) RecomputeBestHeader();
}

void Chainstate::Impl::RecomputeBestHeader() {
  best_header = index.Tip();
  for (BlockIndexEntry* entry : index.All()) {
    if (!entry->Failed() && CandidateOrder{}(entry, best_header)) best_header = entry;
  }
}

Result<primitives::Block> Chainstate::Impl::ReadBlock(const BlockIndexEntry* entry) const {
  auto bytes = blocks->Read(entry->data_pos);
  if (!bytes) return std::unexpected(Error::Storage(bytes.error()));
  auto block = primitives::DecodeBlock(*bytes);
  if (!block || block->header.Hash() != entry->hash) {
    return Fail(ErrorCode::kCorruption, "block " + entry->hash.ToHex() + " in " +
                                            blocks->FilePath(entry->data_pos.file).string() +
                                            " offset " + std::to_string(entry->data_pos.offset) +
                                            " does not decode to the indexed header");
  }
  return std::move(*block);
}

bool Chainstate::Impl::MarkDataCorrupt(BlockIndexEntry* entry, const Error& error) {
  if (entry->DataCorrupt()) return false;
  entry->status |= BlockStatus::kDataCorrupt;
  dirty.insert(entry);
  corrupt_details[entry->hash] = error.detail;
  ++corrupt_block_reads;
  if (const auto suppressed = corrupt_log.Allow()) {
    util::Log(util::LogCategory::kChain)
        // The detail names the file and offset ("<blk file> offset N: record checksum mismatch").
        .error("block data corrupt: block {} at height {} ({} bytes): {}; marked to be fetched again from a peer{}",
               entry->hash.ToHex(), entry->height, entry->data_pos.size, error.detail,
               *suppressed > 0 ? " (" + std::to_string(*suppressed) + " similar lines suppressed)" : "");
  }
  return true;
}

void Chainstate::Impl::ReportDataCorrupt(const crypto::Uint256& hash, const Error& error) {
  std::vector<std::function<void(const crypto::Uint256&, int32_t)>> callbacks;
  int32_t height = 0;
  {
    util::MutexLock lock(mutex);
    BlockIndexEntry* entry = index.Find(hash);
    if (entry == nullptr || !MarkDataCorrupt(entry, error)) return;
    height = entry->height;
    callbacks = on_block_data_corrupt;
  }
  for (const auto& callback : callbacks) callback(hash, height);
}

// Malleable failures say nothing about the header: a peer can corrupt a valid block that way.
static bool MarksHeaderInvalid(consensus::Error error) {
  return error != consensus::Error::kBadMerkleRoot && error != consensus::Error::kMutatedMerkle &&
         error != consensus::Error::kUnexpectedWitness &&
         error != consensus::Error::kBadWitnessCommitment &&
         error != consensus::Error::kBadWitnessNonceSize && error != consensus::Error::kBlockWeight;
}

bool Chainstate::Impl::LowWork(const primitives::BlockHeader& header) const {
  if (index.Find(header.Hash()) != nullptr) return false;  // known: AcceptBlock decides
  const BlockIndexEntry* parent = index.Find(header.prev_block);
  if (parent == nullptr || index.Tip() == nullptr) return false;  // an orphan: bounded pool
  return parent->chain_work + consensus::BlockWork(header.bits) <= index.Tip()->chain_work;
}

Result<BlockOutcome> Chainstate::Impl::AcceptBlock(const primitives::Block& block) {
  PARTHENON_TRY(CheckUsable());
  const crypto::Uint256 hash = block.header.Hash();
  if (BlockIndexEntry* known = index.Find(hash)) {
    if (known->Failed()) {
      auto reason = invalid_reasons.find(hash);
      if (reason != invalid_reasons.end()) return std::unexpected(reason->second);
      return Fail(ErrorCode::kKnownInvalid, hash.ToHex());
    }
    if (known->HaveData() && !known->DataCorrupt()) return BlockOutcome::kDuplicate;
    if (known->DataCorrupt()) {
      // A fresh copy of a block whose stored bytes were damaged: its body must match the
      // header (merkle root, witness commitment); it was connected before, so nothing else.
      PARTHENON_TRY_CONSENSUS(consensus::CheckBlock(block, params));
      PARTHENON_TRY(StoreBlock(known, block));
      return BlockOutcome::kAccepted;
    }
  }
  if (orphan_blocks.contains(hash)) return BlockOutcome::kOrphan;
  if (auto checked = consensus::CheckBlock(block, params); !checked) {
    if (!MarksHeaderInvalid(checked.error())) return Fail(checked.error());
    auto entry = AcceptHeader(block.header);
    if (entry) MarkInvalid(*entry, Error::Consensus(checked.error()));
    if (!entry && entry.error().code != ErrorCode::kUnknownParent) return std::unexpected(entry.error());
    return Fail(checked.error());
  }
  auto entry = AcceptHeader(block.header);
  if (!entry) {
    if (entry.error().code != ErrorCode::kUnknownParent) return std::unexpected(entry.error());
    AddOrphanBlock(block);
    return BlockOutcome::kOrphan;
  }
  PARTHENON_TRY(StoreBlock(*entry, block));
  PARTHENON_TRY(ActivateBestChain(&block));
  if ((*entry)->Failed()) {
    auto reason = invalid_reasons.find(hash);
    if (reason != invalid_reasons.end()) return std::unexpected(reason->second);
    return Fail(ErrorCode::kBadPrevBlock, hash.ToHex());
  }
  ProcessOrphanBlocks(hash);
  return BlockOutcome::kAccepted;
}

void Chainstate::Impl::AddOrphanBlock(const primitives::Block& block) {
  const crypto::Uint256 hash = block.header.Hash();
  while (orphan_blocks.size() >= options.max_orphan_blocks && !orphan_block_order.empty()) {
    orphan_blocks.erase(orphan_block_order.front());
    orphan_block_order.pop_front();
  }
  if (options.max_orphan_blocks == 0) return;
  orphan_blocks.emplace(hash, block);
  orphan_block_order.push_back(hash);
}

void Chainstate::Impl::ProcessOrphanBlocks(const crypto::Uint256& parent) {
  std::vector<crypto::Uint256> parents{parent};
  while (!parents.empty()) {
    const crypto::Uint256 current = parents.back();
    parents.pop_back();
    std::vector<primitives::Block> ready;
    for (auto it = orphan_blocks.begin(); it != orphan_blocks.end();) {
      if (it->second.header.prev_block == current) {
        ready.push_back(std::move(it->second));
        std::erase(orphan_block_order, it->first);
        it = orphan_blocks.erase(it);
      } else {
        ++it;
      }
    }
    // AcceptBlock processes each accepted block's own orphans in turn.
    for (const auto& block : ready) (void)AcceptBlock(block);
  }
}

Result<void> Chainstate::Impl::VerifyBlockSignatures(
    const primitives::Block& block, const std::vector<std::vector<primitives::TxOut>>& spent_by_tx,
    consensus::SpendRules rules) {
  // Per transaction, on all cores: signature hashes (and, from v2, tapscript execution), then
  // the signatures themselves, key-path and script-path alike. Preparing the hashes is a tenth
  // of the work; spreading it too keeps the cores on signatures.
  const size_t count = block.transactions.size() - 1;  // the coinbase has no signatures
  std::vector<std::optional<consensus::Error>> prepare_errors(count);
  // A transaction whose checks passed in our mempool under these rules is not checked again.
  const std::vector<size_t> failed = verifier.VerifyEach(count, [&](size_t k) {
    if (script_cache.TakeForBlock(primitives::Wtxid(block.transactions[k + 1]), rules)) return true;
    auto checks = consensus::PrepareSignatureChecks(block.transactions[k + 1], spent_by_tx[k + 1], rules);
    if (!checks) {
      prepare_errors[k] = checks.error();
      return false;
    }
    return std::all_of(checks->begin(), checks->end(), [](const crypto::SchnorrCheck& check) {
      return crypto::VerifySchnorr(check.message, check.key, check.signature);
    });
  });
  if (failed.empty()) return {};
  return Fail(prepare_errors[failed.front()].value_or(consensus::Error::kBadSignature));
}

Result<BlockUndo> Chainstate::Impl::ConnectBlock(const primitives::Block& block,
                                                 const BlockIndexEntry* entry) {
  CoinsOverlay view(*coins);
  BlockUndo block_undo;
  // Outputs each transaction spends, for its signature hashes (computed in parallel below).
  std::vector<std::vector<primitives::TxOut>> spent_by_tx(block.transactions.size());
  const int32_t height = entry->height;
  const int64_t mtp = BlockIndex::MedianTimePast(entry->prev);
  const consensus::SpendRules rules = consensus::ConsensusRulesAt(height, params);
  consensus::Amount fees = 0;
  for (size_t i = 0; i < block.transactions.size(); ++i) {
    const primitives::Transaction& tx = block.transactions[i];
    if (!IsFinalTx(tx, height, mtp)) return Fail(ErrorCode::kNonFinal);
    if (i > 0) {
      std::vector<primitives::TxOut>& spent = spent_by_tx[i];
      spent.reserve(tx.inputs.size());
      std::vector<consensus::CoinAge> ages;  // for BIP68, from v2
      consensus::Amount in_total = 0;
      for (const auto& input : tx.inputs) {
        auto coin = view.Get(input.prevout);
        if (!coin) return std::unexpected(coin.error());
        if (!coin->has_value()) return Fail(ErrorCode::kMissingInputs);
        const Coin& found = **coin;
        if (found.coinbase && height - found.height < consensus::kCoinbaseMaturity) {
          return Fail(ErrorCode::kPrematureSpend);
        }
        in_total += found.out.value;
        if (!consensus::MoneyRange(found.out.value) || !consensus::MoneyRange(in_total)) {
          return Fail(consensus::Error::kTxOutputTotalTooLarge);
        }
        spent.push_back(found.out);
        if (rules.script_v2) ages.push_back(CoinAgeOf(found.height, entry->prev));
        block_undo.spent.push_back(found);
        view.Spend(input.prevout);
      }
      consensus::Amount out_total = 0;
      for (const auto& out : tx.outputs) out_total += out.value;
      if (in_total < out_total) return Fail(ErrorCode::kInputsBelowOutputs);
      if (rules.script_v2) PARTHENON_TRY_CONSENSUS(consensus::CheckSequenceLocks(tx, ages, height, mtp));
      fees += in_total - out_total;
    }
    const crypto::Uint256 txid = primitives::Txid(tx);
    for (uint32_t n = 0; n < tx.outputs.size(); ++n) {
      if (consensus::IsNullData(tx.outputs[n].script_pubkey)) continue;  // unspendable
      view.Add({txid, n}, Coin{tx.outputs[n], height, i == 0});
    }
  }
  PARTHENON_TRY_CONSENSUS(consensus::CheckCoinbase(block, height, fees, params));
  PARTHENON_TRY(VerifyBlockSignatures(block, spent_by_tx, rules));
  view.Commit();
  return block_undo;
}

Result<void> Chainstate::Impl::ConnectTip(BlockIndexEntry* entry, const primitives::Block* hint) {
  std::optional<primitives::Block> read;
  if (hint == nullptr || hint->header.Hash() != entry->hash) {
    auto block = ReadBlock(entry);
    if (!block) {
      if (block.error().code == ErrorCode::kCorruption) MarkDataCorrupt(entry, block.error());
      return std::unexpected(Abort(block.error()));
    }
    read = std::move(*block);
  }
  const primitives::Block& block = read ? *read : *hint;
  auto undo_data = ConnectBlock(block, entry);
  if (!undo_data) {
    if (IsStorageFailure(undo_data.error())) return std::unexpected(Abort(undo_data.error()));
    MarkInvalid(entry, undo_data.error());
    return std::unexpected(undo_data.error());
  }
  auto pos = undo->Append(SerializeUndo(*undo_data));
  if (!pos) return std::unexpected(Abort(Error::Storage(pos.error())));
  entry->undo_pos = *pos;
  entry->status |= BlockStatus::kHaveUndo | BlockStatus::kValid;
  dirty.insert(entry);
  index.SetTip(entry);
  std::vector<crypto::Uint256> removed = pool_txs.RemoveForBlock(block);
  for (const auto& txid : removed) events.push_back({.kind = Event::Kind::kTxRemoved, .txid = txid});
  return {};
}

Result<std::vector<primitives::Transaction>> Chainstate::Impl::DisconnectTip() {
  BlockIndexEntry* entry = index.Tip();
  auto block = ReadBlock(entry);
  if (!block) {
    if (block.error().code == ErrorCode::kCorruption) MarkDataCorrupt(entry, block.error());
    return std::unexpected(Abort(block.error()));
  }
  auto undo_bytes = undo->Read(entry->undo_pos);
  if (!undo_bytes) return std::unexpected(Abort(Error::Storage(undo_bytes.error())));
  auto undo_data = DecodeUndo(*undo_bytes);
  if (!undo_data) {
    return std::unexpected(Abort(Error::Code(ErrorCode::kCorruption, "undo of " + entry->hash.ToHex())));
  }
  size_t next = undo_data->spent.size();
  for (size_t i = block->transactions.size(); i-- > 0;) {
    const primitives::Transaction& tx = block->transactions[i];
    const crypto::Uint256 txid = primitives::Txid(tx);
    for (uint32_t n = 0; n < tx.outputs.size(); ++n) {
      if (consensus::IsNullData(tx.outputs[n].script_pubkey)) continue;
      auto coin = coins->Get({txid, n});
      if (!coin) return std::unexpected(Abort(coin.error()));
      if (coin->has_value()) coins->Spend({txid, n});
    }
    if (i == 0) continue;
    for (size_t k = tx.inputs.size(); k-- > 0;) {
      if (next == 0) {
        return std::unexpected(Abort(Error::Code(ErrorCode::kCorruption, "short undo of " + entry->hash.ToHex())));
      }
      coins->Add(tx.inputs[k].prevout, undo_data->spent[--next]);
    }
  }
  index.SetTip(entry->prev);
  candidates.insert(entry);  // still valid; a later failure may make it best again
  std::vector<primitives::Transaction> resurrect(block->transactions.begin() + 1, block->transactions.end());
  return resurrect;
}

Result<void> Chainstate::Impl::ActivateBestChain(const primitives::Block* hint) {
  BlockIndexEntry* const old_tip = index.Tip();
  std::vector<std::vector<primitives::Transaction>> resurrect;
  while (!candidates.empty()) {
    BlockIndexEntry* best = *candidates.begin();
    if (best->chain_work <= index.Tip()->chain_work) break;
    const BlockIndexEntry* fork = index.FindFork(best);
    while (index.Tip() != fork) {
      auto txs = DisconnectTip();
      if (!txs) return std::unexpected(txs.error());
      resurrect.push_back(std::move(*txs));
    }
    std::vector<BlockIndexEntry*> path;
    for (BlockIndexEntry* e = best; e != fork; e = e->prev) path.push_back(e);
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      auto connected = ConnectTip(*it, hint);
      if (!connected) {
        if (IsStorageFailure(connected.error())) return connected;
        break;  // marked invalid: choose again
      }
    }
  }
  // Drop candidates that can no longer win (the tip itself stays).
  for (auto it = candidates.begin(); it != candidates.end();) {
    it = (*it)->chain_work < index.Tip()->chain_work ? candidates.erase(it) : std::next(it);
  }
  if (index.Tip() == old_tip) return {};
  // A shorter chain can make mempool transactions premature (lock times, v2 spends below the
  // activation height); drop those first. Then transactions of disconnected blocks go back to
  // the mempool, oldest block first.
  if (!resurrect.empty()) RemoveLockedAfterReorg();
  for (auto it = resurrect.rbegin(); it != resurrect.rend(); ++it) {
    for (const auto& tx : *it) (void)AcceptToMempool(tx, /*allow_orphan=*/false);
  }
  events.push_back({.kind = Event::Kind::kNewTip, .tip = TipOf(index.Tip())});
  return MaybeFlush();
}

}  // namespace parthenon::chain
