// BIP68 relative lock times (consensus v2): an input of a version >= 2 transaction whose
// nSequence has the disable flag (bit 31) clear cannot be mined until its coin is old enough:
// (nSequence & 0xffff) blocks, or with the type flag (bit 22) that many 512-second units of
// median time past.
// Thread-safety: thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <span>

#include "consensus/errors.h"
#include "primitives/transaction.h"

namespace parthenon::consensus {

inline constexpr uint32_t kSequenceLockDisableFlag = 1u << 31;
inline constexpr uint32_t kSequenceLockTypeFlag = 1u << 22;
inline constexpr uint32_t kSequenceLockMask = 0x0000ffff;
inline constexpr int kSequenceLockGranularity = 9;  // time units of 2^9 = 512 seconds

// Where a spent coin was confirmed: its block's height and the median time past of the block
// before it (for a coin not yet in a block, the next height and the tip's median time past).
struct CoinAge {
  int32_t height = 0;
  int64_t prev_median_time = 0;
};

// Whether `tx` may be in a block at `height` whose parent's median time past is
// `prev_median_time`. REQUIRES: coins.size() == tx.inputs.size(). Errors: kTxSequenceLocks.
[[nodiscard]] Result<void> CheckSequenceLocks(const primitives::Transaction& tx,
                                              std::span<const CoinAge> coins, int32_t height,
                                              int64_t prev_median_time);

}  // namespace parthenon::consensus
