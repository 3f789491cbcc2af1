#include "primitives/serialize.h"

#include <gtest/gtest.h>

#include "util/hex.h"

namespace parthenon::primitives {
namespace {

using util::HexToBytes;
using util::ToHex;

TEST(Serialize, CompactSizeRoundTripAtBoundaries) {
  for (uint64_t value : {0ull, 1ull, 0xfcull, 0xfdull, 0xffffull, 0x10000ull, 0xffffffffull,
                         0x100000000ull, 0xffffffffffffffffull}) {
    Writer writer;
    writer.CompactSize(value);
    EXPECT_EQ(writer.bytes().size(), CompactSizeLength(value));
    Reader reader(writer.bytes());
    const uint64_t read = reader.CompactSize(~uint64_t{0});
    if (value > kMaxSize) {
      EXPECT_EQ(read, 0u) << value;
      EXPECT_EQ(reader.error(), Error::kSizeTooLarge);
    } else {
      EXPECT_EQ(read, value);
      EXPECT_TRUE(reader.Finish().has_value());
    }
  }
}

TEST(Serialize, CompactSizeEncodings) {
  Writer writer;
  writer.CompactSize(0xfd);
  writer.CompactSize(0x12345);
  EXPECT_EQ(ToHex(writer.bytes()), "fdfd00fe45230100");
}

TEST(Serialize, RejectsNonCanonicalCompactSize) {
  for (std::string_view hex : {"fdfc00", "fe ffff0000", "ffffffffff00000000"}) {
    std::string compact(hex);
    std::erase(compact, ' ');
    const util::Bytes bytes = HexToBytes(compact);
    Reader reader(bytes);
    reader.CompactSize();
    EXPECT_EQ(reader.error(), Error::kNonCanonicalCompactSize) << hex;
  }
}

TEST(Serialize, TruncatedReadsFailAndStick) {
  const util::Bytes bytes = HexToBytes("010203");
  Reader reader(bytes);
  EXPECT_EQ(reader.U32(), 0u);
  EXPECT_EQ(reader.error(), Error::kTruncated);
  EXPECT_EQ(reader.U8(), 0u);  // sticky: no further reads
  EXPECT_EQ(reader.Finish().error(), Error::kTruncated);
}

TEST(Serialize, HugeLengthWithShortInputIsTruncationNotAllocation) {
  // Claims 32 MiB of bytes and provides 3.
  const util::Bytes bytes = HexToBytes("fe00000002aabbcc");
  Reader reader(bytes);
  EXPECT_TRUE(reader.VarBytes().empty());
  EXPECT_EQ(reader.error(), Error::kTruncated);
}

TEST(Serialize, LengthAboveCap) {
  const util::Bytes bytes = HexToBytes("05aabbccddee");
  Reader reader(bytes);
  reader.VarBytes(4);
  EXPECT_EQ(reader.error(), Error::kSizeTooLarge);
}

TEST(Serialize, CountCappedByLimitAndByRemainingInput) {
  {
    const util::Bytes bytes = HexToBytes("03aabbcc");
    Reader reader(bytes);
    EXPECT_EQ(reader.Count(2, 1), 0u);
    EXPECT_EQ(reader.error(), Error::kCountTooLarge);
  }
  {
    const util::Bytes bytes = HexToBytes("03aabbcc");
    Reader reader(bytes);
    EXPECT_EQ(reader.Count(10, 2), 0u);  // 3 elements of >= 2 bytes cannot fit in 3 bytes
    EXPECT_EQ(reader.error(), Error::kCountTooLarge);
  }
  {
    const util::Bytes bytes = HexToBytes("03aabbcc");
    Reader reader(bytes);
    EXPECT_EQ(reader.Count(10, 1), 3u);
    EXPECT_TRUE(reader.ok());
  }
}

TEST(Serialize, TrailingBytes) {
  const util::Bytes bytes = HexToBytes("0100000000");
  Reader reader(bytes);
  reader.U32();
  EXPECT_EQ(reader.Finish().error(), Error::kTrailingBytes);
}

TEST(Serialize, IntegersAreLittleEndian) {
  Writer writer;
  writer.I32(-2);
  writer.U64(0x0102030405060708ull);
  EXPECT_EQ(ToHex(writer.bytes()), "feffffff0807060504030201");
  Reader reader(writer.bytes());
  EXPECT_EQ(reader.I32(), -2);
  EXPECT_EQ(reader.U64(), 0x0102030405060708ull);
  EXPECT_TRUE(reader.Finish().has_value());
}

}  // namespace
}  // namespace parthenon::primitives
