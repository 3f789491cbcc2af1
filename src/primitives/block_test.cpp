#include "primitives/block.h"

#include <gtest/gtest.h>

#include "primitives/merkle.h"
#include "primitives/test_data.h"
#include "testing/vectors.h"
#include "util/hex.h"

namespace parthenon::primitives {
namespace {

using util::HexToBytes;

TEST(Block, BitcoinGenesisParsesHashesAndReserializes) {
  const util::Bytes raw = HexToBytes(test_data::kBitcoinGenesisBlockHex);
  auto block = DecodeBlock(raw);
  ASSERT_TRUE(block.has_value()) << ToString(block.error());
  EXPECT_EQ(block->header.Hash().ToHex(), test_data::kBitcoinGenesisHash);
  EXPECT_EQ(block->header.merkle_root.ToHex(), test_data::kBitcoinGenesisMerkleRoot);
  EXPECT_EQ(block->header.bits, 0x1d00ffffu);
  EXPECT_EQ(block->header.nonce, 2083236893u);
  EXPECT_EQ(Serialize(*block), raw);
  EXPECT_EQ(SerializedSize(*block), raw.size());
  const MerkleRoot merkle = BlockMerkleRoot(*block);
  EXPECT_EQ(merkle.root, block->header.merkle_root);
  EXPECT_FALSE(merkle.mutated);
}

TEST(Block, HeaderRoundTripAndExactSize) {
  const util::Bytes raw = HexToBytes(test_data::kBitcoinGenesisBlockHex);
  auto header = DecodeBlockHeader(util::ByteSpan(raw).first(80));
  ASSERT_TRUE(header.has_value());
  const auto bytes = SerializeHeader(*header);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), raw.begin()));
  Writer writer;
  Serialize(writer, *header);
  EXPECT_EQ(writer.bytes(), util::Bytes(raw.begin(), raw.begin() + 80));
  EXPECT_EQ(DecodeBlockHeader(util::ByteSpan(raw).first(79)).error(), Error::kTruncated);
  EXPECT_EQ(DecodeBlockHeader(util::ByteSpan(raw).first(81)).error(), Error::kTrailingBytes);
}

TEST(Block, RejectsTransactionCountBeyondInput) {
  util::Bytes raw = HexToBytes(test_data::kBitcoinGenesisBlockHex);
  raw[80] = std::byte{0xfc};  // claims 252 transactions in ~200 bytes
  EXPECT_EQ(DecodeBlock(raw).error(), Error::kCountTooLarge);
}

TEST(Block, EveryTruncationOfGenesisIsAnError) {
  const util::Bytes raw = HexToBytes(test_data::kBitcoinGenesisBlockHex);
  for (size_t length = 0; length < raw.size(); ++length) {
    EXPECT_FALSE(DecodeBlock(util::ByteSpan(raw).first(length)).has_value()) << length;
  }
}

TEST(Block, RealMainnetBlock413567) {
  PARTHENON_REQUIRE_VECTOR(path, "block413567.raw");
  const auto contents = testing::ReadFile(path);
  ASSERT_TRUE(contents.has_value());
  const util::ByteSpan raw = util::AsBytes(*contents);
  EXPECT_EQ(raw.size(), 999'887u);
  auto block = DecodeBlock(raw);
  ASSERT_TRUE(block.has_value()) << ToString(block.error());
  EXPECT_EQ(block->transactions.size(), 1557u);
  EXPECT_EQ(block->header.Hash().ToHex(), test_data::kBlock413567Hash);
  const util::Bytes reserialized = Serialize(*block);
  EXPECT_TRUE(std::equal(reserialized.begin(), reserialized.end(), raw.begin(), raw.end()));
  const MerkleRoot merkle = BlockMerkleRoot(*block);
  EXPECT_EQ(merkle.root, block->header.merkle_root);
  EXPECT_FALSE(merkle.mutated);
  EXPECT_TRUE(block->transactions[0].IsCoinbase());
  // Pre-segwit: no witnesses, no commitment, weight = 4 × size.
  EXPECT_FALSE(FindWitnessCommitment(block->transactions[0]).has_value());
  EXPECT_EQ(Weight(*block), static_cast<int64_t>(raw.size() * 4));
}

}  // namespace
}  // namespace parthenon::primitives
