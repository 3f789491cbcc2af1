#include "util/hex.h"

#include <gtest/gtest.h>

namespace parthenon::util {
namespace {

TEST(Hex, RoundTrip) {
  const Bytes bytes = {std::byte{0x00}, std::byte{0x7f}, std::byte{0xab}, std::byte{0xff}};
  EXPECT_EQ(ToHex(bytes), "007fabff");
  auto parsed = FromHex("007FabfF");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, bytes);
}

TEST(Hex, Empty) {
  EXPECT_EQ(ToHex({}), "");
  auto parsed = FromHex("");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->empty());
}

TEST(Hex, RejectsOddLength) {
  auto parsed = FromHex("abc");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error(), HexError::kOddLength);
}

TEST(Hex, RejectsNonHexCharacters) {
  for (std::string_view bad : {"0g", "zz", " 0", "0x", "1\n"}) {
    auto parsed = FromHex(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error(), HexError::kInvalidCharacter) << bad;
  }
}

}  // namespace
}  // namespace parthenon::util
