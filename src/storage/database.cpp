#include "storage/database.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <string>

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
  std::unique_ptr<rocksdb::DB> db;
  std::array<rocksdb::ColumnFamilyHandle*, kAllColumns.size()> handles{};
  WriteFilter* write_filter = nullptr;

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
  db_options.keep_log_file_num = 2;
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

  auto impl = std::make_unique<Impl>();
  impl->db.reset(raw);
  impl->write_filter = options.write_filter;
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
  if (!status.ok()) return DbError(status, "write batch");
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
