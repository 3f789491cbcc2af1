#include "crypto/siphash.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace parthenon::crypto {
namespace {

// The reference vectors of the SipHash paper: key 00 01 .. 0f, messages 00 01 .. (n-1).
constexpr std::array<uint64_t, 17> kVectors = {
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
    0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
    0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
    0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
    0x3f2acc7f57c29bdb,
};

constexpr SipKey kKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

TEST(SipHash, ReferenceVectors) {
  std::vector<std::byte> message;
  for (size_t length = 0; length < kVectors.size(); ++length) {
    EXPECT_EQ(SipHash24(kKey, message), kVectors[length]) << "length " << length;
    message.push_back(static_cast<std::byte>(length));
  }
}

TEST(SipHash, Uint256IsItsBytes) {
  std::array<std::byte, 32> bytes;
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>(i);
  const Uint256 value(bytes);
  EXPECT_EQ(SipHash24(kKey, value), SipHash24(kKey, util::ByteSpan(bytes)));
  // A different key gives a different value (the key is used at all).
  EXPECT_NE(SipHash24(SipKey{1, 2}, value), SipHash24(kKey, value));
}

}  // namespace
}  // namespace parthenon::crypto
