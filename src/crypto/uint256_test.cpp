#include "crypto/uint256.h"

#include <gtest/gtest.h>

#include <unordered_set>

#include "util/hex.h"

namespace parthenon::crypto {
namespace {

TEST(Uint256, DisplayHexIsByteReversed) {
  const std::string display = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
  auto value = Uint256::FromHex(display);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->ToHex(), display);
  EXPECT_EQ(util::ToHex(value->span()).substr(0, 8), "6fe28c0a");  // internal order
}

TEST(Uint256, RejectsBadHex) {
  EXPECT_FALSE(Uint256::FromHex("00").has_value());
  EXPECT_FALSE(Uint256::FromHex(std::string(64, 'g')).has_value());
  EXPECT_FALSE(Uint256::FromBytes(util::Bytes(31)).has_value());
}

TEST(Uint256, NullAndOrdering) {
  Uint256 zero;
  EXPECT_TRUE(zero.IsNull());
  Uint256 one = *Uint256::FromHex(std::string(63, '0') + "1");
  EXPECT_FALSE(one.IsNull());
  EXPECT_NE(zero, one);
  std::unordered_set<Uint256> set{zero, one, one};
  EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace parthenon::crypto
