// Errors of the storage layer. Unlike the pure layers below, a storage failure needs to say
// *where* it happened (file, offset, column family) so an operator can act on it, so the error is
// a code plus a human-readable detail. Thread-compatible value type.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "util/result.h"

namespace parthenon::storage {

enum class ErrorCode {
  kIo,          // the operating system reported an I/O error
  kDiskFull,    // ENOSPC, or free space below the safety margin
  kShortWrite,  // fewer bytes written than asked
  kNotFound,    // a file or record that should exist does not
  kCorruption,  // a record failed its magic, length or checksum check
  kDatabase,    // RocksDB reported an error
  kInjected,    // a fault injected by a test environment
};

std::string_view ToString(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kIo;
  std::string detail;  // what failed and where, e.g. "blocks/blk00000.dat offset 1234: bad checksum"

  // "<code>: <detail>".
  std::string Message() const;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> MakeError(ErrorCode code, std::string detail) {
  return std::unexpected(Error{code, std::move(detail)});
}

}  // namespace parthenon::storage
