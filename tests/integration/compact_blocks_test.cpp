// BIP152 compact blocks between full in-process nodes (chainstate + network manager + ChainSync)
// on 127.x.y.z loopback addresses: blocks whose transactions every mempool holds travel as
// cmpctblock and are rebuilt without a round trip; a node missing them asks with getblocktxn.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "crypto/schnorr.h"
#include "sync_node.h"
#include "topology.h"

namespace parthenon::p2p::test {
namespace {

const crypto::KeyPair& Key() {
  static const crypto::KeyPair key = crypto::KeyPair::Generate();
  return key;
}

// 110 blocks paying Key(): the coinbases of blocks 1..10 are mature.
const PrebuiltChain& Prebuilt() {
  static const PrebuiltChain chain(110, chain::testing::PayTo(Key()));
  return chain;
}

Nodes MakeNodes(int count, int subnet) {
  Nodes nodes;
  const std::filesystem::path& datadir = Prebuilt().dir.path();
  for (int i = 0; i < count; ++i) {
    nodes.push_back(std::make_unique<SyncNode>(fmt::format("127.31.{}.{}", subnet, i + 1),
                                               FastSyncOptions(), nullptr, 1, &datadir));
    nodes.back()->Start();
  }
  return nodes;
}

// A payment spending the coinbase of block `height` of `node`'s chain.
primitives::Transaction SpendCoinbase(SyncNode& node, int height) {
  const auto block = node.chain().GetBlock(*node.chain().GetBlockHash(height)).value();
  const auto coin = chain::testing::CoinbaseOutput(block);
  return chain::testing::SignedTx(
      Key(), {coin}, {primitives::TxOut{coin.out.value - 1000, chain::testing::PayTo(Key())}});
}

bool AllMempoolsHold(const Nodes& nodes, size_t count) {
  return WaitUntil([&] {
    for (const auto& node : nodes) {
      if (node->chain().GetMempoolInfo().count != count) return false;
    }
    return true;
  }, 30s);  // generous: sanitizer builds on a loaded 2-core machine relay slowly
}

class CompactPropagationTest : public ::testing::TestWithParam<Topology> {};

TEST_P(CompactPropagationTest, BlocksTravelAsCompactBlocksAndAreRebuiltOncePerNode) {
  constexpr int kNodes = 10;
  Nodes nodes = MakeNodes(kNodes, static_cast<int>(GetParam()));
  Connect(nodes, GetParam(), 7);
  // Blocks mined at an end, the middle and the other end, each with transactions that every
  // mempool holds by then.
  const std::vector<size_t> miners = {0, kNodes / 2, kNodes - 1};
  std::vector<uint64_t> mined(kNodes, 0);
  int coin = 1;
  for (const size_t miner : miners) {
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(nodes[miner]->chain().SubmitTransaction(SpendCoinbase(*nodes[miner], coin++)));
    }
    ASSERT_TRUE(AllMempoolsHold(nodes, 3));
    const auto block = nodes[miner]->Mine(chain::testing::PayTo(Key()));
    ASSERT_EQ(block.transactions.size(), 4u);
    ++mined[miner];
    ASSERT_TRUE(WaitUntil([&] { return AllOnTip(nodes, block.header.Hash()); }, 30s));
    ASSERT_TRUE(AllMempoolsHold(nodes, 0));
  }
  for (size_t i = 0; i < kNodes; ++i) {
    const uint64_t expected = miners.size() - mined[i];
    const auto status = nodes[i]->sync().GetSyncStatus();
    EXPECT_EQ(status.blocks_received, expected) << "node " << i;
    EXPECT_EQ(status.duplicate_blocks, 0u) << "node " << i;
    // Every block rebuilt from the mempool, none downloaded whole, none fetched twice.
    EXPECT_EQ(status.compact_reconstructed, expected) << "node " << i;
    EXPECT_EQ(status.compact_round_trip, 0u) << "node " << i;
    EXPECT_EQ(status.compact_fallbacks, 0u) << "node " << i;
    EXPECT_EQ(nodes[i]->BlockMessagesReceived(), 0u) << "node " << i;
    EXPECT_EQ(nodes[i]->MessagesReceived("getblocktxn"), 0u) << "node " << i;
    // High-bandwidth peers may each push one: at least one per block, at most three.
    const uint64_t compact = nodes[i]->MessagesReceived("cmpctblock");
    EXPECT_GE(compact, expected) << "node " << i;
    EXPECT_LE(compact, 3 * expected) << "node " << i;
    // Each transaction's signature was checked once, when it entered the mempool.
    const auto cache = nodes[i]->chain().ScriptCacheStats();
    EXPECT_EQ(cache.hits, 3 * miners.size()) << "node " << i;
    EXPECT_EQ(cache.misses, 0u) << "node " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Topologies, CompactPropagationTest,
                         ::testing::Values(Topology::kLine, Topology::kStar, Topology::kRandom),
                         TopologyName);

TEST(CompactBlocksTest, ANodeWithoutTheTransactionsFetchesThemInOneRound) {
  Nodes nodes = MakeNodes(2, 10);
  SyncNode& miner = *nodes[0];
  SyncNode& late = *nodes[1];
  // The transactions reach the miner's pool before the other node is connected, so nobody
  // announces them to it: its mempool stays empty.
  for (int height = 1; height <= 4; ++height) {
    ASSERT_TRUE(miner.chain().SubmitTransaction(SpendCoinbase(miner, height)));
  }
  ASSERT_TRUE(late.Link(miner));
  const auto block = miner.Mine(chain::testing::PayTo(Key()));
  ASSERT_EQ(block.transactions.size(), 5u);
  ASSERT_TRUE(WaitUntil([&] { return late.Tip().hash == block.header.Hash(); }, 10s));
  EXPECT_EQ(late.chain().GetMempoolInfo().count, 0u);
  const auto status = late.sync().GetSyncStatus();
  EXPECT_EQ(status.compact_blocks_received, 1u);
  EXPECT_EQ(status.compact_round_trip, 1u);
  EXPECT_EQ(status.compact_reconstructed, 0u);
  EXPECT_EQ(status.compact_fallbacks, 0u);
  EXPECT_EQ(late.MessagesSent("getblocktxn"), 1u);
  EXPECT_EQ(late.MessagesReceived("blocktxn"), 1u);
  EXPECT_EQ(late.BlockMessagesReceived(), 0u);
  EXPECT_EQ(status.blocks_received, 1u);
  // Transactions that came in the blocktxn, not through the mempool, are verified in the block.
  EXPECT_EQ(late.chain().ScriptCacheStats().misses, 4u);
  EXPECT_EQ(late.chain().ScriptCacheStats().hits, 0u);

  // Delivered first by the miner, which is now asked to push: the next block comes unasked
  // (no getdata for it) and needs no round trip (only its coinbase).
  ASSERT_TRUE(WaitUntil([&] { return miner.MessagesReceived("sendcmpct") >= 2; }));
  const uint64_t getdata_before = late.MessagesSent("getdata");
  const auto next = miner.Mine(chain::testing::PayTo(Key()));
  ASSERT_TRUE(WaitUntil([&] { return late.Tip().hash == next.header.Hash(); }, 10s));
  const auto after = late.sync().GetSyncStatus();
  EXPECT_EQ(after.compact_reconstructed, 1u);
  EXPECT_EQ(late.MessagesSent("getdata"), getdata_before);
  EXPECT_EQ(late.BlockMessagesReceived(), 0u);
}

}  // namespace
}  // namespace parthenon::p2p::test
