#include "storage/database.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "util/logging.h"

namespace parthenon::storage {

std::string_view Name(Column column) {
  switch (column) {
    case Column::kBlockIndex: return "block_index";
    case Column::kUtxo: return "utxo";
    case Column::kPeers: return "peers";
    case Column::kBans: return "bans";
    case Column::kWallet: return "wallet";
    case Column::kMeta: return "meta";
  }
  return "unknown";
}

void WriteBatch::Put(Column column, util::ByteSpan key, util::ByteSpan value) {
  entries_.push_back({Op::kPut, column, util::ToBytes(key), util::ToBytes(value)});
}

void WriteBatch::Delete(Column column, util::ByteSpan key) {
  entries_.push_back({Op::kDelete, column, util::ToBytes(key), {}});
}

namespace {

rocksdb::Slice ToSlice(util::ByteSpan bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

util::ByteSpan FromSlice(const rocksdb::Slice& slice) {
  return {reinterpret_cast<const std::byte*>(slice.data()), slice.size()};
}

std::unexpected<Error> DbError(const rocksdb::Status& status, std::string_view what) {
  const ErrorCode code = status.IsCorruption()  ? ErrorCode::kCorruption
                         : status.IsNoSpace()   ? ErrorCode::kDiskFull
                         : status.IsIOError()   ? ErrorCode::kIo
                                                : ErrorCode::kDatabase;
  return MakeError(code, std::string(what) + ": " + status.ToString());
}

// RocksDB's own log, forwarded to the chain logger (warnings and errors only).
//
// Why not RocksDB's default `<db>/LOG` file: on a full disk its writer fails once and then
// asserts (`sync_without_flush_called_` in writable_file_writer.h, RocksDB 7.8 as Debian ships
// it, with assertions on) at the next line it logs, which RocksDB writes exactly while handling
// the write error and while closing: the node aborted on stop after ENOSPC. Our log sinks treat
// a failed write as a dropped line. Thread-safe (spdlog loggers are).
class ForwardingLogger final : public rocksdb::Logger {
 public:
  ForwardingLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Write(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level >= GetInfoLogLevel()) Write(level, format, ap);
  }

 private:
  static void Write(rocksdb::InfoLogLevel level, const char* format, va_list ap) {
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, ap);
    const auto spd = level >= rocksdb::InfoLogLevel::ERROR_LEVEL ? spdlog::level::err
                     : level == rocksdb::InfoLogLevel::WARN_LEVEL ? spdlog::level::warn
                                                                  : spdlog::level::debug;
    util::Log(util::LogCategory::kChain).log(spd, "rocksdb: {}", line);
  }
};

rocksdb::IOStatus ToIOStatus(const Error& error) {
  if (error.code == ErrorCode::kDiskFull) return rocksdb::IOStatus::NoSpace(error.detail);
  return rocksdb::IOStatus::IOError(error.Message());
}

// A RocksDB file written through a storage::WritableFile. Thread-compatible, as RocksDB uses it.
class EnvWritableFile final : public rocksdb::FSWritableFile {
 public:
  explicit EnvWritableFile(std::unique_ptr<WritableFile> file) : file_(std::move(file)) {}
  using rocksdb::FSWritableFile::Append;
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    if (auto appended = file_->Append(FromSlice(data)); !appended) return ToIOStatus(appended.error());
    return rocksdb::IOStatus::OK();
  }
  // The descriptor closes with the object; appends are unbuffered.
  rocksdb::IOStatus Close(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
    if (auto synced = file_->Sync(); !synced) return ToIOStatus(synced.error());
    return rocksdb::IOStatus::OK();
  }
  uint64_t GetFileSize(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override { return file_->Size(); }

 private:
  std::unique_ptr<WritableFile> file_;
};

// RocksDB's file system with new writable files made by a storage::Env (Options::env), so a
// FaultInjectingEnv reaches the write-ahead log and tables. Reads, renames and directories go
// to RocksDB's default file system. Thread-safe (the Env is).
class EnvFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit EnvFileSystem(Env& env) : rocksdb::FileSystemWrapper(rocksdb::FileSystem::Default()), env_(env) {}
  const char* Name() const override { return "ParthenonEnvFileSystem"; }
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions&,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext*) override {
    if (auto removed = env_.Remove(name); !removed) return ToIOStatus(removed.error());  // RocksDB wants it new
    auto file = env_.OpenAppendable(name);
    if (!file) return ToIOStatus(file.error());
    *result = std::make_unique<EnvWritableFile>(std::move(*file));
    return rocksdb::IOStatus::OK();
  }

 private:
  Env& env_;
};

// Point lookups dominate the UTXO column: a bloom filter skips SST files without the key, a
// hash index inside data blocks avoids the binary search, and no compression avoids
// decompressing a block per read. Index and filter blocks live in the shared cache.
rocksdb::ColumnFamilyOptions ColumnOptions(Column column, const Database::Options& options,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = options.write_buffer_bytes;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.format_version = 5;
  if (column == Column::kUtxo || column == Column::kBlockIndex) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
    table.block_size = 4096;
    cf.compression = rocksdb::kNoCompression;
    cf.memtable_prefix_bloom_size_ratio = 0.05;
    cf.memtable_whole_key_filtering = true;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

struct Database::Impl {
  // Constant after Open; `env` (RocksDB's, when Options::env is set) outlives `db`.
  std::unique_ptr<rocksdb::Env> env;
  std::unique_ptr<rocksdb::DB> db;
  std::array<rocksdb::ColumnFamilyHandle*, kAllColumns.size()> handles{};
  WriteFilter* write_filter = nullptr;
  Env* free_space_env = nullptr;
  std::filesystem::path path;
  uint64_t min_free_bytes = 0;
  // Set by the first failed or refused write.
  std::atomic<bool> write_failed{false};

  // After a write failed, closing must not flush the memtables onto a disk that has no room:
  // the synced WAL already holds every acknowledged write and Open replays it.
  void NoteWriteFailure() {
    if (write_failed.exchange(true)) return;
    (void)db->SetDBOptions({{"avoid_flush_during_shutdown", "true"}});
  }

  rocksdb::ColumnFamilyHandle* Handle(Column column) const {
    return handles[static_cast<size_t>(column)];
  }
  ~Impl() {
    if (!db) return;
    for (auto* handle : handles) {
      if (handle != nullptr) (void)db->DestroyColumnFamilyHandle(handle);
    }
    (void)db->Close();
  }
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::Open(const Options& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) return MakeError(ErrorCode::kIo, options.path.string() + ": " + ec.message());
  std::filesystem::permissions(options.path, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  if (ec) return MakeError(ErrorCode::kIo, options.path.string() + ": chmod: " + ec.message());

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.max_open_files = -1;
  db_options.info_log = std::make_shared<ForwardingLogger>();
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  auto impl = std::make_unique<Impl>();
  if (options.env != nullptr) {
    impl->env = rocksdb::NewCompositeEnv(std::make_shared<EnvFileSystem>(*options.env));
    db_options.env = impl->env.get();
  }
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (Column column : kAllColumns) {
    descriptors.emplace_back(std::string(Name(column)), ColumnOptions(column, options, cache));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const auto status = rocksdb::DB::Open(db_options, options.path.string(), descriptors, &handles, &raw);
  if (!status.ok()) return DbError(status, "open " + options.path.string());

  impl->db.reset(raw);
  impl->write_filter = options.write_filter;
  impl->free_space_env = options.env != nullptr ? options.env : &DefaultEnv();
  impl->path = options.path;
  impl->min_free_bytes = options.min_free_bytes;
  (void)raw->DestroyColumnFamilyHandle(handles[0]);  // the default family is unused
  for (size_t i = 0; i < kAllColumns.size(); ++i) impl->handles[i] = handles[i + 1];
  // Files RocksDB already created: owner-only, like the directory.
  for (const auto& entry : std::filesystem::directory_iterator(options.path, ec)) {
    std::filesystem::permissions(entry.path(),
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace, ec);
  }
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

Result<std::optional<util::Bytes>> Database::Get(Column column, util::ByteSpan key) const {
  rocksdb::PinnableSlice value;
  const auto status = impl_->db->Get(rocksdb::ReadOptions(), impl_->Handle(column), ToSlice(key), &value);
  if (status.IsNotFound()) return std::optional<util::Bytes>();
  if (!status.ok()) return DbError(status, "get from " + std::string(Name(column)));
  return std::optional<util::Bytes>(util::ToBytes(FromSlice(value)));
}

Result<void> Database::Write(const WriteBatch& batch, bool sync) {
  if (impl_->write_filter != nullptr) PARTHENON_TRY(impl_->write_filter->BeforeWrite(batch));
  if (impl_->min_free_bytes > 0) {
    auto free = impl_->free_space_env->FreeSpace(impl_->path);
    if (free && *free < impl_->min_free_bytes) {
      impl_->NoteWriteFailure();
      return std::unexpected(DiskFullError(*impl_->free_space_env, impl_->path));
    }
  }
  rocksdb::WriteBatch rocks_batch;
  for (const auto& entry : batch.entries()) {
    switch (entry.op) {
      case WriteBatch::Op::kPut:
        rocks_batch.Put(impl_->Handle(entry.column), ToSlice(entry.key), ToSlice(entry.value));
        break;
      case WriteBatch::Op::kDelete:
        rocks_batch.Delete(impl_->Handle(entry.column), ToSlice(entry.key));
        break;
    }
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  const auto status = impl_->db->Write(write_options, &rocks_batch);
  if (!status.ok()) {
    impl_->NoteWriteFailure();
    if (status.IsNoSpace()) return std::unexpected(DiskFullError(*impl_->free_space_env, impl_->path));
    return DbError(status, "write batch");
  }
  return {};
}

Result<void> Database::Put(Column column, util::ByteSpan key, util::ByteSpan value, bool sync) {
  WriteBatch batch;
  batch.Put(column, key, value);
  return Write(batch, sync);
}

Result<void> Database::Delete(Column column, util::ByteSpan key, bool sync) {
  WriteBatch batch;
  batch.Delete(column, key);
  return Write(batch, sync);
}

Result<void> Database::Scan(Column column, util::ByteSpan prefix, const Visitor& visit) const {
  rocksdb::ReadOptions read_options;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options, impl_->Handle(column)));
  const rocksdb::Slice prefix_slice = ToSlice(prefix);
  // An empty prefix has a null data pointer, which Slice::starts_with would pass to memcmp.
  if (prefix.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(prefix_slice);
  }
  for (; it->Valid() && (prefix.empty() || it->key().starts_with(prefix_slice)); it->Next()) {
    if (!visit(FromSlice(it->key()), FromSlice(it->value()))) break;
  }
  if (!it->status().ok()) return DbError(it->status(), "scan " + std::string(Name(column)));
  return {};
}

}  // namespace parthenon::storage
