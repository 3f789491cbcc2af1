// Multi-node tests of p2p::ChainSync: full in-process nodes (chainstate + network manager +
// ChainSync) on 127.x.y.z loopback addresses, talking the real protocol over sockets.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "crypto/schnorr.h"
#include "sync_node.h"

namespace parthenon::p2p::test {
namespace {

using Nodes = std::vector<std::unique_ptr<SyncNode>>;

Nodes MakeNodes(int count, int subnet, ChainSync::Options options = FastSyncOptions()) {
  Nodes nodes;
  for (int i = 0; i < count; ++i) {
    nodes.push_back(std::make_unique<SyncNode>(fmt::format("127.30.{}.{}", subnet, i + 1), options));
    nodes.back()->Start();
  }
  return nodes;
}

const util::Bytes& Payout() {
  static const crypto::KeyPair key = crypto::KeyPair::Generate();
  static const util::Bytes script = chain::testing::PayTo(key);
  return script;
}

bool WaitTip(const Nodes& nodes, const crypto::Uint256& hash, std::chrono::milliseconds timeout = 10s) {
  return WaitUntil([&] { return AllOnTip(nodes, hash); }, timeout);
}

enum class Topology { kLine, kStar, kRandom };

void Connect(Nodes& nodes, Topology topology) {
  const size_t n = nodes.size();
  switch (topology) {
    case Topology::kLine:
      for (size_t i = 0; i + 1 < n; ++i) ASSERT_TRUE(nodes[i]->Link(*nodes[i + 1]));
      break;
    case Topology::kStar:
      for (size_t i = 1; i < n; ++i) ASSERT_TRUE(nodes[i]->Link(*nodes[0]));
      break;
    case Topology::kRandom: {
      // A random spanning tree (connected) plus extra random edges: about 3 links per node.
      std::mt19937 rng(42);
      std::set<std::pair<size_t, size_t>> edges;
      for (size_t i = 1; i < n; ++i) edges.insert({std::uniform_int_distribution<size_t>(0, i - 1)(rng), i});
      while (edges.size() < n * 3 / 2) {
        size_t a = rng() % n, b = rng() % n;
        if (a == b) continue;
        edges.insert({std::min(a, b), std::max(a, b)});
      }
      for (const auto& [a, b] : edges) ASSERT_TRUE(nodes[b]->Link(*nodes[a]));
      break;
    }
  }
}

class PropagationTest : public ::testing::TestWithParam<Topology> {};

TEST_P(PropagationTest, BlocksReachEveryNodeAndAreDownloadedOncePerNode) {
  constexpr int kNodes = 10;
  Nodes nodes = MakeNodes(kNodes, 10 + static_cast<int>(GetParam()));
  Connect(nodes, GetParam());
  // Blocks mined at different places: an end, the middle, the other end.
  const std::vector<size_t> miners = {0, kNodes / 2, kNodes - 1};
  std::vector<int> mined(kNodes, 0);
  for (size_t miner : miners) {
    const auto block = nodes[miner]->Mine(Payout());
    ++mined[miner];
    ASSERT_TRUE(WaitTip(nodes, block.header.Hash()));
  }
  for (int i = 0; i < kNodes; ++i) {
    const uint64_t expected = miners.size() - static_cast<size_t>(mined[static_cast<size_t>(i)]);
    const auto status = nodes[static_cast<size_t>(i)]->sync().GetSyncStatus();
    EXPECT_EQ(status.height, static_cast<int>(miners.size())) << "node " << i;
    EXPECT_EQ(status.blocks_received, expected) << "node " << i;
    EXPECT_EQ(status.duplicate_blocks, 0u) << "node " << i;
    EXPECT_EQ(nodes[static_cast<size_t>(i)]->BlockMessagesReceived(), expected) << "node " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Topologies, PropagationTest,
                         ::testing::Values(Topology::kLine, Topology::kStar, Topology::kRandom),
                         [](const auto& param_info) {
                           switch (param_info.param) {
                             case Topology::kLine: return std::string("Line");
                             case Topology::kStar: return std::string("Star");
                             case Topology::kRandom: return std::string("Random");
                           }
                           return std::string("?");
                         });

}  // namespace
}  // namespace parthenon::p2p::test
