#include "consensus/pow.h"

#include <gtest/gtest.h>

namespace parthenon::consensus {
namespace {

TEST(Pow, DecodeTargetLimits) {
  const ChainParams& main = Params(Network::kMain);
  EXPECT_TRUE(DecodeTarget(main.pow_limit_bits, main).has_value());
  EXPECT_TRUE(DecodeTarget(0x1d00ffff, main).has_value());
  EXPECT_EQ(DecodeTarget(0x1f00ffff, main).error(), Error::kBadDiffBits);  // easier than the limit
  EXPECT_EQ(DecodeTarget(0x01003456, main).error(), Error::kBadDiffBits);  // zero
  EXPECT_EQ(DecodeTarget(0x04923456, main).error(), Error::kBadDiffBits);  // negative
  EXPECT_EQ(DecodeTarget(0xff123456, main).error(), Error::kBadDiffBits);  // overflow
}

TEST(Pow, HashAgainstTarget) {
  const ChainParams& regtest = Params(Network::kRegtest);
  const auto target = crypto::ArithUint256::FromCompact(regtest.pow_limit_bits).value;
  EXPECT_TRUE(CheckProofOfWork(target.ToUint256(), regtest.pow_limit_bits, regtest).has_value());
  EXPECT_EQ(CheckProofOfWork((target + crypto::ArithUint256(1)).ToUint256(), regtest.pow_limit_bits,
                             regtest)
                .error(),
            Error::kHighHash);
}

TEST(Pow, RetargetHeights) {
  const ChainParams& main = Params(Network::kMain);
  EXPECT_FALSE(IsRetargetHeight(0, main));
  EXPECT_FALSE(IsRetargetHeight(719, main));
  EXPECT_TRUE(IsRetargetHeight(720, main));
  EXPECT_TRUE(IsRetargetHeight(1440, main));
  EXPECT_FALSE(IsRetargetHeight(720, Params(Network::kRegtest)));
}

TEST(Pow, RetargetOnScheduleKeepsTarget) {
  const ChainParams& main = Params(Network::kMain);
  const uint32_t bits = 0x1d00ffff;
  const int64_t expected = (main.retarget_interval - 1) * main.target_spacing;
  EXPECT_EQ(NextTargetBits(bits, 1000, 1000 + expected, main), bits);
}

TEST(Pow, RetargetScalesAndClamps) {
  const ChainParams& main = Params(Network::kMain);
  const uint32_t bits = 0x1d00ffff;
  const auto target = crypto::ArithUint256::FromCompact(bits).value;
  const int64_t expected = (main.retarget_interval - 1) * main.target_spacing;
  // Twice as slow: target doubles (easier).
  EXPECT_EQ(NextTargetBits(bits, 0, 2 * expected, main), (target * 2).ToCompact());
  // Half the time: target halves (harder).
  EXPECT_EQ(NextTargetBits(bits, 0, expected / 2, main),
            (target / crypto::ArithUint256(2)).ToCompact());
  // Clamped at x4 and /4 however far off the timestamps are.
  EXPECT_EQ(NextTargetBits(bits, 0, 100 * expected, main), (target * 4).ToCompact());
  EXPECT_EQ(NextTargetBits(bits, 0, 1, main), (target / crypto::ArithUint256(4)).ToCompact());
  EXPECT_EQ(NextTargetBits(bits, 0, -50, main), (target / crypto::ArithUint256(4)).ToCompact());
  // Never easier than the limit.
  EXPECT_EQ(NextTargetBits(main.pow_limit_bits, 0, 4 * expected, main), main.pow_limit_bits);
}

TEST(Pow, RetargetNearTheLimitDoesNotOverflow) {
  const ChainParams& testnet = Params(Network::kTestnet);  // limit ~2^248: limit x 4 x span > 2^256
  const int64_t expected = (testnet.retarget_interval - 1) * testnet.target_spacing;
  const auto eighth = testnet.pow_limit / crypto::ArithUint256(8);
  EXPECT_EQ(NextTargetBits(eighth.ToCompact(), 0, 4 * expected, testnet),
            (crypto::ArithUint256::FromCompact(eighth.ToCompact()).value * 4).ToCompact());
  EXPECT_EQ(NextTargetBits(testnet.pow_limit_bits, 0, 4 * expected, testnet), testnet.pow_limit_bits);
}

TEST(Pow, RegtestNeverRetargets) {
  const ChainParams& regtest = Params(Network::kRegtest);
  EXPECT_EQ(NextTargetBits(0x207fffff, 0, 1, regtest), 0x207fffffu);
}

TEST(Pow, BlockWork) {
  EXPECT_EQ(BlockWork(0x1d00ffff), crypto::ArithUint256(0x100010001ull));
  EXPECT_EQ(BlockWork(0x207fffff), crypto::ArithUint256(2));
  EXPECT_TRUE(BlockWork(0).IsZero());
  EXPECT_GT(BlockWork(0x1c00ffff), BlockWork(0x1d00ffff));
}

}  // namespace
}  // namespace parthenon::consensus
