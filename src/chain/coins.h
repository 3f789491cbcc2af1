// The UTXO set: Coin records, their on-disk encoding, and CoinsCache, the in-memory write-back
// cache over the `utxo` column family. Flush() writes every change since the last flush into a
// caller's WriteBatch so the UTXO changes and the best-block marker commit together.
//
// Thread-safety: Coin and the codecs are thread-safe. CoinsCache and CoinsOverlay are
// thread-compatible: the Chainstate guards them with its mutex.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "chain/errors.h"
#include "primitives/transaction.h"
#include "storage/database.h"

namespace parthenon::chain {

struct Coin {
  primitives::TxOut out;
  int32_t height = 0;
  bool coinbase = false;
  bool operator==(const Coin&) const = default;
};

// Record: varint(height * 2 + coinbase) | value i64 | var script. Shared by the utxo column
// and undo records.
void SerializeCoin(primitives::Writer& out, const Coin& coin);
Coin ReadCoin(primitives::Reader& in);
[[nodiscard]] primitives::Result<Coin> DecodeCoin(util::ByteSpan data);

// UTXO key: txid (32 bytes) | index u32 big-endian, so a transaction's outputs sort together.
std::array<std::byte, 36> CoinKey(const primitives::OutPoint& outpoint);

// Undo data of one block: the coins its transactions spent, in transaction then input order.
struct BlockUndo {
  std::vector<Coin> spent;
  bool operator==(const BlockUndo&) const = default;
};
util::Bytes SerializeUndo(const BlockUndo& undo);
[[nodiscard]] primitives::Result<BlockUndo> DecodeUndo(util::ByteSpan data);

struct OutPointHasher {
  size_t operator()(const primitives::OutPoint& outpoint) const noexcept {
    return static_cast<size_t>(outpoint.txid.Cheap64() ^ (outpoint.index * 0x9e3779b97f4a7c15ull));
  }
};

class CoinsCache {
 public:
  // REQUIRES: `db` outlives the cache.
  explicit CoinsCache(storage::Database& db) : db_(db) {}

  // The unspent coin at `outpoint`, from the cache or the database (then cached).
  [[nodiscard]] Result<std::optional<Coin>> Get(const primitives::OutPoint& outpoint);
  // As Get, without copying the coin: nullptr if there is none. The pointer is valid until the
  // next call of a non-const method.
  [[nodiscard]] Result<const Coin*> Find(const primitives::OutPoint& outpoint);
  void Add(const primitives::OutPoint& outpoint, Coin coin);
  // Marks the coin spent. REQUIRES: it is unspent (Get returned it).
  void Spend(const primitives::OutPoint& outpoint);

  // Puts every change since the last flush into `batch`.
  void WriteChanges(storage::WriteBatch& batch) const;
  // After `batch` committed: changes become clean; with `evict`, the cache is emptied.
  void MarkFlushed(bool evict);
  // Approximate heap bytes held.
  size_t MemoryUsage() const { return memory_; }
  size_t DirtyCount() const { return dirty_; }

 private:
  struct Entry {
    std::optional<Coin> coin;  // nullopt: spent
    bool dirty = false;        // differs from the database
    bool fresh = false;        // not in the database: spending it needs no delete
  };
  static size_t EntryBytes(const Entry& entry);

  storage::Database& db_;
  std::unordered_map<primitives::OutPoint, Entry, OutPointHasher> entries_;
  size_t memory_ = 0;
  size_t dirty_ = 0;
};

// Changes of one block (or one transaction check) on top of a CoinsCache, applied only when the
// whole block is valid.
class CoinsOverlay {
 public:
  explicit CoinsOverlay(CoinsCache& base) : base_(base) {}
  [[nodiscard]] Result<std::optional<Coin>> Get(const primitives::OutPoint& outpoint);
  void Add(const primitives::OutPoint& outpoint, Coin coin) { changes_[outpoint] = std::move(coin); }
  void Spend(const primitives::OutPoint& outpoint) { changes_[outpoint] = std::nullopt; }
  // Applies the changes to the base cache.
  void Commit();

 private:
  CoinsCache& base_;
  std::unordered_map<primitives::OutPoint, std::optional<Coin>, OutPointHasher> changes_;
};

}  // namespace parthenon::chain
