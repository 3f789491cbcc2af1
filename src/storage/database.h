// Database: the node's one RocksDB instance (`<datadir>/db`) with the column families of
// DESIGN.md §5. RocksDB types stay inside src/storage: callers see column enums, byte keys and
// values, and a WriteBatch of their own that is committed atomically.
//
// Thread-safety: thread-safe (RocksDB is; the wrapper adds no mutable state after Open).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "storage/env.h"
#include "storage/error.h"
#include "util/bytes.h"

namespace parthenon::storage {

enum class Column {
  kBlockIndex,
  kUtxo,
  kPeers,
  kBans,
  kWallet,
  kMeta,
};
inline constexpr std::array<Column, 6> kAllColumns = {Column::kBlockIndex, Column::kUtxo,
                                                      Column::kPeers,      Column::kBans,
                                                      Column::kWallet,     Column::kMeta};

// The column family's name on disk: "block_index", "utxo", ...
std::string_view Name(Column column);

// A set of puts and deletes applied all or nothing by Database::Write. Thread-compatible.
class WriteBatch {
 public:
  enum class Op { kPut, kDelete };
  struct Entry {
    Op op;
    Column column;
    util::Bytes key;
    util::Bytes value;
  };
  void Put(Column column, util::ByteSpan key, util::ByteSpan value);
  void Delete(Column column, util::ByteSpan key);
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

// Test seam: consulted before each batch commit; an error aborts the commit (nothing written).
class WriteFilter {
 public:
  virtual ~WriteFilter() = default;
  [[nodiscard]] virtual Result<void> BeforeWrite(const WriteBatch& batch) = 0;
};

class Database {
 public:
  struct Options {
    std::filesystem::path path;             // the RocksDB directory, e.g. <datadir>/db
    size_t block_cache_bytes = 64 << 20;    // shared LRU cache of every column family
    size_t write_buffer_bytes = 32 << 20;   // per-column-family memtable
    WriteFilter* write_filter = nullptr;    // tests only; must outlive the Database
    // Writes are refused with kDiskFull below this much free space, so RocksDB itself never
    // meets a full disk (0: no check). Smaller than the block store's margin, so the index
    // entry of a block that was stored still fits.
    uint64_t min_free_bytes = 8ull << 20;
    // Free-space queries, and (when set) every file RocksDB writes goes through it, so a
    // FaultInjectingEnv reaches the WAL and tables. nullptr: DefaultEnv() for free space and
    // RocksDB's own file system for files. Must outlive the Database.
    Env* env = nullptr;
  };

  // Opens (creating if needed) the database with all column families. The directory is made
  // mode 0700 and RocksDB's files are created under umask 077, so no other user can read the
  // wallet's keys.
  [[nodiscard]] static Result<std::unique_ptr<Database>> Open(const Options& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // nullopt if the key is absent.
  [[nodiscard]] Result<std::optional<util::Bytes>> Get(Column column, util::ByteSpan key) const;
  // Writes `batch` atomically; with `sync` the write-ahead log is fsync'd before returning.
  // kDiskFull ("disk full: <path>, N bytes free, writes stopped") below Options::min_free_bytes
  // or when the disk runs out. After any failed write the database is no longer flushed when it
  // closes: what was acknowledged is in the synced write-ahead log, replayed at the next Open.
  [[nodiscard]] Result<void> Write(const WriteBatch& batch, bool sync = true);
  [[nodiscard]] Result<void> Put(Column column, util::ByteSpan key, util::ByteSpan value,
                                 bool sync = true);
  [[nodiscard]] Result<void> Delete(Column column, util::ByteSpan key, bool sync = true);

  // Calls `visit(key, value)` for every key starting with `prefix`, in key order, until it
  // returns false. The spans live only during the call.
  using Visitor = std::function<bool(util::ByteSpan key, util::ByteSpan value)>;
  [[nodiscard]] Result<void> Scan(Column column, util::ByteSpan prefix, const Visitor& visit) const;

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A handle to one column family, for higher layers (wallet, peer database) that own a column.
// Thread-safe; REQUIRES: the Database outlives it.
class ColumnHandle {
 public:
  ColumnHandle(Database& db, Column column) : db_(db), column_(column) {}
  [[nodiscard]] Result<std::optional<util::Bytes>> Get(util::ByteSpan key) const {
    return db_.Get(column_, key);
  }
  // `sync` as in Database::Put (false: the write reaches the WAL, surviving a process crash but
  // not a power loss, at a fraction of the cost).
  [[nodiscard]] Result<void> Put(util::ByteSpan key, util::ByteSpan value, bool sync = true) {
    return db_.Put(column_, key, value, sync);
  }
  [[nodiscard]] Result<void> Delete(util::ByteSpan key, bool sync = true) {
    return db_.Delete(column_, key, sync);
  }
  [[nodiscard]] Result<void> Scan(util::ByteSpan prefix, const Database::Visitor& visit) const {
    return db_.Scan(column_, prefix, visit);
  }

 private:
  Database& db_;
  const Column column_;
};

}  // namespace parthenon::storage
