#include "chain/chainstate.h"

#include <algorithm>

#include "chain/detail/chainstate_impl.h"
#include "consensus/block_check.h"
#include "crypto/sha256.h"
#include "util/logging.h"

namespace parthenon::chain {
namespace {

size_t VerifierThreads(size_t requested) {
  if (requested > 0) return requested;
  const size_t cores = util::DefaultThreadCount();
  return cores > 1 ? cores - 1 : 0;
}

// Blocks read back and checked at start-up.
constexpr int kStartupCheckDepth = 6;
// Flush at least this often (seconds) so a crash replays little.
constexpr int64_t kFlushInterval = 600;

}  // namespace

Chainstate::Impl::Impl(Options opts, const consensus::ChainParams& chain_params)
    : options(std::move(opts)),
      params(chain_params),
      clock(options.clock != nullptr ? *options.clock : util::RealClock()),
      pool(VerifierThreads(options.verifier_threads)),
      verifier(pool),
      script_cache(options.script_cache_entries),
      pool_txs(options.mempool) {}

Chainstate::Chainstate(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)), params_(impl_->params) {}

Chainstate::~Chainstate() {
  util::MutexLock lock(impl_->mutex);
  if (impl_->fatal) return;
  if (auto flushed = impl_->FlushLocked(); !flushed) {
    util::Log(util::LogCategory::kChain).error("flush at shutdown failed: {}", flushed.error().Message());
  }
}

Result<std::unique_ptr<Chainstate>> Chainstate::Open(Options options) {
  const auto& params = consensus::Params(options.network);
  auto impl = std::make_unique<Impl>(std::move(options), params);
  const auto& opts = impl->options;
  const std::array<std::byte, 4> magic = params.magic;
  auto db = storage::Database::Open({.path = opts.datadir / "db",
                                     .block_cache_bytes = opts.db_cache_bytes,
                                     .write_filter = opts.write_filter});
  if (!db) return std::unexpected(Error::Storage(db.error()));
  impl->db = std::move(*db);
  for (auto [store, prefix] : {std::pair{&impl->blocks, "blk"}, std::pair{&impl->undo, "rev"}}) {
    auto opened = storage::FlatFileStore::Open({.dir = opts.datadir / "blocks", .prefix = prefix,
                                                .magic = magic,
                                                .max_file_size = opts.max_block_file_size,
                                                .env = opts.env});
    if (!opened) return std::unexpected(Error::Storage(opened.error()));
    *store = std::move(*opened);
  }
  std::unique_ptr<Chainstate> chainstate(new Chainstate(std::move(impl)));
  Impl& state = *chainstate->impl_;
  util::MutexLock lock(state.mutex);
  state.coins = std::make_unique<CoinsCache>(*state.db);
  if (auto loaded = state.Load(); !loaded) {
    state.fatal = loaded.error();  // the destructor must not flush a half-loaded state
    return std::unexpected(loaded.error());
  }
  state.events.clear();  // nobody has subscribed yet
  return chainstate;
}

Result<void> Chainstate::Impl::Load() {
  PARTHENON_TRY(LoadIndex());
  if (index.size() == 0) {
    PARTHENON_TRY(InitGenesis());
  } else {
    auto marker = db->Get(storage::Column::kMeta, util::AsBytes(kBestBlockKey));
    if (!marker) return std::unexpected(Error::Storage(marker.error()));
    const auto hash = marker->has_value() ? crypto::Uint256::FromBytes(**marker) : std::nullopt;
    BlockIndexEntry* tip = hash ? index.Find(*hash) : nullptr;
    if (tip == nullptr || !tip->HaveData()) {
      return Fail(ErrorCode::kCorruption, "best-block marker missing or names an unknown block");
    }
    index.SetTip(tip);
  }
  for (BlockIndexEntry* entry : index.All()) {
    if (entry->chain_has_data && !entry->Failed() && entry->chain_work >= index.Tip()->chain_work) {
      candidates.insert(entry);
    }
  }
  RecomputeBestHeader();
  PARTHENON_TRY(VerifyRecentBlocks());
  const int32_t before = index.Tip()->height;
  PARTHENON_TRY(ActivateBestChain(nullptr));
  util::Log(util::LogCategory::kChain)
      .info("chainstate loaded: {} index entries, tip height {} (replayed {} blocks)", index.size(),
            index.Tip()->height, index.Tip()->height - before);
  last_flush_time = clock.UnixSeconds();
  return FlushLocked();
}

Result<void> Chainstate::Impl::LoadIndex() {
  std::vector<BlockIndexEntry> loaded;
  std::optional<Error> corrupt;
  auto scanned = db->Scan(storage::Column::kBlockIndex, {}, [&](util::ByteSpan key, util::ByteSpan value) {
    auto entry = DecodeIndexRecord(value);
    const auto hash = crypto::Uint256::FromBytes(key);
    if (!entry || !hash || entry->header.Hash() != *hash) {
      corrupt = Error::Code(ErrorCode::kCorruption,
                            "block index entry " + (hash ? hash->ToHex() : std::string("(bad key)")) +
                                " does not decode or does not match its key");
      return false;
    }
    entry->hash = *hash;
    loaded.push_back(std::move(*entry));
    return true;
  });
  if (!scanned) return std::unexpected(Error::Storage(scanned.error()));
  if (corrupt) return std::unexpected(*corrupt);
  std::sort(loaded.begin(), loaded.end(),
            [](const auto& a, const auto& b) { return a.height < b.height; });
  storage::WriteBatch unreachable;
  for (auto& record : loaded) {
    const int32_t height = record.height;
    const bool genesis = record.hash == params.genesis_hash;
    if (!genesis && index.Find(record.header.prev_block) == nullptr) {
      // StoreBlock writes a stored block's entry at once, its parent's header entry waits for
      // the next flush: a crash or a full disk in between leaves this one without a parent.
      // Nothing reaches it (the best-block marker is checked below), so it is forgotten and
      // downloaded again if it is wanted; so are its descendants, which come later in `loaded`.
      unreachable.Delete(storage::Column::kBlockIndex, record.hash.span());
      continue;
    }
    BlockIndexEntry* entry = index.Insert(std::move(record));
    if (entry->height != height) {
      return Fail(ErrorCode::kCorruption, "block index entry " + entry->hash.ToHex() +
                                              " records the wrong height");
    }
    entry->chain_has_data = entry->HaveData() && (entry->prev == nullptr || entry->prev->chain_has_data);
    if (entry->DataCorrupt()) {
      corrupt_details[entry->hash] = "block " + entry->hash.ToHex() + " was found damaged before the restart";
    }
  }
  if (!unreachable.empty()) ForgetUnreachable(unreachable);
  return {};
}

void Chainstate::Impl::ForgetUnreachable(const storage::WriteBatch& records) {
  auto& log = util::Log(util::LogCategory::kChain);
  log.warn("{} block index entries have no parent in the index (written just before a crash or a "
           "full disk stopped the flush of their parents' headers): forgotten, their blocks will be "
           "downloaded again if needed", records.size());
  // If this fails (a disk still full), the entries are dropped again at the next start.
  if (auto deleted = db->Write(records); !deleted) {
    log.warn("could not delete the unreachable index entries: {}", deleted.error().Message());
  }
}

Result<void> Chainstate::Impl::InitGenesis() {
  BlockIndexEntry genesis;
  genesis.hash = params.genesis_hash;
  genesis.header = params.genesis.header;
  BlockIndexEntry* entry = index.Insert(std::move(genesis));
  PARTHENON_TRY(StoreBlock(entry, params.genesis));
  entry->status |= BlockStatus::kValid;  // the genesis coinbase is never spendable: no UTXO
  index.SetTip(entry);
  dirty.insert(entry);
  return FlushLocked();
}

Result<void> Chainstate::Impl::VerifyRecentBlocks() {
  const BlockIndexEntry* entry = index.Tip();
  for (int i = 0; i < kStartupCheckDepth && entry != nullptr; ++i, entry = entry->prev) {
    auto block = ReadBlock(entry);
    if (!block) return std::unexpected(block.error());
    if (entry->prev != nullptr) {
      if ((entry->status & BlockStatus::kHaveUndo) == 0) {
        return Fail(ErrorCode::kCorruption, "block " + entry->hash.ToHex() + " has no undo data");
      }
      auto undo_bytes = undo->Read(entry->undo_pos);
      if (!undo_bytes) return std::unexpected(Error::Storage(undo_bytes.error()));
      if (!DecodeUndo(*undo_bytes)) {
        return Fail(ErrorCode::kCorruption, "undo data of block " + entry->hash.ToHex() + " does not decode");
      }
    }
  }
  return {};
}

Result<void> Chainstate::Impl::CheckUsable() const {
  // The detail is what an operator needs ("disk full: <path>, N bytes free, writes stopped").
  if (fatal) return Fail(ErrorCode::kShutDown, fatal->code == ErrorCode::kStorage ? fatal->detail : fatal->Message());
  return {};
}

Error Chainstate::Impl::Abort(Error error) {
  util::Log(util::LogCategory::kChain).error("fatal storage error, refusing further writes: {}", error.Message());
  if (!fatal) fatal = error;
  return error;
}

Result<void> Chainstate::Impl::FlushLocked() {
  PARTHENON_TRY(CheckUsable());
  // Undo and block bytes must be durable before the index entries pointing at them.
  if (auto synced = undo->Sync(); !synced) return std::unexpected(Abort(Error::Storage(synced.error())));
  if (auto synced = blocks->Sync(); !synced) return std::unexpected(Abort(Error::Storage(synced.error())));
  storage::WriteBatch batch;
  coins->WriteChanges(batch);
  for (const BlockIndexEntry* entry : dirty) {
    batch.Put(storage::Column::kBlockIndex, entry->hash.span(), SerializeIndexRecord(*entry));
  }
  batch.Put(storage::Column::kMeta, util::AsBytes(kBestBlockKey), index.Tip()->hash.span());
  if (auto written = db->Write(batch); !written) {
    return std::unexpected(Abort(Error::Storage(written.error())));
  }
  coins->MarkFlushed(coins->MemoryUsage() > options.utxo_cache_bytes);
  dirty.clear();
  last_flush_time = clock.UnixSeconds();
  return {};
}

Result<void> Chainstate::Impl::MaybeFlush() {
  if (coins->MemoryUsage() > options.utxo_cache_bytes ||
      clock.UnixSeconds() - last_flush_time > kFlushInterval) {
    return FlushLocked();
  }
  return {};
}

ChainTip Chainstate::Impl::TipOf(const BlockIndexEntry* entry) const {
  return {entry->hash, entry->height, entry->chain_work, entry->header.time};
}

std::vector<Event> Chainstate::Impl::TakeEvents() {
  std::vector<Event> taken;
  taken.swap(events);
  return taken;
}

void Chainstate::Impl::Dispatch(const std::vector<Event>& batch) {
  if (batch.empty()) return;
  std::vector<std::function<void(const ChainTip&)>> tip_callbacks;
  std::vector<std::function<void(const primitives::Transaction&)>> accepted_callbacks;
  std::vector<std::function<void(const crypto::Uint256&)>> removed_callbacks;
  {
    util::MutexLock lock(mutex);
    tip_callbacks = on_new_tip;
    accepted_callbacks = on_tx_accepted;
    removed_callbacks = on_tx_removed;
  }
  for (const Event& event : batch) {
    switch (event.kind) {
      case Event::Kind::kNewTip:
        for (const auto& callback : tip_callbacks) callback(event.tip);
        break;
      case Event::Kind::kTxAccepted:
        for (const auto& callback : accepted_callbacks) callback(event.tx);
        break;
      case Event::Kind::kTxRemoved:
        for (const auto& callback : removed_callbacks) callback(event.txid);
        break;
    }
  }
}

Result<void> Chainstate::Flush() {
  util::MutexLock lock(impl_->mutex);
  return impl_->FlushLocked();
}

storage::ColumnHandle Chainstate::Column(storage::Column column) const {
  return storage::ColumnHandle(*impl_->db, column);
}

void Chainstate::OnNewTip(std::function<void(const ChainTip&)> callback) {
  util::MutexLock lock(impl_->mutex);
  impl_->on_new_tip.push_back(std::move(callback));
}

void Chainstate::OnTransactionAccepted(std::function<void(const primitives::Transaction&)> callback) {
  util::MutexLock lock(impl_->mutex);
  impl_->on_tx_accepted.push_back(std::move(callback));
}

void Chainstate::OnTransactionRemoved(std::function<void(const crypto::Uint256&)> callback) {
  util::MutexLock lock(impl_->mutex);
  impl_->on_tx_removed.push_back(std::move(callback));
}

}  // namespace parthenon::chain
