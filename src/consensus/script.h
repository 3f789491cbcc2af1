// The output scripts Parthenon's consensus allows (DESIGN.md §4), and the BIP34 height push.
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <optional>

#include "crypto/schnorr.h"
#include "util/bytes.h"

namespace parthenon::consensus {

inline constexpr std::byte kOpReturn{0x6a};
inline constexpr std::byte kOp1{0x51};
inline constexpr size_t kMaxNullDataSize = 80;

// `OP_1 <32-byte x-only key>`: the key it pays to, if `script` has that form.
std::optional<crypto::XOnlyPublicKey> KeyPathKey(util::ByteSpan script);
// `OP_RETURN` optionally followed by one push of at most 80 bytes.
bool IsNullData(util::ByteSpan script);
// One of the two forms above.
bool IsAllowedOutputScript(util::ByteSpan script);

util::Bytes KeyPathScript(const crypto::XOnlyPublicKey& key);
// REQUIRES: data.size() <= kMaxNullDataSize.
util::Bytes NullDataScript(util::ByteSpan data);

// BIP34: the script push of `height` a coinbase scriptSig must begin with (as Bitcoin's
// `CScript() << height`: OP_0, OP_1..OP_16, or a minimal little-endian number push).
util::Bytes HeightPush(int32_t height);
// True if `script_sig` begins with HeightPush(height).
bool HasHeightPrefix(util::ByteSpan script_sig, int32_t height);

}  // namespace parthenon::consensus
