// Chainstate's public entry points: locking, event dispatch and read-only queries.
#include "chain/chainstate.h"
#include "chain/detail/chainstate_impl.h"
#include "consensus/pow.h"
#include "crypto/sha256.h"

#include <algorithm>

namespace parthenon::chain {

HeadersOutcome Chainstate::SubmitHeaders(std::span<const primitives::BlockHeader> headers) {
  util::MutexLock dispatch(impl_->dispatch_mutex);
  HeadersOutcome outcome;
  std::vector<Event> events;
  {
    util::MutexLock lock(impl_->mutex);
    for (const auto& header : headers) {
      auto accepted = impl_->AcceptHeader(header);
      if (!accepted) {
        outcome.error = accepted.error();
        break;
      }
      ++outcome.accepted;
    }
    events = impl_->TakeEvents();
  }
  impl_->Dispatch(events);
  return outcome;
}

Result<BlockOutcome> Chainstate::SubmitBlock(const primitives::Block& block, BlockSource source) {
  util::MutexLock dispatch(impl_->dispatch_mutex);
  Result<BlockOutcome> outcome;
  std::vector<Event> events;
  {
    util::MutexLock lock(impl_->mutex);
    if (source == BlockSource::kUnrequested && impl_->LowWork(block.header)) {
      outcome = BlockOutcome::kLowWork;
    } else if (source == BlockSource::kUnrequested && impl_->index.Find(block.header.prev_block) == nullptr &&
               impl_->index.Find(block.header.Hash()) == nullptr) {
      // Parent unknown and nobody asked for it: not kept (Core keeps no unrequested orphans);
      // the caller fetches the headers leading to it.
      outcome = BlockOutcome::kOrphan;
    } else {
      outcome = impl_->AcceptBlock(block);
    }
    events = impl_->TakeEvents();
  }
  impl_->Dispatch(events);
  return outcome;
}

Result<TxOutcome> Chainstate::SubmitTransaction(const primitives::Transaction& tx) {
  util::MutexLock dispatch(impl_->dispatch_mutex);
  Result<TxOutcome> outcome;
  std::vector<Event> events;
  {
    util::MutexLock lock(impl_->mutex);
    if (auto usable = impl_->CheckUsable(); !usable) {
      outcome = std::unexpected(usable.error());
    } else {
      outcome = impl_->AcceptToMempool(tx, /*allow_orphan=*/true);
    }
    events = impl_->TakeEvents();
  }
  impl_->Dispatch(events);
  return outcome;
}

ChainTip Chainstate::Tip() const {
  util::MutexLock lock(impl_->mutex);
  return impl_->TipOf(impl_->index.Tip());
}

ChainTip Chainstate::HeaderTip() const {
  util::MutexLock lock(impl_->mutex);
  return impl_->TipOf(impl_->best_header != nullptr ? impl_->best_header : impl_->index.Tip());
}

std::optional<crypto::Uint256> Chainstate::GetBlockHash(int32_t height) const {
  util::MutexLock lock(impl_->mutex);
  const BlockIndexEntry* entry = impl_->index.AtHeight(height);
  if (entry == nullptr) return std::nullopt;
  return entry->hash;
}

std::optional<primitives::BlockHeader> Chainstate::GetHeader(const crypto::Uint256& hash) const {
  util::MutexLock lock(impl_->mutex);
  const BlockIndexEntry* entry = impl_->index.Find(hash);
  if (entry == nullptr) return std::nullopt;
  return entry->header;
}

std::optional<int32_t> Chainstate::GetHeight(const crypto::Uint256& hash) const {
  util::MutexLock lock(impl_->mutex);
  const BlockIndexEntry* entry = impl_->index.Find(hash);
  if (entry == nullptr) return std::nullopt;
  return entry->height;
}

Result<const BlockIndexEntry*> Chainstate::Impl::StoredBlock(const crypto::Uint256& hash) const {
  const BlockIndexEntry* entry = index.Find(hash);
  if (entry == nullptr || !entry->HaveData()) return Fail(ErrorCode::kNotFound, hash.ToHex());
  if (entry->DataCorrupt()) {
    const auto why = corrupt_details.find(hash);
    return Fail(ErrorCode::kCorruption, why != corrupt_details.end() ? why->second : hash.ToHex());
  }
  return entry;
}

Result<primitives::Block> Chainstate::GetBlock(const crypto::Uint256& hash) const {
  BlockIndexEntry copy;
  {
    util::MutexLock lock(impl_->mutex);
    auto entry = impl_->StoredBlock(hash);
    if (!entry) return std::unexpected(entry.error());
    copy.hash = (*entry)->hash;
    copy.data_pos = (*entry)->data_pos;
  }
  auto block = impl_->ReadBlock(&copy);  // the store is thread-safe; read outside the lock
  if (!block && block.error().code == ErrorCode::kCorruption) impl_->ReportDataCorrupt(hash, block.error());
  return block;
}

std::vector<crypto::Uint256> Chainstate::BlocksToRefetch() const {
  util::MutexLock lock(impl_->mutex);
  std::vector<const BlockIndexEntry*> marked;  // corrupt_details has exactly the marked blocks
  for (const auto& [hash, why] : impl_->corrupt_details) marked.push_back(impl_->index.Find(hash));
  std::sort(marked.begin(), marked.end(), [](const auto* a, const auto* b) { return a->height < b->height; });
  std::vector<crypto::Uint256> hashes;
  for (const BlockIndexEntry* entry : marked) hashes.push_back(entry->hash);
  return hashes;
}

uint64_t Chainstate::CorruptBlockReads() const { return impl_->corrupt_block_reads; }

ScriptCache::Stats Chainstate::ScriptCacheStats() const { return impl_->script_cache.GetStats(); }

void Chainstate::OnBlockDataCorrupt(std::function<void(const crypto::Uint256&, int32_t)> callback) {
  util::MutexLock lock(impl_->mutex);
  impl_->on_block_data_corrupt.push_back(std::move(callback));
}

std::optional<std::string> Chainstate::StorageFault() const {
  util::MutexLock lock(impl_->mutex);
  if (!impl_->fatal) return std::nullopt;
  return impl_->fatal->code == ErrorCode::kStorage ? impl_->fatal->detail : impl_->fatal->Message();
}

namespace {

// Block `hash` as read by `read` (FlatFileStore::ReadRecord or VerifiedSegment), checked to be
// that block: its first bytes (from `head`) must hash to it. Damage is reported. (`impl` is the
// Chainstate::Impl, deduced.)
template <class Impl, class Read, class Head>
auto ReadStoredBlock(Impl& impl, const crypto::Uint256& hash, Read read, Head head)
    -> Result<typename decltype(read(storage::FilePos{}))::value_type> {
  storage::FilePos pos;
  {
    util::MutexLock lock(impl.mutex);
    auto entry = impl.StoredBlock(hash);
    if (!entry) return std::unexpected(entry.error());
    pos = (*entry)->data_pos;
  }
  auto stored = read(pos);  // the store is thread-safe; read outside the lock
  std::optional<Error> damaged;
  if (!stored) {
    if (stored.error().code != storage::ErrorCode::kCorruption) {
      return std::unexpected(Error::Storage(stored.error()));
    }
    damaged = Error::Storage(stored.error());
  } else if (const util::ByteSpan header = head(*stored);
             header.size() < primitives::BlockHeader::kSize ||
             crypto::Sha256d(header.first(primitives::BlockHeader::kSize)) != hash) {
    damaged = Error{ErrorCode::kCorruption, std::nullopt,
                    impl.blocks->FilePath(pos.file).string() + " offset " +
                        std::to_string(pos.offset) + ": the record is not block " + hash.ToHex()};
  }
  if (damaged) {
    impl.ReportDataCorrupt(hash, *damaged);  // logged, counted, marked for re-fetch
    return std::unexpected(*damaged);
  }
  return std::move(*stored);
}

}  // namespace

Result<util::Bytes> Chainstate::GetBlockRecord(const crypto::Uint256& hash) const {
  return ReadStoredBlock(
      *impl_, hash, [&](const storage::FilePos& pos) { return impl_->blocks->ReadRecord(pos); },
      [](const util::Bytes& record) { return util::ByteSpan(record).subspan(storage::kRecordHeaderSize); });
}

Result<storage::RecordSegment> Chainstate::GetBlockSegment(const crypto::Uint256& hash) const {
  return ReadStoredBlock(
      *impl_, hash,
      [&](const storage::FilePos& pos) {
        return impl_->blocks->VerifiedSegment(pos, primitives::BlockHeader::kSize);
      },
      [](const storage::RecordSegment& segment) { return util::ByteSpan(segment.prefix); });
}

std::optional<crypto::ArithUint256> Chainstate::GetChainWork(const crypto::Uint256& hash) const {
  util::MutexLock lock(impl_->mutex);
  const BlockIndexEntry* entry = impl_->index.Find(hash);
  if (entry == nullptr) return std::nullopt;
  return entry->chain_work;
}

crypto::ArithUint256 Chainstate::AntiDosWorkThreshold() const {
  constexpr uint64_t kRecentBlocks = 144;
  const crypto::ArithUint256 minimum =
      impl_->options.minimum_chain_work.value_or(params_.minimum_chain_work);
  util::MutexLock lock(impl_->mutex);
  const BlockIndexEntry* tip = impl_->index.Tip();
  if (tip == nullptr) return minimum;
  const crypto::ArithUint256 recent = consensus::BlockWork(tip->header.bits) * kRecentBlocks;
  const crypto::ArithUint256 near_tip =
      tip->chain_work > recent ? tip->chain_work - recent : crypto::ArithUint256{};
  return std::max(minimum, near_tip);
}

std::vector<crypto::Uint256> Chainstate::GetLocator() const {
  util::MutexLock lock(impl_->mutex);
  std::vector<crypto::Uint256> locator;
  int32_t height = impl_->index.Tip()->height;
  int32_t step = 1;
  while (height > 0) {
    locator.push_back(impl_->index.AtHeight(height)->hash);
    if (locator.size() >= 10) step *= 2;
    height -= step;
  }
  locator.push_back(impl_->index.AtHeight(0)->hash);
  return locator;
}

std::vector<primitives::BlockHeader> Chainstate::HeadersAfter(std::span<const crypto::Uint256> locator,
                                                              const crypto::Uint256& stop_hash,
                                                              size_t max_count) const {
  util::MutexLock lock(impl_->mutex);
  int32_t start = 0;  // after genesis when nothing in the locator is on our chain
  for (const auto& hash : locator) {
    const BlockIndexEntry* entry = impl_->index.Find(hash);
    if (entry != nullptr && impl_->index.Contains(entry)) {
      start = entry->height;
      break;
    }
  }
  std::vector<primitives::BlockHeader> headers;
  for (const BlockIndexEntry* entry = impl_->index.AtHeight(start + 1);
       entry != nullptr && headers.size() < max_count; entry = impl_->index.AtHeight(entry->height + 1)) {
    headers.push_back(entry->header);
    if (entry->hash == stop_hash) break;
  }
  return headers;
}

Result<std::optional<UtxoEntry>> Chainstate::GetUtxo(const primitives::OutPoint& outpoint) const {
  util::MutexLock lock(impl_->mutex);
  auto coin = impl_->coins->Get(outpoint);
  if (!coin) return std::unexpected(coin.error());
  if (!coin->has_value()) return std::optional<UtxoEntry>();
  return std::optional<UtxoEntry>(UtxoEntry{outpoint, (*coin)->out, (*coin)->height, (*coin)->coinbase});
}

Result<std::vector<UtxoEntry>> Chainstate::ListUtxos(std::span<const util::Bytes> scripts) const {
  util::MutexLock lock(impl_->mutex);
  PARTHENON_TRY(impl_->FlushLocked());
  std::vector<UtxoEntry> found;
  std::optional<Error> corrupt;
  auto scanned = impl_->db->Scan(storage::Column::kUtxo, {}, [&](util::ByteSpan key, util::ByteSpan value) {
    auto coin = DecodeCoin(value);
    if (!coin || key.size() != 36) {
      corrupt = Error::Code(ErrorCode::kCorruption, "undecodable utxo record");
      return false;
    }
    if (std::find(scripts.begin(), scripts.end(), coin->out.script_pubkey) == scripts.end()) return true;
    primitives::OutPoint outpoint{*crypto::Uint256::FromBytes(key.first(32)),
                                  util::ReadBE<uint32_t>(key.data() + 32)};
    found.push_back({outpoint, std::move(coin->out), coin->height, coin->coinbase});
    return true;
  });
  if (!scanned) return std::unexpected(Error::Storage(scanned.error()));
  if (corrupt) return std::unexpected(*corrupt);
  return found;
}

Result<crypto::Uint256> Chainstate::UtxoSetHash() const {
  util::MutexLock lock(impl_->mutex);
  PARTHENON_TRY(impl_->FlushLocked());
  crypto::Sha256 hasher;
  auto scanned = impl_->db->Scan(storage::Column::kUtxo, {}, [&](util::ByteSpan key, util::ByteSpan value) {
    hasher.Write(key);
    hasher.Write(value);
    return true;
  });
  if (!scanned) return std::unexpected(Error::Storage(scanned.error()));
  const auto digest = hasher.Finalize();
  return crypto::Sha256d(digest);
}

bool Chainstate::MempoolContains(const crypto::Uint256& hash, bool by_wtxid) const {
  util::MutexLock lock(impl_->mutex);
  return by_wtxid ? impl_->pool_txs.TxidOfWtxid(hash).has_value() : impl_->pool_txs.Contains(hash);
}

std::optional<primitives::Transaction> Chainstate::MempoolGet(const crypto::Uint256& txid) const {
  util::MutexLock lock(impl_->mutex);
  const MempoolEntry* entry = impl_->pool_txs.Get(txid);
  if (entry == nullptr) return std::nullopt;
  return entry->tx;
}

std::optional<Chainstate::MempoolTx> Chainstate::MempoolLookup(const crypto::Uint256& hash,
                                                               bool by_wtxid) const {
  util::MutexLock lock(impl_->mutex);
  std::optional<crypto::Uint256> txid = hash;
  if (by_wtxid) txid = impl_->pool_txs.TxidOfWtxid(hash);
  const MempoolEntry* entry = txid ? impl_->pool_txs.Get(*txid) : nullptr;
  if (entry == nullptr) return std::nullopt;
  return MempoolTx{entry->tx, entry->txid};
}

std::optional<int64_t> Chainstate::MempoolFeeRate(const crypto::Uint256& txid) const {
  util::MutexLock lock(impl_->mutex);
  const MempoolEntry* entry = impl_->pool_txs.Get(txid);
  if (entry == nullptr) return std::nullopt;
  return entry->vsize > 0 ? entry->fee * 1000 / entry->vsize : 0;
}

std::vector<crypto::Uint256> Chainstate::MempoolTxids() const {
  util::MutexLock lock(impl_->mutex);
  return impl_->pool_txs.Txids();
}

void Chainstate::VisitMempool(
    const std::function<void(const crypto::Uint256& wtxid, const primitives::Transaction& tx)>&
        visit) const {
  util::MutexLock lock(impl_->mutex);
  impl_->pool_txs.ForEachByWtxid(
      [&](const crypto::Uint256& wtxid, const MempoolEntry& entry) { visit(wtxid, entry.tx); });
}

MempoolInfo Chainstate::GetMempoolInfo() const {
  util::MutexLock lock(impl_->mutex);
  return impl_->pool_txs.Info();
}

std::optional<crypto::Uint256> Chainstate::MempoolSpender(const primitives::OutPoint& outpoint) const {
  util::MutexLock lock(impl_->mutex);
  return impl_->pool_txs.SpenderOf(outpoint);
}

}  // namespace parthenon::chain
