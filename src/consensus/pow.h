// Proof of work: target checks, difficulty retargeting and chain work (DESIGN.md §4).
// Thread-safe (pure functions).
#pragma once

#include <cstdint>

#include "consensus/errors.h"
#include "consensus/params.h"
#include "crypto/arith_uint256.h"

namespace parthenon::consensus {

// The target `bits` encodes, if it is positive, does not overflow and is within the network's
// proof-of-work limit; otherwise kBadDiffBits.
[[nodiscard]] Result<crypto::ArithUint256> DecodeTarget(uint32_t bits, const ChainParams& params);

// kBadDiffBits for an invalid nBits, kHighHash if `hash` is above the target.
[[nodiscard]] Result<void> CheckProofOfWork(const crypto::Uint256& hash, uint32_t bits,
                                            const ChainParams& params);

// True if the block at `height` starts a new difficulty period.
bool IsRetargetHeight(int64_t height, const ChainParams& params);

// nBits for the first block of a new period. `first_time` is the time of the first block of the
// period that ends, `last_time` that of its last block: they span interval - 1 block gaps, so the
// expected span is (interval - 1) × spacing (this avoids Bitcoin's off-by-one). The measured span
// is clamped to [expected / 4, expected × 4] and the result to the proof-of-work limit.
uint32_t NextTargetBits(uint32_t last_bits, int64_t first_time, int64_t last_time,
                        const ChainParams& params);

// Expected number of hashes to find a block at `bits`: 2^256 / (target + 1). Zero for an invalid
// nBits. Fork choice compares the sums of this along each chain.
crypto::ArithUint256 BlockWork(uint32_t bits);

}  // namespace parthenon::consensus
