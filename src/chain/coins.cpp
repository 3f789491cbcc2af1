#include "chain/coins.h"

namespace parthenon::chain {

void SerializeCoin(primitives::Writer& out, const Coin& coin) {
  out.CompactSize(static_cast<uint64_t>(coin.height) * 2 + (coin.coinbase ? 1 : 0));
  out.I64(coin.out.value);
  out.VarBytes(coin.out.script_pubkey);
}

Coin ReadCoin(primitives::Reader& in) {
  Coin coin;
  const uint64_t code = in.CompactSize(0xffffffffull);
  coin.height = static_cast<int32_t>(code / 2);
  coin.coinbase = (code & 1) != 0;
  coin.out.value = in.I64();
  coin.out.script_pubkey = in.VarBytes(10'000);
  return coin;
}

primitives::Result<Coin> DecodeCoin(util::ByteSpan data) {
  return primitives::DecodeAll<Coin>(data, ReadCoin);
}

std::array<std::byte, 36> CoinKey(const primitives::OutPoint& outpoint) {
  std::array<std::byte, 36> key;
  std::copy(outpoint.txid.span().begin(), outpoint.txid.span().end(), key.begin());
  util::WriteBE<uint32_t>(key.data() + 32, outpoint.index);
  return key;
}

util::Bytes SerializeUndo(const BlockUndo& undo) {
  primitives::Writer out;
  out.CompactSize(undo.spent.size());
  for (const Coin& coin : undo.spent) SerializeCoin(out, coin);
  return out.Take();
}

primitives::Result<BlockUndo> DecodeUndo(util::ByteSpan data) {
  return primitives::DecodeAll<BlockUndo>(data, [](primitives::Reader& in) {
    BlockUndo undo;
    // Each coin takes at least 1 + 8 + 1 bytes.
    const size_t count = in.Count(primitives::kMaxSize, 10);
    undo.spent.reserve(count);
    for (size_t i = 0; i < count && in.ok(); ++i) undo.spent.push_back(ReadCoin(in));
    return undo;
  });
}

size_t CoinsCache::EntryBytes(const Entry& entry) {
  // Node, key, entry and the script's heap block.
  return 112 + (entry.coin ? entry.coin->out.script_pubkey.capacity() : 0);
}

Result<std::optional<Coin>> CoinsCache::Get(const primitives::OutPoint& outpoint) {
  auto found = Find(outpoint);
  if (!found) return std::unexpected(found.error());
  if (*found == nullptr) return std::optional<Coin>();
  return std::optional<Coin>(**found);
}

Result<const Coin*> CoinsCache::Find(const primitives::OutPoint& outpoint) {
  if (auto it = entries_.find(outpoint); it != entries_.end()) {
    return it->second.coin ? &*it->second.coin : nullptr;
  }
  const auto key = CoinKey(outpoint);
  auto stored = db_.Get(storage::Column::kUtxo, key);
  if (!stored) return std::unexpected(Error::Storage(stored.error()));
  if (!stored->has_value()) return static_cast<const Coin*>(nullptr);
  auto coin = DecodeCoin(**stored);
  if (!coin) {
    return Fail(ErrorCode::kCorruption, "undecodable utxo record for " + outpoint.txid.ToHex() +
                                            ":" + std::to_string(outpoint.index));
  }
  auto [it, inserted] = entries_.emplace(outpoint, Entry{.coin = std::move(*coin)});
  memory_ += EntryBytes(it->second);
  return &*it->second.coin;
}

void CoinsCache::Add(const primitives::OutPoint& outpoint, Coin coin) {
  auto [it, inserted] = entries_.try_emplace(outpoint);
  Entry& entry = it->second;
  if (!inserted) {
    memory_ -= EntryBytes(entry);
  } else {
    entry.fresh = true;  // not cached, so (with BIP34-unique txids) not in the database
  }
  if (!entry.dirty) ++dirty_;
  entry.coin = std::move(coin);
  entry.dirty = true;
  memory_ += EntryBytes(entry);
}

void CoinsCache::Spend(const primitives::OutPoint& outpoint) {
  auto it = entries_.find(outpoint);
  if (it == entries_.end()) {
    // Get() was called first, so a missing entry means the database has it: record a delete.
    it = entries_.emplace(outpoint, Entry{}).first;
  } else {
    memory_ -= EntryBytes(it->second);
  }
  Entry& entry = it->second;
  if (entry.fresh) {
    if (entry.dirty) --dirty_;
    entries_.erase(it);
    return;
  }
  if (!entry.dirty) ++dirty_;
  entry.coin.reset();
  entry.dirty = true;
  memory_ += EntryBytes(entry);
}

void CoinsCache::WriteChanges(storage::WriteBatch& batch) const {
  primitives::Writer value;
  for (const auto& [outpoint, entry] : entries_) {
    if (!entry.dirty) continue;
    const auto key = CoinKey(outpoint);
    if (entry.coin) {
      value = primitives::Writer(value.Take());
      SerializeCoin(value, *entry.coin);
      batch.Put(storage::Column::kUtxo, key, value.bytes());
    } else {
      batch.Delete(storage::Column::kUtxo, key);
    }
  }
}

void CoinsCache::MarkFlushed(bool evict) {
  dirty_ = 0;
  if (evict) {
    entries_.clear();
    memory_ = 0;
    return;
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (!it->second.coin) {
      memory_ -= EntryBytes(it->second);
      it = entries_.erase(it);
      continue;
    }
    it->second.dirty = false;
    it->second.fresh = false;
    ++it;
  }
}

Result<std::optional<Coin>> CoinsOverlay::Get(const primitives::OutPoint& outpoint) {
  if (auto it = changes_.find(outpoint); it != changes_.end()) return it->second;
  return base_.Get(outpoint);
}

void CoinsOverlay::Commit() {
  for (auto& [outpoint, coin] : changes_) {
    if (coin) {
      base_.Add(outpoint, std::move(*coin));
    } else {
      base_.Spend(outpoint);
    }
  }
  changes_.clear();
}

}  // namespace parthenon::chain
