#include "crypto/arith_uint256.h"

#include <gtest/gtest.h>

namespace parthenon::crypto {
namespace {

ArithUint256 FromHex(std::string_view hex) {
  auto value = Uint256::FromHex(hex);
  EXPECT_TRUE(value.has_value()) << hex;
  return ArithUint256::FromUint256(value.value_or(Uint256{}));
}

TEST(ArithUint256, CompactDecodingMatchesBitcoin) {
  struct Case {
    uint32_t bits;
    std::string_view value;
    bool negative;
    bool overflow;
    uint32_t reencoded;
  };
  const Case cases[] = {
      {0x00000000, "0000000000000000000000000000000000000000000000000000000000000000", false, false, 0},
      {0x01003456, "0000000000000000000000000000000000000000000000000000000000000000", false, false, 0},
      {0x01123456, "0000000000000000000000000000000000000000000000000000000000000012", false, false, 0x01120000},
      {0x02008000, "0000000000000000000000000000000000000000000000000000000000000080", false, false, 0x02008000},
      {0x05009234, "0000000000000000000000000000000000000000000000000000000092340000", false, false, 0x05009234},
      {0x04923456, "0000000000000000000000000000000000000000000000000000000012345600", true, false, 0x04123456},
      {0x1d00ffff, "00000000ffff0000000000000000000000000000000000000000000000000000", false, false, 0x1d00ffff},
      {0x207fffff, "7fffff0000000000000000000000000000000000000000000000000000000000", false, false, 0x207fffff},
  };
  for (const Case& c : cases) {
    const auto compact = ArithUint256::FromCompact(c.bits);
    EXPECT_EQ(compact.value.ToHex(), c.value) << std::hex << c.bits;
    EXPECT_EQ(compact.negative, c.negative) << std::hex << c.bits;
    EXPECT_EQ(compact.overflow, c.overflow) << std::hex << c.bits;
    EXPECT_EQ(compact.value.ToCompact(), c.reencoded) << std::hex << c.bits;
  }
  EXPECT_TRUE(ArithUint256::FromCompact(0xff123456).overflow);
  EXPECT_TRUE(ArithUint256::FromCompact(0x23000001).overflow);
  EXPECT_FALSE(ArithUint256::FromCompact(0x22000001).overflow);
}

TEST(ArithUint256, AddSubtractWrapAndCarry) {
  ArithUint256 max = ~ArithUint256();
  EXPECT_TRUE((max + ArithUint256(1)).IsZero());
  EXPECT_EQ(ArithUint256() - ArithUint256(1), max);
  ArithUint256 carry(~uint64_t{0});
  carry += ArithUint256(1);
  EXPECT_EQ(carry.ToHex(), "0000000000000000000000000000000000000000000000010000000000000000");
}

TEST(ArithUint256, MultiplyDivideAndShift) {
  ArithUint256 a = FromHex("00000000ffff0000000000000000000000000000000000000000000000000000");
  ArithUint256 b = a * 86400;
  EXPECT_EQ(b / ArithUint256(86400), a);
  EXPECT_EQ((a << 4) >> 4, a);
  EXPECT_EQ((ArithUint256(1) << 255).Bits(), 256u);
  EXPECT_EQ(ArithUint256(12345) / ArithUint256(100), ArithUint256(123));
  EXPECT_EQ(ArithUint256(5) / ArithUint256(7), ArithUint256());
  // 2^256 / (target + 1): Bitcoin's work of a difficulty-1 block is 0x100010001.
  const ArithUint256 work = (~a / (a + ArithUint256(1))) + ArithUint256(1);
  EXPECT_EQ(work, ArithUint256(0x100010001ull));
}

TEST(ArithUint256, Ordering) {
  EXPECT_LT(ArithUint256(1), ArithUint256(2));
  EXPECT_GT(ArithUint256(1) << 200, ArithUint256(~uint64_t{0}));
  EXPECT_EQ(ArithUint256::FromUint256(ArithUint256(77).ToUint256()), ArithUint256(77));
}

}  // namespace
}  // namespace parthenon::crypto
