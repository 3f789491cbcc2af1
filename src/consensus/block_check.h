// Block rules of DESIGN.md §4. CheckBlock holds the context-free rules (everything the block
// itself proves); the contextual helpers take the few numbers the chain supplies.
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <span>

#include "consensus/amount.h"
#include "consensus/errors.h"
#include "consensus/params.h"
#include "primitives/block.h"

namespace parthenon::consensus {

// Proof of work of the header against its own nBits (and nBits against the network's limit).
[[nodiscard]] Result<void> CheckBlockHeader(const primitives::BlockHeader& header,
                                            const ChainParams& params);

// Header, merkle root (and CVE-2012-2459 mutation), size and weight, coinbase placement, every
// transaction's context-free rules, and the BIP141 witness commitment.
[[nodiscard]] Result<void> CheckBlock(const primitives::Block& block, const ChainParams& params);

// Median of the given timestamps (the last up-to-11 block times); 0 for none.
int64_t MedianTime(std::span<const int64_t> times);

// time-too-old unless time > median_time_past; time-too-new if beyond adjusted_now + 2 h.
[[nodiscard]] Result<void> CheckBlockTime(int64_t time, int64_t median_time_past,
                                          int64_t adjusted_now);

// BIP34 height prefix, and coinbase outputs <= subsidy(height) + fees.
[[nodiscard]] Result<void> CheckCoinbase(const primitives::Block& block, int32_t height,
                                         Amount fees, const ChainParams& params);

}  // namespace parthenon::consensus
