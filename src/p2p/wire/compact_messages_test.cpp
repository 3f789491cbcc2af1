// BIP152 message codecs: fixed byte layouts (as Bitcoin Core writes them), differential
// indexes, and the caps.
#include <gtest/gtest.h>

#include "p2p/wire/messages.h"
#include "p2p/wire/test_messages.h"
#include "util/hex.h"

namespace parthenon::p2p::wire {
namespace {

using util::HexToBytes;
using util::ToHex;

const std::string kZeroHash(64, '0');

TEST(CompactMessagesTest, SendCmpctLayout) {
  EXPECT_EQ(ToHex(Encode(SendCmpct{true, 2})), "010200000000000000");
  const auto decoded = DecodeMessage("sendcmpct", HexToBytes("000100000000000000"));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<SendCmpct>(*decoded), (SendCmpct{false, 1}));
  EXPECT_FALSE(DecodeMessage("sendcmpct", HexToBytes("0102000000000000")));  // short
  EXPECT_EQ(DecodeMessage("sendcmpct", HexToBytes("01020000000000000000")).error(),
            Error::kPayloadTooLarge);
}

TEST(CompactMessagesTest, CmpctBlockLayout) {
  const primitives::Block genesis = test::GenesisBlock();
  const auto& coinbase = genesis.transactions[0];
  std::mt19937_64 rng(7);
  const primitives::Transaction other = test::WitnessTransaction(rng);
  const CmpctBlock message{genesis.header, 0x0102030405060708ULL,
                           {0x0000010203040506ULL, 0x0000a1a2a3a4a5a6ULL},
                           {{0, coinbase}, {3, other}}};
  const auto header = primitives::SerializeHeader(genesis.header);
  const std::string expected = ToHex(header) + "0807060504030201" + "02" + "060504030201" +
                               "a6a5a4a3a2a1" + "02" + "00" + ToHex(primitives::Serialize(coinbase)) +
                               "02" + ToHex(primitives::Serialize(other));
  EXPECT_EQ(ToHex(Encode(message)), expected);
  const auto decoded = DecodeMessage("cmpctblock", HexToBytes(expected));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<CmpctBlock>(*decoded), message);
}

TEST(CompactMessagesTest, GetBlockTxnIndexesAreDifferential) {
  const GetBlockTxn message{{}, {0, 1, 5, 300}};
  // 300 - 5 - 1 = 294 = 0xfd 0x26 0x01.
  const std::string expected = kZeroHash + "04" + "00" + "00" + "03" + "fd2601";
  EXPECT_EQ(ToHex(Encode(message)), expected);
  const auto decoded = DecodeMessage("getblocktxn", HexToBytes(expected));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<GetBlockTxn>(*decoded), message);
}

TEST(CompactMessagesTest, IndexesBeyondSixteenBitsAreRejected) {
  // 65535, then one more: 65536 does not fit BIP152's 16 bits.
  EXPECT_TRUE(DecodeMessage("getblocktxn", HexToBytes(kZeroHash + "01" + "fdffff")));
  EXPECT_EQ(DecodeMessage("getblocktxn", HexToBytes(kZeroHash + "02" + "fdffff" + "00")).error(),
            Error::kFieldTooLarge);
  EXPECT_EQ(DecodeMessage("getblocktxn", HexToBytes(kZeroHash + "01" + "fe00000100")).error(),
            Error::kFieldTooLarge);
}

TEST(CompactMessagesTest, CountsAboveABlocksTransactionsAreRejected) {
  const primitives::Block genesis = test::GenesisBlock();
  const std::string prefix = ToHex(primitives::SerializeHeader(genesis.header)) + "0000000000000000";
  primitives::Writer count;
  count.CompactSize(kMaxBlockTransactions + 1);
  const std::string too_many = ToHex(count.bytes());
  EXPECT_EQ(DecodeMessage("cmpctblock", HexToBytes(prefix + too_many)).error(),
            Error::kTooManyEntries);
  EXPECT_EQ(DecodeMessage("getblocktxn", HexToBytes(kZeroHash + too_many)).error(),
            Error::kTooManyEntries);
  EXPECT_EQ(DecodeMessage("blocktxn", HexToBytes(kZeroHash + too_many)).error(),
            Error::kTooManyEntries);
  // A claimed count the rest of the payload cannot hold is truncated before any allocation.
  EXPECT_EQ(DecodeMessage("cmpctblock", HexToBytes(prefix + "fd1027")).error(), Error::kTruncated);
}

TEST(CompactMessagesTest, BlockTxnRoundTrips) {
  std::mt19937_64 rng(3);
  const BlockTxn message{test::RandomHash(rng), {test::WitnessTransaction(rng)}};
  const auto encoded = Encode(message);
  EXPECT_EQ(ToHex(encoded).substr(0, 64), ToHex(message.block_hash.span()));
  const auto decoded = DecodeMessage("blocktxn", encoded);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<BlockTxn>(*decoded), message);
}

}  // namespace
}  // namespace parthenon::p2p::wire
