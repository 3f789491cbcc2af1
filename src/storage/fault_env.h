// FaultInjectingEnv: an Env that forwards to another Env but can be told to fail the Nth mutating
// operation (Append or Sync), to make that Append a short write, or to behave as a full disk.
// Used by crash-safety tests; a production node never constructs one.
//
// Thread-safety: thread-safe (an internal mutex guards the fault plan and counters).
#pragma once

#include <cstdint>
#include <optional>

#include "storage/env.h"
#include "util/mutex.h"

namespace parthenon::storage {

enum class Fault {
  kIoError,     // the operation fails with kInjected, nothing written
  kShortWrite,  // an Append writes half its bytes, then fails with kShortWrite
  kDiskFull,    // the operation fails with kDiskFull, and so does every later write
};

class FaultInjectingEnv final : public Env {
 public:
  // REQUIRES: `base` outlives this Env.
  explicit FaultInjectingEnv(Env& base) : base_(base) {}

  // The `n`th mutating operation from now (1 = the next one) fails with `fault`.
  void FailNthWrite(uint64_t n, Fault fault) EXCLUDES(mutex_);
  // Clears any planned fault and a full disk.
  void Heal() EXCLUDES(mutex_);
  // Mutating operations (Append, Sync) seen so far.
  uint64_t WriteCount() const EXCLUDES(mutex_);
  // Reports `bytes` free from FreeSpace (nullopt: ask the base Env).
  void SetFreeSpace(std::optional<uint64_t> bytes) EXCLUDES(mutex_);

  // Called by the wrapped files before each mutating operation: the fault to inject, if any.
  std::optional<Fault> NextWrite() EXCLUDES(mutex_);

  Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::filesystem::path& path) override;
  Result<std::unique_ptr<RandomAccessFile>> OpenReadable(const std::filesystem::path& path) override {
    return base_.OpenReadable(path);
  }
  Result<void> CreateDirectories(const std::filesystem::path& dir) override {
    return base_.CreateDirectories(dir);
  }
  Result<void> Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Result<void> Remove(const std::filesystem::path& path) override { return base_.Remove(path); }
  Result<uint64_t> FileSize(const std::filesystem::path& path) override {
    return base_.FileSize(path);
  }
  Result<uint64_t> FreeSpace(const std::filesystem::path& path) override EXCLUDES(mutex_);

 private:
  Env& base_;
  mutable util::Mutex mutex_;
  uint64_t writes_ GUARDED_BY(mutex_) = 0;
  std::optional<uint64_t> fail_at_ GUARDED_BY(mutex_);
  Fault fault_ GUARDED_BY(mutex_) = Fault::kIoError;
  bool disk_full_ GUARDED_BY(mutex_) = false;
  std::optional<uint64_t> free_space_ GUARDED_BY(mutex_);
};

}  // namespace parthenon::storage
