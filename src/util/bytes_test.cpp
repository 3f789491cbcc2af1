#include "util/bytes.h"

#include <gtest/gtest.h>

#include "util/hex.h"

namespace parthenon::util {
namespace {

TEST(Bytes, LittleEndianRoundTrip) {
  std::byte buf[8];
  WriteLE<uint32_t>(buf, 0x01020304);
  EXPECT_EQ(ToHex(ByteSpan(buf, 4)), "04030201");
  EXPECT_EQ(ReadLE<uint32_t>(buf), 0x01020304u);
  WriteLE<uint64_t>(buf, 0x0102030405060708ull);
  EXPECT_EQ(ToHex(ByteSpan(buf, 8)), "0807060504030201");
  EXPECT_EQ(ReadLE<uint64_t>(buf), 0x0102030405060708ull);
}

TEST(Bytes, BigEndianRoundTrip) {
  std::byte buf[2];
  WriteBE<uint16_t>(buf, 8333);
  EXPECT_EQ(ToHex(ByteSpan(buf, 2)), "208d");
  EXPECT_EQ(ReadBE<uint16_t>(buf), 8333);
}

TEST(Bytes, TextViews) {
  const Bytes bytes = ToBytes(std::string_view("abc"));
  EXPECT_EQ(ToHex(bytes), "616263");
  EXPECT_EQ(AsChars(bytes), "abc");
}

}  // namespace
}  // namespace parthenon::util
