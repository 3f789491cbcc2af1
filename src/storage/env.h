// Env: the operating-system file operations the storage layer uses, behind an interface so tests
// can inject I/O errors, short writes and a full disk (as LevelDB's Env). PosixEnv is the real
// one; FaultInjectingEnv (fault_env.h) wraps another Env.
//
// Thread-safety: Env implementations are thread-safe. A WritableFile is thread-compatible (one
// writer at a time); a RandomAccessFile is thread-safe (pread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

#include "storage/error.h"
#include "util/bytes.h"

namespace parthenon::storage {

// An append-only file.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of `data`; on failure some prefix may have been written.
  [[nodiscard]] virtual Result<void> Append(util::ByteSpan data) = 0;
  // Makes everything appended so far durable (fdatasync).
  [[nodiscard]] virtual Result<void> Sync() = 0;
  // Bytes in the file (including what was there when it was opened).
  virtual uint64_t Size() const = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Exactly `size` bytes at `offset`; kCorruption if the file ends first.
  [[nodiscard]] virtual Result<util::Bytes> Read(uint64_t offset, size_t size) const = 0;
  // Exactly out.size() bytes at `offset` into `out` (no allocation); kCorruption if the file
  // ends first. The default goes through Read().
  [[nodiscard]] virtual Result<void> ReadInto(uint64_t offset, std::span<std::byte> out) const;
  // The open descriptor, for the kernel to read from directly (sendfile(2)); -1 if this file has
  // none (e.g. a wrapper that injects faults: its readers must go through Read). Valid while the
  // object lives.
  virtual int Descriptor() const { return -1; }
};

class Env {
 public:
  virtual ~Env() = default;
  // Opens `path` for appending, creating it (mode 0600) if missing.
  [[nodiscard]] virtual Result<std::unique_ptr<WritableFile>> OpenAppendable(
      const std::filesystem::path& path) = 0;
  [[nodiscard]] virtual Result<std::unique_ptr<RandomAccessFile>> OpenReadable(
      const std::filesystem::path& path) = 0;
  // Creates `dir` and its parents with mode 0700.
  [[nodiscard]] virtual Result<void> CreateDirectories(const std::filesystem::path& dir) = 0;
  [[nodiscard]] virtual Result<void> Rename(const std::filesystem::path& from,
                                            const std::filesystem::path& to) = 0;
  [[nodiscard]] virtual Result<void> Remove(const std::filesystem::path& path) = 0;
  // Size of `path`, or kNotFound.
  [[nodiscard]] virtual Result<uint64_t> FileSize(const std::filesystem::path& path) = 0;
  // Bytes available to this process on the file system holding `path`.
  [[nodiscard]] virtual Result<uint64_t> FreeSpace(const std::filesystem::path& path) = 0;
};

// The process-wide POSIX environment.
Env& DefaultEnv();

// The error for a write refused or failed for lack of space on the file system of `path`:
// kDiskFull, "disk full: <path>, N bytes free, writes stopped" (N from env.FreeSpace).
Error DiskFullError(Env& env, const std::filesystem::path& path);

}  // namespace parthenon::storage
