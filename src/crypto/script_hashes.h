// The legacy hash functions Bitcoin's script opcodes expose (RIPEMD-160, SHA-1) and their
// compositions HASH160 / HASH256, through OpenSSL's EVP interface.
//
// Thread-safety: thread-safe (pure functions).
#pragma once

#include <array>

#include "crypto/sha256.h"
#include "util/bytes.h"

namespace parthenon::crypto {

using Digest160 = std::array<std::byte, 20>;

Digest160 Ripemd160(util::ByteSpan data);
Digest160 Sha1(util::ByteSpan data);
// RIPEMD160(SHA256(data)).
Digest160 Hash160(util::ByteSpan data);

}  // namespace parthenon::crypto
