#include "consensus/sequence_locks.h"

#include <algorithm>
#include <cassert>

namespace parthenon::consensus {

Result<void> CheckSequenceLocks(const primitives::Transaction& tx, std::span<const CoinAge> coins,
                                int32_t height, int64_t prev_median_time) {
  assert(coins.size() == tx.inputs.size());
  if (static_cast<uint32_t>(tx.version) < 2) return {};
  // The last height and time at which the transaction is still locked (-1: never).
  int64_t min_height = -1;
  int64_t min_time = -1;
  for (size_t i = 0; i < tx.inputs.size(); ++i) {
    const uint32_t sequence = tx.inputs[i].sequence;
    if ((sequence & kSequenceLockDisableFlag) != 0) continue;
    const int64_t value = sequence & kSequenceLockMask;
    if ((sequence & kSequenceLockTypeFlag) != 0) {
      min_time = std::max(min_time, coins[i].prev_median_time + (value << kSequenceLockGranularity) - 1);
    } else {
      min_height = std::max(min_height, int64_t{coins[i].height} + value - 1);
    }
  }
  if (min_height >= height || min_time >= prev_median_time) return std::unexpected(Error::kTxSequenceLocks);
  return {};
}

}  // namespace parthenon::consensus
