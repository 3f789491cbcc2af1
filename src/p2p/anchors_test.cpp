#include "p2p/anchors.h"

#include <gtest/gtest.h>

#include <fstream>

namespace parthenon::p2p {
namespace {

std::vector<wire::NetAddress> Two() {
  return {wire::NetAddress::FromIPv4({10, 1, 2, 3}, 8333),
          *wire::NetAddress::Parse("2001:db8::7", 18444)};
}

TEST(AnchorsTest, RoundTrip) {
  const auto bytes = EncodeAnchors(Two());
  EXPECT_EQ(bytes.size(), 2u + 2 * 18 + 4);
  EXPECT_EQ(DecodeAnchors(bytes), Two());
  EXPECT_EQ(DecodeAnchors(EncodeAnchors({})), std::vector<wire::NetAddress>{});
}

TEST(AnchorsTest, RejectsCorruption) {
  auto bytes = EncodeAnchors(Two());
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto flipped = bytes;
    flipped[i] ^= std::byte{0x01};
    EXPECT_FALSE(DecodeAnchors(flipped)) << "byte " << i;
  }
  auto shorter = bytes;
  shorter.pop_back();
  EXPECT_FALSE(DecodeAnchors(shorter));
}

TEST(AnchorsTest, FileIsReadOnceThenGone) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("anchors-test-" + std::to_string(::getpid()) + ".dat");
  ASSERT_TRUE(WriteAnchorsFile(path, Two()));
  EXPECT_EQ(TakeAnchorsFile(path), Two());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(TakeAnchorsFile(path).empty());
  {
    std::ofstream garbage(path, std::ios::binary);
    garbage << "not an anchors file";
  }
  EXPECT_TRUE(TakeAnchorsFile(path).empty());
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace parthenon::p2p
