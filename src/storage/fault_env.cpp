#include "storage/fault_env.h"

#include <string>

namespace parthenon::storage {
namespace {

std::unexpected<Error> Injected(Fault fault, const std::filesystem::path& path) {
  switch (fault) {
    case Fault::kIoError: return MakeError(ErrorCode::kInjected, path.string() + ": injected I/O error");
    case Fault::kShortWrite: return MakeError(ErrorCode::kShortWrite, path.string() + ": injected short write");
    case Fault::kDiskFull: return MakeError(ErrorCode::kDiskFull, path.string() + ": injected ENOSPC");
  }
  return MakeError(ErrorCode::kInjected, path.string());
}

// Thread-compatible, like the file it wraps.
class FaultyWritableFile final : public WritableFile {
 public:
  FaultyWritableFile(FaultInjectingEnv& env, std::filesystem::path path,
                     std::unique_ptr<WritableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}

  Result<void> Append(util::ByteSpan data) override {
    const auto fault = env_.NextWrite();
    if (!fault) return base_->Append(data);
    if (*fault == Fault::kShortWrite) {
      PARTHENON_TRY(base_->Append(data.first(data.size() / 2)));
    }
    return Injected(*fault, path_);
  }
  Result<void> Sync() override {
    if (const auto fault = env_.NextWrite()) return Injected(*fault, path_);
    return base_->Sync();
  }
  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultInjectingEnv& env_;
  const std::filesystem::path path_;
  std::unique_ptr<WritableFile> base_;
};

}  // namespace

void FaultInjectingEnv::FailNthWrite(uint64_t n, Fault fault) {
  util::MutexLock lock(mutex_);
  fail_at_ = writes_ + n;
  fault_ = fault;
}

void FaultInjectingEnv::Heal() {
  util::MutexLock lock(mutex_);
  fail_at_.reset();
  disk_full_ = false;
  free_space_.reset();
}

uint64_t FaultInjectingEnv::WriteCount() const {
  util::MutexLock lock(mutex_);
  return writes_;
}

void FaultInjectingEnv::SetFreeSpace(std::optional<uint64_t> bytes) {
  util::MutexLock lock(mutex_);
  free_space_ = bytes;
}

std::optional<Fault> FaultInjectingEnv::NextWrite() {
  util::MutexLock lock(mutex_);
  ++writes_;
  if (disk_full_) return Fault::kDiskFull;
  if (fail_at_ && writes_ == *fail_at_) {
    fail_at_.reset();
    if (fault_ == Fault::kDiskFull) disk_full_ = true;
    return fault_;
  }
  return std::nullopt;
}

Result<std::unique_ptr<WritableFile>> FaultInjectingEnv::OpenAppendable(
    const std::filesystem::path& path) {
  auto base = base_.OpenAppendable(path);
  if (!base) return std::unexpected(base.error());
  return std::make_unique<FaultyWritableFile>(*this, path, std::move(*base));
}

Result<void> FaultInjectingEnv::Rename(const std::filesystem::path& from,
                                       const std::filesystem::path& to) {
  if (const auto fault = NextWrite()) return Injected(*fault, from);
  return base_.Rename(from, to);
}

Result<uint64_t> FaultInjectingEnv::FreeSpace(const std::filesystem::path& path) {
  {
    util::MutexLock lock(mutex_);
    if (disk_full_) return 0;
    if (free_space_) return *free_space_;
  }
  return base_.FreeSpace(path);
}

}  // namespace parthenon::storage
