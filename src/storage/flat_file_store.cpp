#include "storage/flat_file_store.h"

#include <sys/stat.h>

#include <cstdio>
#include <algorithm>
#include <cstring>

#include "crypto/sha256.h"

namespace parthenon::storage {
namespace {

std::array<std::byte, 4> Checksum(util::ByteSpan payload) {
  const auto hash = crypto::Sha256d(payload);
  std::array<std::byte, 4> out;
  std::memcpy(out.data(), hash.data(), 4);
  return out;
}

}  // namespace

FlatFileStore::FlatFileStore(Options options)
    : options_(std::move(options)), env_(options_.env != nullptr ? *options_.env : DefaultEnv()) {}

std::filesystem::path FlatFileStore::FilePath(uint32_t file) const {
  char name[32];
  std::snprintf(name, sizeof(name), "%s%05u.dat", options_.prefix.c_str(), file);
  return options_.dir / name;
}

Result<std::unique_ptr<FlatFileStore>> FlatFileStore::Open(Options options) {
  std::unique_ptr<FlatFileStore> store(new FlatFileStore(std::move(options)));
  PARTHENON_TRY(store->env_.CreateDirectories(store->options_.dir));
  uint32_t last = 0;
  while (store->env_.FileSize(store->FilePath(last + 1))) ++last;
  util::MutexLock lock(store->mutex_);
  PARTHENON_TRY(store->OpenForAppend(last));
  return store;
}

Result<void> FlatFileStore::OpenForAppend(uint32_t file) {
  auto writer = env_.OpenAppendable(FilePath(file));
  if (!writer) return std::unexpected(writer.error());
  writer_ = std::move(*writer);
  current_file_ = file;
  return {};
}

Result<FilePos> FlatFileStore::Append(util::ByteSpan payload) {
  return Append(payload, Checksum(payload));
}

Result<FilePos> FlatFileStore::Append(util::ByteSpan payload, const std::array<std::byte, 4>& checksum) {
  util::MutexLock lock(mutex_);
  const uint64_t record_size = kRecordHeaderSize + payload.size();
  auto free = env_.FreeSpace(options_.dir);
  if (!free) return std::unexpected(free.error());
  if (*free < record_size + options_.min_free_bytes) return std::unexpected(DiskFullError(env_, options_.dir));
  if (writer_->Size() > 0 && writer_->Size() + record_size > options_.max_file_size) {
    PARTHENON_TRY(writer_->Sync());
    PARTHENON_TRY(OpenForAppend(current_file_ + 1));
  }
  util::Bytes record(record_size);
  std::memcpy(record.data(), options_.magic.data(), 4);
  util::WriteLE<uint32_t>(record.data() + 4, static_cast<uint32_t>(payload.size()));
  std::memcpy(record.data() + 8, checksum.data(), 4);
  if (!payload.empty()) std::memcpy(record.data() + kRecordHeaderSize, payload.data(), payload.size());
  const FilePos pos{current_file_, writer_->Size(), static_cast<uint32_t>(payload.size())};
  if (auto appended = writer_->Append(record); !appended) {
    // A torn record may be left behind; nothing points at it. Continue in a fresh file so later
    // records never follow garbage whose length we do not know.
    (void)OpenForAppend(current_file_ + 1);
    return std::unexpected(WithSpace(appended.error()));
  }
  return pos;
}

Result<void> FlatFileStore::Sync() {
  util::MutexLock lock(mutex_);
  if (auto synced = writer_->Sync(); !synced) return std::unexpected(WithSpace(synced.error()));
  return {};
}

Error FlatFileStore::WithSpace(Error error) const {
  if (error.code != ErrorCode::kDiskFull) return error;
  return DiskFullError(env_, options_.dir);
}

Result<std::shared_ptr<const RandomAccessFile>> FlatFileStore::Reader(uint32_t file) const {
  util::MutexLock lock(mutex_);
  auto it = readers_.find(file);
  if (it != readers_.end()) return it->second;
  auto reader = env_.OpenReadable(FilePath(file));
  if (!reader) return std::unexpected(reader.error());
  return readers_.emplace(file, std::move(*reader)).first->second;
}

std::string FlatFileStore::Where(const FilePos& pos) const {
  return FilePath(pos.file).string() + " offset " + std::to_string(pos.offset);
}

Error FlatFileStore::ReadError(Error error, const FilePos& pos) const {
  if (error.code != ErrorCode::kCorruption) return error;
  return Error{ErrorCode::kCorruption, Where(pos) + ": truncated record"};
}

Result<void> FlatFileStore::CheckHeader(util::ByteSpan header, const FilePos& pos) const {
  if (std::memcmp(header.data(), options_.magic.data(), 4) != 0) {
    return MakeError(ErrorCode::kCorruption, Where(pos) + ": bad record magic");
  }
  if (util::ReadLE<uint32_t>(header.data() + 4) != pos.size) {
    return MakeError(ErrorCode::kCorruption, Where(pos) + ": record length does not match the index");
  }
  return {};
}

Result<util::Bytes> FlatFileStore::Read(const FilePos& pos) const {
  auto record = ReadRecord(pos);
  if (!record) return record;
  record->erase(record->begin(), record->begin() + kRecordHeaderSize);
  return record;
}

Result<util::Bytes> FlatFileStore::ReadRecord(const FilePos& pos) const {
  auto reader = Reader(pos.file);
  if (!reader) return std::unexpected(reader.error());
  auto record = (*reader)->Read(pos.offset, kRecordHeaderSize + pos.size);
  if (!record) return std::unexpected(ReadError(record.error(), pos));
  PARTHENON_TRY(CheckHeader(*record, pos));
  const util::ByteSpan payload = util::ByteSpan(*record).subspan(kRecordHeaderSize);
  const auto checksum = Checksum(payload);
  if (std::memcmp(record->data() + 8, checksum.data(), 4) != 0) {
    return MakeError(ErrorCode::kCorruption, Where(pos) + ": record checksum mismatch");
  }
  return std::move(*record);
}

std::optional<FlatFileStore::FileStamp> FlatFileStore::StampOf(const RandomAccessFile& file) {
  struct stat st {};
  if (file.Descriptor() < 0 || ::fstat(file.Descriptor(), &st) != 0) return std::nullopt;
  auto ns = [](const timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; };
  return FileStamp{static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size), ns(st.st_mtim),
                   ns(st.st_ctim)};
}

bool FlatFileStore::AlreadyVerified(const FilePos& pos, const FileStamp& stamp) const {
  util::MutexLock lock(mutex_);
  auto it = verified_.find(pos.file);
  return it != verified_.end() && it->second.stamp == stamp && it->second.offsets.contains(pos.offset);
}

void FlatFileStore::RememberVerified(const FilePos& pos, const FileStamp& stamp) const {
  util::MutexLock lock(mutex_);
  if (verified_count_ >= kMaxVerifiedRecords) {
    verified_.clear();
    verified_count_ = 0;
  }
  auto& records = verified_[pos.file];
  if (records.stamp != stamp) {  // the file changed since: what was verified no longer counts
    verified_count_ -= records.offsets.size();
    records = VerifiedRecords{stamp, {}};
  }
  verified_count_ += records.offsets.insert(pos.offset).second ? 1 : 0;
}

Result<void> FlatFileStore::VerifyPayload(RecordSegment& segment, const FilePos& pos,
                                          size_t prefix_bytes) const {
  // Small enough to stay in the L2 cache between the read and the hash.
  constexpr size_t kChunk = 128 * 1024;
  thread_local util::Bytes chunk(kChunk);
  crypto::Sha256 hasher;
  for (uint64_t done = 0; done < pos.size;) {
    const auto take = static_cast<size_t>(std::min<uint64_t>(kChunk, pos.size - done));
    const std::span<std::byte> part(chunk.data(), take);
    if (auto read = segment.file->ReadInto(segment.offset + done, part); !read) {
      return std::unexpected(ReadError(read.error(), pos));
    }
    hasher.Write(part);
    if (segment.prefix.size() < prefix_bytes) {
      const size_t keep = std::min(prefix_bytes - segment.prefix.size(), take);
      segment.prefix.insert(segment.prefix.end(), part.begin(), part.begin() + static_cast<ptrdiff_t>(keep));
    }
    done += take;
  }
  const crypto::Digest first = hasher.Finalize();
  const crypto::Digest second = hasher.Write(first).Finalize();
  if (std::memcmp(second.data(), segment.checksum.data(), 4) != 0) {
    return MakeError(ErrorCode::kCorruption, Where(pos) + ": record checksum mismatch");
  }
  return {};
}

Result<RecordSegment> FlatFileStore::VerifiedSegment(const FilePos& pos, size_t prefix_bytes) const {
  auto reader = Reader(pos.file);
  if (!reader) return std::unexpected(reader.error());
  RecordSegment segment{.file = *reader, .offset = pos.offset + kRecordHeaderSize, .size = pos.size};
  // Taken before reading: a change while we read makes the next call verify again.
  const auto stamp = StampOf(*segment.file);
  std::array<std::byte, kRecordHeaderSize> header;
  if (auto read = segment.file->ReadInto(pos.offset, header); !read) {
    return std::unexpected(ReadError(read.error(), pos));
  }
  PARTHENON_TRY(CheckHeader(header, pos));
  std::memcpy(segment.checksum.data(), header.data() + kRecordChecksumOffset, 4);
  if (stamp && pos.offset + kRecordHeaderSize + pos.size > stamp->size) {
    return MakeError(ErrorCode::kCorruption, Where(pos) + ": truncated record");
  }
  if (stamp && AlreadyVerified(pos, *stamp)) {
    segment.prefix.resize(std::min<size_t>(prefix_bytes, pos.size));
    if (auto read = segment.file->ReadInto(segment.offset, segment.prefix); !read) {
      return std::unexpected(ReadError(read.error(), pos));
    }
    return segment;
  }
  PARTHENON_TRY(VerifyPayload(segment, pos, prefix_bytes));
  if (stamp) RememberVerified(pos, *stamp);
  return segment;
}

}  // namespace parthenon::storage
