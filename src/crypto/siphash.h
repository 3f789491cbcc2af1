// SipHash-2-4 (Aumasson and Bernstein), 64-bit output: the keyed hash BIP152 compact blocks use
// for their short transaction ids. Not a cryptographic hash in the SHA-256 sense: a PRF whose
// 128-bit key the peer does not choose alone, so collisions cannot be aimed at a victim cheaply.
//
// Thread-safety: thread-safe (pure functions).
#pragma once

#include <cstdint>

#include "crypto/uint256.h"
#include "util/bytes.h"

namespace parthenon::crypto {

// The key as two 64-bit words, k0 the first eight key bytes read little-endian.
struct SipKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
  bool operator==(const SipKey&) const = default;
};

// SipHash-2-4 of `data` under `key`.
uint64_t SipHash24(const SipKey& key, util::ByteSpan data);
// The same for a 32-byte value (a txid or wtxid), as its internal-order bytes.
uint64_t SipHash24(const SipKey& key, const Uint256& value);

// A key from crypto::RandomBytes: for hash tables whose keys a peer chooses
// (a txid can be ground until it lands in a chosen bucket of an unkeyed table).
SipKey RandomSipKey();

}  // namespace parthenon::crypto
