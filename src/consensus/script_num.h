// Script numbers (Bitcoin's CScriptNum: little-endian sign-magnitude, minimal form) and minimal
// pushes, for the tapscript interpreter and for building scripts.
// Thread-safety: thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <optional>

#include "util/bytes.h"

namespace parthenon::consensus {

// Numeric operands are at most 4 bytes; CLTV/CSV arguments at most 5.
inline constexpr size_t kMaxNumSize = 4;
inline constexpr size_t kMaxLockNumSize = 5;

enum class NumError {
  kTooLong,
  kNotMinimal,
};

// Decodes `bytes` as a script number of at most `max_size` bytes; with `require_minimal`,
// also rejects encodings with needless trailing zero bytes (including negative zero).
[[nodiscard]] std::optional<int64_t> DecodeScriptNum(util::ByteSpan bytes, size_t max_size,
                                                     bool require_minimal, NumError* why = nullptr);
util::Bytes EncodeScriptNum(int64_t value);

// True unless every byte is zero, ignoring the sign bit of the last (Bitcoin's CastToBool).
bool CastToBool(util::ByteSpan bytes);

// The minimal push of `data` (OP_0, OP_1..OP_16, OP_1NEGATE, direct or OP_PUSHDATAn).
util::Bytes PushData(util::ByteSpan data);
// The minimal push of a number (OP_0, OP_1NEGATE, OP_1..OP_16 or its encoding).
util::Bytes PushNumber(int64_t value);
// True if the push of `data` with `opcode` is the minimal one (BIP62 rule 3).
bool IsMinimalPush(uint8_t opcode, util::ByteSpan data);

}  // namespace parthenon::consensus
