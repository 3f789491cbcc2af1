#include "chain/chainstate.h"

#include <gtest/gtest.h>

#include "chain/test_chain.h"
#include "consensus/test_fixtures.h"
#include "primitives/merkle.h"

namespace parthenon::chain {
namespace {

using testing::CoinbaseOutput;
using testing::PayTo;
using testing::SignedTx;
using testing::Spendable;
using testing::TestChain;

constexpr consensus::Amount kFee = 10'000;

// Mines `count` blocks paying `key`; returns them.
std::vector<primitives::Block> MineMany(TestChain& chain, const crypto::KeyPair& key, int count) {
  std::vector<primitives::Block> blocks;
  for (int i = 0; i < count; ++i) blocks.push_back(chain.Mine(PayTo(key)));
  return blocks;
}

primitives::Transaction Pay(const crypto::KeyPair& from, const Spendable& coin, const crypto::KeyPair& to,
                            consensus::Amount fee = kFee) {
  return SignedTx(from, {coin}, {{.value = coin.out.value - fee, .script_pubkey = PayTo(to)}});
}

TEST(ChainstateTest, FreshChainStartsAtGenesis) {
  TestChain chain;
  ASSERT_TRUE(chain.Open());
  EXPECT_EQ(chain->Tip().height, 0);
  EXPECT_EQ(chain->Tip().hash, chain->params().genesis_hash);
  EXPECT_EQ(chain->GetBlock(chain->params().genesis_hash).value(), chain->params().genesis);
}

TEST(ChainstateTest, BlockProductionSurvivesRestart) {
  TestChain chain;
  ASSERT_TRUE(chain.Open());
  const auto key = crypto::KeyPair::Generate();
  std::vector<ChainTip> tips;
  chain->OnNewTip([&](const ChainTip& tip) { tips.push_back(tip); });
  const auto blocks = MineMany(chain, key, 5);
  ASSERT_EQ(tips.size(), 5u);
  const ChainTip tip = chain->Tip();
  EXPECT_EQ(tip.height, 5);
  EXPECT_EQ(tips.back(), tip);
  EXPECT_EQ(chain->SubmitBlock(blocks[2]).value(), BlockOutcome::kDuplicate);
  const auto utxo_hash = chain->UtxoSetHash().value();

  ASSERT_TRUE(chain.Open());  // restart
  EXPECT_EQ(chain->Tip(), tip);
  EXPECT_EQ(chain->UtxoSetHash().value(), utxo_hash);
  for (int h = 1; h <= 5; ++h) {
    EXPECT_EQ(chain->GetBlock(*chain->GetBlockHash(h)).value(), blocks[h - 1]);
  }
  const auto coinbase = CoinbaseOutput(blocks[0]);
  EXPECT_EQ(chain->GetUtxo(coinbase.outpoint).value()->out, coinbase.out);
  chain.Mine(PayTo(key));
  EXPECT_EQ(chain->Tip().height, 6);
}

TEST(ChainstateTest, UtxoSetPersistsAcrossRestart) {
  TestChain chain;
  ASSERT_TRUE(chain.Open());
  const auto alice = crypto::KeyPair::Generate();
  const auto bob = crypto::KeyPair::Generate();
  const auto blocks = MineMany(chain, alice, 101);
  const auto spend = Pay(alice, CoinbaseOutput(blocks[0]), bob);
  // Immature coinbase is refused first.
  EXPECT_EQ(chain->SubmitTransaction(Pay(alice, CoinbaseOutput(blocks[5]), bob)).error().code,
            ErrorCode::kPrematureSpend);
  ASSERT_EQ(chain->SubmitTransaction(spend).value(), TxOutcome::kAccepted);
  const auto block = chain.Mine(PayTo(alice));
  ASSERT_EQ(block.transactions.size(), 2u);
  EXPECT_FALSE(chain->MempoolContains(primitives::Txid(spend)));
  EXPECT_FALSE(chain->GetUtxo(CoinbaseOutput(blocks[0]).outpoint).value());
  const auto tip = chain->Tip();
  const auto hash = chain->UtxoSetHash().value();

  ASSERT_TRUE(chain.Open());
  EXPECT_EQ(chain->Tip(), tip);
  EXPECT_EQ(chain->UtxoSetHash().value(), hash);
  EXPECT_EQ(chain->GetUtxo({primitives::Txid(spend), 0}).value()->out.value,
            CoinbaseOutput(blocks[0]).out.value - kFee);
}

TEST(ChainstateTest, ReorgToHeavierBranchRestoresMempoolAndResolvesDoubleSpend) {
  const auto alice = crypto::KeyPair::Generate();
  const auto bob = crypto::KeyPair::Generate();
  TestChain main_node, node_a, node_b;
  for (TestChain* node : {&main_node, &node_a, &node_b}) ASSERT_TRUE(node->Open());
  const auto common = MineMany(main_node, alice, 102);
  node_a.clock.Set(main_node.clock.Now());
  node_b.clock.Set(main_node.clock.Now() + std::chrono::seconds(1));
  for (const auto& block : common) {
    ASSERT_TRUE(node_a->SubmitBlock(block));
    ASSERT_TRUE(node_b->SubmitBlock(block));
  }
  const auto only_a = Pay(alice, CoinbaseOutput(common[0]), bob);        // losing branch only
  const auto double_a = Pay(alice, CoinbaseOutput(common[1]), bob);      // spent differently in B
  const auto double_b = Pay(alice, CoinbaseOutput(common[1]), alice, 2 * kFee);
  ASSERT_TRUE(node_a->SubmitTransaction(only_a));
  ASSERT_TRUE(node_a->SubmitTransaction(double_a));
  ASSERT_TRUE(node_b->SubmitTransaction(double_b));
  const auto branch_a = MineMany(node_a, alice, 2);
  const auto branch_b = MineMany(node_b, bob, 3);
  ASSERT_EQ(branch_a[0].transactions.size(), 3u);
  ASSERT_EQ(branch_b[0].transactions.size(), 2u);

  main_node.clock.Set(node_b.clock.Now());
  for (const auto& block : branch_a) ASSERT_EQ(main_node->SubmitBlock(block).value(), BlockOutcome::kAccepted);
  EXPECT_EQ(main_node->Tip().hash, branch_a.back().header.Hash());
  ASSERT_TRUE(main_node->SubmitBlock(branch_b[0]));
  ASSERT_TRUE(main_node->SubmitBlock(branch_b[1]));
  EXPECT_EQ(main_node->Tip().hash, branch_a.back().header.Hash());  // equal work: first seen wins
  ASSERT_TRUE(main_node->SubmitBlock(branch_b[2]));
  EXPECT_EQ(main_node->Tip().hash, branch_b.back().header.Hash());
  EXPECT_EQ(main_node->Tip().height, 105);

  EXPECT_TRUE(main_node->MempoolContains(primitives::Txid(only_a)));
  EXPECT_FALSE(main_node->MempoolContains(primitives::Txid(double_a)));
  EXPECT_TRUE(main_node->GetUtxo({primitives::Txid(double_b), 0}).value());
  EXPECT_FALSE(main_node->GetUtxo({primitives::Txid(double_a), 0}).value());

  TestChain replay;
  replay.clock.Set(node_b.clock.Now());
  ASSERT_TRUE(replay.Open());
  for (const auto& block : common) ASSERT_TRUE(replay->SubmitBlock(block));
  for (const auto& block : branch_b) ASSERT_TRUE(replay->SubmitBlock(block));
  EXPECT_EQ(replay->Tip(), main_node->Tip());
  EXPECT_EQ(replay->UtxoSetHash().value(), main_node->UtxoSetHash().value());
}

TEST(ChainstateTest, OrphanBlocksInReverseOrderAllConnect) {
  TestChain source, sink;
  ASSERT_TRUE(source.Open());
  ASSERT_TRUE(sink.Open());
  const auto blocks = MineMany(source, crypto::KeyPair::Generate(), 8);
  for (size_t i = blocks.size(); i-- > 1;) {
    EXPECT_EQ(sink->SubmitBlock(blocks[i]).value(), BlockOutcome::kOrphan);
  }
  EXPECT_EQ(sink->Tip().height, 0);
  EXPECT_EQ(sink->SubmitBlock(blocks[0]).value(), BlockOutcome::kAccepted);
  EXPECT_EQ(sink->Tip(), source->Tip());
}

TEST(ChainstateTest, InvalidBlockIsRejectedWithItsRuleAndChildrenNeverConnect) {
  TestChain chain;
  chain.clock.Set(std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}});
  ASSERT_TRUE(chain.Open());
  const auto key = crypto::KeyPair::Generate();
  chain.Mine(PayTo(key));
  const ChainTip tip = chain->Tip();

  auto tmpl = chain->CreateBlockTemplate(PayTo(key)).value();
  tmpl.block.transactions[0].outputs[0].value += 1;  // pays more than the subsidy
  tmpl.block.header.merkle_root = primitives::BlockMerkleRoot(tmpl.block).root;
  const auto bad = MineBlock(tmpl.block, chain->params()).value();
  auto rejected = chain->SubmitBlock(bad);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().Reason(), "bad-cb-amount");
  EXPECT_EQ(chain->Tip(), tip);
  EXPECT_EQ(chain->SubmitBlock(bad).error().Reason(), "bad-cb-amount");  // never retried

  primitives::Block child;
  child.header = {.version = 1, .prev_block = bad.header.Hash(), .merkle_root = {},
                  .time = bad.header.time + 1, .bits = bad.header.bits, .nonce = 0};
  child.transactions.push_back(consensus::testing::MakeCoinbase(tip.height + 2, kFee, false));
  child.header.merkle_root = primitives::BlockMerkleRoot(child).root;
  child = MineBlock(child, chain->params()).value();
  EXPECT_EQ(chain->SubmitBlock(child).error().code, ErrorCode::kBadPrevBlock);
  EXPECT_EQ(chain->SubmitHeaders(std::vector{child.header}).error->code, ErrorCode::kBadPrevBlock);
  EXPECT_EQ(chain->Tip(), tip);

  // The chain continues past the invalid block, and the rejection survives a restart.
  chain.Mine(PayTo(key));
  ASSERT_TRUE(chain.Open());
  EXPECT_EQ(chain->Tip().height, tip.height + 1);
  EXPECT_FALSE(chain->SubmitBlock(bad));
}

TEST(ChainstateTest, HeadersLocatorAndTimeRules) {
  TestChain source, sink;
  ASSERT_TRUE(source.Open());
  ASSERT_TRUE(sink.Open());
  const auto blocks = MineMany(source, crypto::KeyPair::Generate(), 30);
  std::vector<primitives::BlockHeader> headers;
  for (const auto& block : blocks) headers.push_back(block.header);
  sink.clock.Set(source.clock.Now());
  const auto outcome = sink->SubmitHeaders(headers);
  EXPECT_EQ(outcome.accepted, 30u);
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(sink->HeaderTip().hash, blocks.back().header.Hash());
  EXPECT_EQ(sink->Tip().height, 0);

  const auto locator = source->GetLocator();
  EXPECT_EQ(locator.front(), source->Tip().hash);
  EXPECT_EQ(locator.back(), source->params().genesis_hash);
  const std::vector<crypto::Uint256> at_ten{*source->GetBlockHash(10)};
  const auto after = source->HeadersAfter(at_ten, crypto::Uint256(), 5);
  ASSERT_EQ(after.size(), 5u);
  EXPECT_EQ(after[0], blocks[10].header);
  EXPECT_EQ(source->HeadersAfter(at_ten, blocks[11].header.Hash(), 100).size(), 2u);

  // Too far in the future, then too old.
  auto future = source.Build(PayTo(crypto::KeyPair::Generate()));
  future.header.time = static_cast<uint32_t>(source.clock.UnixSeconds() + 3 * 3600);
  future = MineBlock(future, source->params()).value();
  EXPECT_EQ(source->SubmitBlock(future).error().Reason(), "time-too-new");
  auto old = future;
  old.header.time = blocks.back().header.time - 3600;
  old = MineBlock(old, source->params()).value();
  EXPECT_EQ(source->SubmitBlock(old).error().Reason(), "time-too-old");
}

}  // namespace
}  // namespace parthenon::chain
