// Expected failures are values: every module defines its own error enum `Error` with a
// `ToString(Error)` and the alias `template <class T> using Result = std::expected<T, Error>;`.
// Programming errors are assertions; exceptions are only for start-up and configuration.
#pragma once

#include <expected>
#include <utility>

namespace parthenon::util {

template <class T, class E>
using Expected = std::expected<T, E>;

// `PARTHENON_TRY(expr)`: evaluates a Result; on error returns that error from the enclosing
// function (which must return a std::expected with the same error type).
#define PARTHENON_TRY(expr)                                     \
  do {                                                          \
    if (auto parthenon_try_result_ = (expr); !parthenon_try_result_) \
      return std::unexpected(parthenon_try_result_.error());    \
  } while (false)

}  // namespace parthenon::util
