// FlatFileStore: append-only record files `<dir>/<prefix>NNNNN.dat` (blk for blocks, rev for
// undo data), DESIGN.md §5. A record is
//
//   magic[4] | payload length u32 LE | checksum[4] = SHA256d(payload)[0..4] | payload
//
// so a reader can detect a torn or corrupted record and name its file and offset. Files roll
// over at `max_file_size`. Append does not sync: callers call Sync() before writing anything
// (an index entry) that points at the record.
//
// Thread-safety: thread-safe (internal mutex; reads use pread on cached descriptors).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "storage/env.h"
#include "util/mutex.h"

namespace parthenon::storage {

// Where a record lives.
struct FilePos {
  uint32_t file = 0;
  uint64_t offset = 0;  // of the record's magic
  uint32_t size = 0;    // payload bytes
  bool operator==(const FilePos&) const = default;
};

inline constexpr size_t kRecordHeaderSize = 12;
inline constexpr size_t kRecordChecksumOffset = 8;

// A stored record's payload, checked against its stored checksum, to be sent straight from the
// file (sendfile(2)) or by one read. It shares the store's open file, which stays open for as
// long as the segment lives (the store may be gone by then). Thread-safe (pread only).
struct RecordSegment {
  std::shared_ptr<const RandomAccessFile> file;
  uint64_t offset = 0;                  // of the payload in the file
  uint32_t size = 0;                    // payload bytes
  std::array<std::byte, 4> checksum{};  // SHA256d(payload)[0..4], as stored and as verified
  util::Bytes prefix;                   // the payload's first bytes (as many as asked for)
};

class FlatFileStore {
 public:
  struct Options {
    std::filesystem::path dir;
    std::string prefix;                    // "blk" or "rev"
    std::array<std::byte, 4> magic{};      // the network magic
    uint64_t max_file_size = 128ull << 20;
    uint64_t min_free_bytes = 16ull << 20;  // refuse to write below this much free space
    Env* env = nullptr;                     // nullptr: DefaultEnv(); must outlive the store
  };

  // Creates `dir` if needed and continues after the last existing file's end.
  [[nodiscard]] static Result<std::unique_ptr<FlatFileStore>> Open(Options options);

  // Appends one record. kDiskFull ("disk full: <dir>, N bytes free, writes stopped") if free
  // space is below the margin or the file system runs out.
  [[nodiscard]] Result<FilePos> Append(util::ByteSpan payload) EXCLUDES(mutex_);
  // The same for a payload whose checksum is already known, e.g. a block as it arrived in a P2P
  // frame (whose checksum, SHA256d(payload)[0..4], the frame decoder verified): stored as it
  // came, without hashing it again. REQUIRES: checksum == SHA256d(payload)[0..4].
  [[nodiscard]] Result<FilePos> Append(util::ByteSpan payload, const std::array<std::byte, 4>& checksum)
      EXCLUDES(mutex_);
  // fdatasync of the file being appended to (earlier files were synced when they filled up).
  [[nodiscard]] Result<void> Sync() EXCLUDES(mutex_);
  // The payload at `pos`; kCorruption (naming file and offset) if the record does not check.
  [[nodiscard]] Result<util::Bytes> Read(const FilePos& pos) const EXCLUDES(mutex_);
  // The whole checked record, header included (magic | length | checksum | payload): its
  // checksum is SHA256d(payload)[0..4], the P2P frame checksum of the payload, so a stored block
  // can be framed without hashing it again.
  [[nodiscard]] Result<util::Bytes> ReadRecord(const FilePos& pos) const EXCLUDES(mutex_);

  // The record at `pos` as a segment of its file, checked before it is handed out: its header
  // (magic, length) always, and its payload against the stored checksum, read in small chunks
  // (nothing of it is kept in memory but the first `prefix_bytes`). A record whose payload
  // checked once is not hashed again while its file stays exactly as it was then (same inode,
  // size, modification and change time: any write to the file, ours or anyone's, or a
  // truncation, makes the next call hash it again); files without a descriptor are hashed every
  // time. kCorruption (naming file and offset) for a truncated, mislabelled or damaged record, so
  // a caller learns of damage before it sends anything. A file cut short after the check shows
  // as a short read while sending; the sender must then abort the transfer.
  [[nodiscard]] Result<RecordSegment> VerifiedSegment(const FilePos& pos, size_t prefix_bytes) const
      EXCLUDES(mutex_);

  std::filesystem::path FilePath(uint32_t file) const;

 private:
  explicit FlatFileStore(Options options);
  [[nodiscard]] Result<void> OpenForAppend(uint32_t file) REQUIRES(mutex_);
  [[nodiscard]] Result<std::shared_ptr<const RandomAccessFile>> Reader(uint32_t file) const
      EXCLUDES(mutex_);
  // kCorruption unless `header` (kRecordHeaderSize bytes) is a record header for `pos`.
  [[nodiscard]] Result<void> CheckHeader(util::ByteSpan header, const FilePos& pos) const;
  // The error for a read at `pos`: kCorruption from the file means the record is truncated.
  Error ReadError(Error error, const FilePos& pos) const;
  std::string Where(const FilePos& pos) const;
  // A kDiskFull error (ENOSPC from the OS) restated with the free space (DiskFullError).
  Error WithSpace(Error error) const;

  // Constant after construction.
  const Options options_;
  Env& env_;

  mutable util::Mutex mutex_;
  uint32_t current_file_ GUARDED_BY(mutex_) = 0;
  std::unique_ptr<WritableFile> writer_ GUARDED_BY(mutex_);
  // What a file looked like when its records in `offsets` were verified (VerifiedSegment).
  struct FileStamp {
    uint64_t inode = 0;
    uint64_t size = 0;
    int64_t modified_ns = 0;
    int64_t changed_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  struct VerifiedRecords {
    FileStamp stamp;
    std::set<uint64_t> offsets;
  };
  static std::optional<FileStamp> StampOf(const RandomAccessFile& file);
  bool AlreadyVerified(const FilePos& pos, const FileStamp& stamp) const EXCLUDES(mutex_);
  void RememberVerified(const FilePos& pos, const FileStamp& stamp) const EXCLUDES(mutex_);
  // Hashes the payload of `segment` in chunks, keeping its first `prefix_bytes`.
  [[nodiscard]] Result<void> VerifyPayload(RecordSegment& segment, const FilePos& pos,
                                           size_t prefix_bytes) const;

  // Shared with the RecordSegments handed out; never closed while the store lives.
  mutable std::map<uint32_t, std::shared_ptr<const RandomAccessFile>> readers_ GUARDED_BY(mutex_);
  // Records verified per file (bounded: forgotten all at once past kMaxVerifiedRecords).
  static constexpr size_t kMaxVerifiedRecords = 1 << 20;
  mutable std::map<uint32_t, VerifiedRecords> verified_ GUARDED_BY(mutex_);
  mutable size_t verified_count_ GUARDED_BY(mutex_) = 0;
};

}  // namespace parthenon::storage
