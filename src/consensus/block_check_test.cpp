#include "consensus/block_check.h"

#include <gtest/gtest.h>

#include "consensus/test_fixtures.h"

namespace parthenon::consensus {
namespace {

using namespace testing;

void ExpectError(const primitives::Block& block, Error expected) {
  auto result = CheckBlock(block, Regtest());
  ASSERT_FALSE(result.has_value()) << "expected " << RejectReason(expected);
  EXPECT_EQ(result.error(), expected) << "got " << RejectReason(result.error()) << ", expected "
                                      << RejectReason(expected);
}

// Re-mines after a change that leaves the merkle root as it is.
void Remine(primitives::Block& block) {
  block.header.nonce = 0;
  Mine(block.header);
}

TEST(CheckBlock, ValidBlockAndGenesesPass) {
  EXPECT_TRUE(CheckBlock(MakeValidBlock(), Regtest()).has_value());
  for (Network network : {Network::kMain, Network::kTestnet, Network::kRegtest}) {
    const ChainParams& params = Params(network);
    auto result = CheckBlock(params.genesis, params);
    EXPECT_TRUE(result.has_value()) << params.name << ": " << RejectReason(result.error());
  }
}

TEST(CheckBlock, BadDiffBits) {
  for (uint32_t bits : {0x2100ffffu, 0x04923456u, 0x00000000u, 0xff123456u}) {
    auto block = MakeValidBlock();
    block.header.bits = bits;
    ExpectError(block, Error::kBadDiffBits);
  }
}

TEST(CheckBlock, HighHash) {
  auto block = MakeValidBlock();
  while (CheckProofOfWork(block.header.Hash(), block.header.bits, Regtest())) ++block.header.nonce;
  ExpectError(block, Error::kHighHash);
}

TEST(CheckBlock, BadMerkleRoot) {
  auto block = MakeValidBlock();
  block.header.merkle_root = crypto::Uint256{};
  Remine(block);
  ExpectError(block, Error::kBadMerkleRoot);
}

TEST(CheckBlock, MutatedMerkleTree) {
  auto block = MakeValidBlock();
  block.transactions.push_back(
      MakeSignedSpend(crypto::KeyPair::Generate(), SomeOutPoint(1), 10 * kCoin));
  block.transactions[0].outputs.resize(1);  // drop the old commitment; Finish adds a new one
  Finish(block);
  ASSERT_TRUE(CheckBlock(block, Regtest()).has_value());
  // [cb, a, b] -> [cb, a, b, b] has the same merkle root: the header stays valid.
  block.transactions.push_back(block.transactions.back());
  ExpectError(block, Error::kMutatedMerkle);
}

TEST(CheckBlock, NoTransactions) {
  auto block = MakeValidBlock();
  block.transactions.clear();
  block.header.merkle_root = crypto::Uint256{};
  Remine(block);
  ExpectError(block, Error::kBlockEmpty);
}

TEST(CheckBlock, WeightAboveLimit) {
  auto block = MakeValidBlock();
  primitives::Transaction big = block.transactions[1];
  // 25,000 OP_RETURN outputs of 41 bytes each: just over 1 MB of legacy bytes.
  big.outputs.assign(25'000, {.value = 0, .script_pubkey = NullDataScript(util::Bytes(30))});
  block.transactions[1] = big;
  block.transactions[0].outputs.resize(1);
  Finish(block);
  ExpectError(block, Error::kBlockWeight);
}

TEST(CheckBlock, FirstTransactionNotCoinbase) {
  auto block = MakeValidBlock();
  std::swap(block.transactions[0], block.transactions[1]);
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  Remine(block);
  ExpectError(block, Error::kFirstNotCoinbase);
}

TEST(CheckBlock, SecondCoinbase) {
  auto block = MakeValidBlock();
  block.transactions.push_back(MakeCoinbase(2, kCoin, false));
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  Remine(block);
  ExpectError(block, Error::kMultipleCoinbase);
}

TEST(CheckBlock, InvalidTransactionInside) {
  auto block = MakeValidBlock();
  block.transactions[1].outputs[0].value = -5;
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  Remine(block);
  ExpectError(block, Error::kTxNegativeOutput);
}

TEST(CheckBlock, WitnessWithoutCommitment) {
  auto block = MakeValidBlock();
  block.transactions[0].outputs.resize(1);  // remove the commitment
  block.transactions[0].inputs[0].witness.clear();
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  Remine(block);
  ExpectError(block, Error::kUnexpectedWitness);
}

TEST(CheckBlock, CommitmentWithoutWitnessNonce) {
  auto block = MakeValidBlock();
  block.transactions[0].inputs[0].witness.clear();
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;  // txid ignores witness
  Remine(block);
  ExpectError(block, Error::kBadWitnessNonceSize);
}

TEST(CheckBlock, WrongWitnessCommitment) {
  auto block = MakeValidBlock();
  block.transactions[0].outputs.back().script_pubkey.back() ^= std::byte{1};
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  Remine(block);
  ExpectError(block, Error::kBadWitnessCommitment);
}

TEST(CheckBlock, WitnessChangeBreaksCommitmentButNotMerkleRoot) {
  auto block = MakeValidBlock();
  const crypto::Uint256 root = block.header.merkle_root;
  block.transactions[1].inputs[0].witness[0][0] ^= std::byte{1};
  EXPECT_EQ(primitives::BlockMerkleRoot(block).root, root);
  ExpectError(block, Error::kBadWitnessCommitment);
}

TEST(BlockContext, MedianTime) {
  EXPECT_EQ(MedianTime({}), 0);
  const std::vector<int64_t> times = {5, 1, 9, 3, 7};
  EXPECT_EQ(MedianTime(times), 5);
}

TEST(BlockContext, TimeTooOldAndTooNew) {
  EXPECT_TRUE(CheckBlockTime(101, 100, 1000).has_value());
  EXPECT_EQ(CheckBlockTime(100, 100, 1000).error(), Error::kTimeTooOld);
  EXPECT_TRUE(CheckBlockTime(1000 + kMaxFutureBlockTime, 100, 1000).has_value());
  EXPECT_EQ(CheckBlockTime(1001 + kMaxFutureBlockTime, 100, 1000).error(), Error::kTimeTooNew);
}

TEST(BlockContext, CoinbaseHeight) {
  const auto block = MakeValidBlock();
  EXPECT_TRUE(CheckCoinbase(block, 1, 0, Regtest()).has_value());
  EXPECT_EQ(CheckCoinbase(block, 2, 0, Regtest()).error(), Error::kBadCoinbaseHeight);
}

TEST(BlockContext, CoinbaseAmount) {
  auto block = MakeValidBlock();
  block.transactions[0].outputs[0].value = 50 * kCoin + 1000;
  EXPECT_EQ(CheckCoinbase(block, 1, 999, Regtest()).error(), Error::kBadCoinbaseAmount);
  EXPECT_TRUE(CheckCoinbase(block, 1, 1000, Regtest()).has_value());
}

TEST(BlockContext, SubsidyHalves) {
  const ChainParams& params = Params(Network::kMain);
  EXPECT_EQ(BlockSubsidy(0, params), 50 * kCoin);
  EXPECT_EQ(BlockSubsidy(209'999, params), 50 * kCoin);
  EXPECT_EQ(BlockSubsidy(210'000, params), 25 * kCoin);
  EXPECT_EQ(BlockSubsidy(210'000 * 33, params), 0);
  EXPECT_EQ(BlockSubsidy(210'000 * 64, params), 0);
  // Total issuance stays below the money supply.
  Amount total = 0;
  for (int32_t h = 0; h < 210'000 * 34; h += 210'000) total += BlockSubsidy(h, params) * 210'000;
  EXPECT_LE(total, kMaxMoney);
}

}  // namespace
}  // namespace parthenon::consensus
