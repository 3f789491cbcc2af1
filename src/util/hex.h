// Hexadecimal encoding of byte strings. Thread-safe (pure functions).
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace parthenon::util {

enum class HexError {
  kOddLength,
  kInvalidCharacter,
};
std::string_view ToString(HexError error);

// Lower-case hex of `bytes`, in order.
std::string ToHex(ByteSpan bytes);

// Parses hex (upper or lower case, no prefix, no separators).
[[nodiscard]] std::expected<Bytes, HexError> FromHex(std::string_view hex);

// For tests and constants: FromHex that asserts the input is valid.
Bytes HexToBytes(std::string_view hex);

}  // namespace parthenon::util
