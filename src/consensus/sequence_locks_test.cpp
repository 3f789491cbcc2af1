#include "consensus/sequence_locks.h"

#include <gtest/gtest.h>

namespace parthenon::consensus {
namespace {

primitives::Transaction Spend(int32_t version, uint32_t sequence) {
  primitives::Transaction tx;
  tx.version = version;
  tx.inputs.push_back({.prevout = {}, .script_sig = {}, .sequence = sequence, .witness = {}});
  return tx;
}

TEST(SequenceLocks, HeightLock) {
  const auto tx = Spend(2, 10);
  const CoinAge coin{.height = 100, .prev_median_time = 0};
  // Confirmed at 100 with a lock of 10 blocks: minable from height 110.
  EXPECT_EQ(CheckSequenceLocks(tx, {&coin, 1}, 109, 0).error(), Error::kTxSequenceLocks);
  EXPECT_TRUE(CheckSequenceLocks(tx, {&coin, 1}, 110, 0).has_value());
}

TEST(SequenceLocks, TimeLock) {
  const auto tx = Spend(2, kSequenceLockTypeFlag | 2);  // 1024 seconds
  const CoinAge coin{.height = 100, .prev_median_time = 1'000'000};
  EXPECT_EQ(CheckSequenceLocks(tx, {&coin, 1}, 500, 1'001'023).error(), Error::kTxSequenceLocks);
  EXPECT_TRUE(CheckSequenceLocks(tx, {&coin, 1}, 500, 1'001'024).has_value());
}

TEST(SequenceLocks, DisabledOrOldVersion) {
  const CoinAge coin{.height = 100, .prev_median_time = 0};
  EXPECT_TRUE(CheckSequenceLocks(Spend(2, kSequenceLockDisableFlag | 50), {&coin, 1}, 101, 0).has_value());
  EXPECT_TRUE(CheckSequenceLocks(Spend(1, 50), {&coin, 1}, 101, 0).has_value());
  EXPECT_TRUE(CheckSequenceLocks(Spend(2, 0xffffffff), {&coin, 1}, 101, 0).has_value());
  // Sequence 0 is a lock of zero blocks: always satisfied.
  EXPECT_TRUE(CheckSequenceLocks(Spend(2, 0), {&coin, 1}, 101, 0).has_value());
}

}  // namespace
}  // namespace parthenon::consensus
