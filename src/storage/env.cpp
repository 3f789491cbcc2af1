#include "storage/env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace parthenon::storage {

std::string_view ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo: return "I/O error";
    case ErrorCode::kDiskFull: return "disk full";
    case ErrorCode::kShortWrite: return "short write";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kCorruption: return "corruption";
    case ErrorCode::kDatabase: return "database error";
    case ErrorCode::kInjected: return "injected fault";
  }
  return "unknown storage error";
}

std::string Error::Message() const { return std::string(ToString(code)) + ": " + detail; }

namespace {

std::unexpected<Error> ErrnoError(const std::filesystem::path& path, std::string_view what, int err) {
  const ErrorCode code = err == ENOSPC || err == EDQUOT ? ErrorCode::kDiskFull : ErrorCode::kIo;
  return MakeError(code, path.string() + ": " + std::string(what) + ": " + std::strerror(err));
}

// Owns a file descriptor. Thread-compatible.
class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::filesystem::path path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override { ::close(fd_); }

  Result<void> Append(util::ByteSpan data) override {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        size_ += done;
        return ErrnoError(path_, "write", errno);
      }
      done += static_cast<size_t>(n);
    }
    size_ += done;
    return {};
  }
  Result<void> Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoError(path_, "fdatasync", errno);
    return {};
  }
  uint64_t Size() const override { return size_; }

 private:
  const std::filesystem::path path_;
  const int fd_;
  uint64_t size_;
};

// Thread-safe: pread only.
class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Result<util::Bytes> Read(uint64_t offset, size_t size) const override {
    util::Bytes out(size);
    PARTHENON_TRY(ReadInto(offset, out));
    return out;
  }

  Result<void> ReadInto(uint64_t offset, std::span<std::byte> out) const override {
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                                static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(path_, "pread", errno);
      }
      if (n == 0) {
        return MakeError(ErrorCode::kCorruption, path_.string() + " offset " +
                                                     std::to_string(offset) +
                                                     ": file ends inside a record");
      }
      done += static_cast<size_t>(n);
    }
    return {};
  }

  int Descriptor() const override { return fd_; }

 private:
  const std::filesystem::path path_;
  const int fd_;
};

// Stateless; thread-safe.
class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> OpenAppendable(const std::filesystem::path& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return ErrnoError(path, "open", errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoError(path, "fstat", err);
    }
    return std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(st.st_size));
  }
  Result<std::unique_ptr<RandomAccessFile>> OpenReadable(const std::filesystem::path& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, path.string() + ": missing");
      return ErrnoError(path, "open", errno);
    }
    return std::make_unique<PosixRandomAccessFile>(path, fd);
  }
  Result<void> CreateDirectories(const std::filesystem::path& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return MakeError(ErrorCode::kIo, dir.string() + ": " + ec.message());
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    if (ec) return MakeError(ErrorCode::kIo, dir.string() + ": chmod: " + ec.message());
    return {};
  }
  Result<void> Rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoError(from, "rename", errno);
    return {};
  }
  Result<void> Remove(const std::filesystem::path& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError(path, "unlink", errno);
    return {};
  }
  Result<uint64_t> FileSize(const std::filesystem::path& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, path.string() + ": missing");
      return ErrnoError(path, "stat", errno);
    }
    return static_cast<uint64_t>(st.st_size);
  }
  Result<uint64_t> FreeSpace(const std::filesystem::path& path) override {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0) return ErrnoError(path, "statvfs", errno);
    return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  }
};

}  // namespace

Result<void> RandomAccessFile::ReadInto(uint64_t offset, std::span<std::byte> out) const {
  auto bytes = Read(offset, out.size());
  if (!bytes) return std::unexpected(bytes.error());
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return {};
}

Env& DefaultEnv() {
  static PosixEnv env;
  return env;
}

Error DiskFullError(Env& env, const std::filesystem::path& path) {
  const auto free = env.FreeSpace(path);
  return Error{ErrorCode::kDiskFull, path.string() + ", " + (free ? std::to_string(*free) : std::string("unknown")) +
                                         " bytes free, writes stopped"};
}

}  // namespace parthenon::storage
