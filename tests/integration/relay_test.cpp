// Multi-node tests of p2p::ChainSync: full in-process nodes (chainstate + network manager +
// ChainSync) on 127.x.y.z loopback addresses, talking the real protocol over sockets.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "crypto/schnorr.h"
#include <fstream>

#include "consensus/pow.h"

#include "consensus/pow.h"
#include "sync_node.h"
#include "topology.h"

namespace parthenon::p2p::test {
namespace {

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
    // Whole or as cmpctblock (BIP152: tests/integration/compact_blocks_test.cpp), never twice.
    EXPECT_LE(nodes[static_cast<size_t>(i)]->BlockMessagesReceived(), expected) << "node " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Topologies, PropagationTest,
                         ::testing::Values(Topology::kLine, Topology::kStar, Topology::kRandom),
                         TopologyName);

// A coin of `node`'s chain owned by Key(): the coinbase of the block at `height`.
chain::testing::Spendable CoinAt(SyncNode& node, int height) {
  auto block = node.chain().GetBlock(*node.chain().GetBlockHash(height)).value();
  return chain::testing::CoinbaseOutput(block);
}

const crypto::KeyPair& Key() {
  static const crypto::KeyPair key = crypto::KeyPair::Generate();
  return key;
}

primitives::Transaction Spend(const chain::testing::Spendable& coin, consensus::Amount fee) {
  return chain::testing::SignedTx(Key(), {coin},
                                  {primitives::TxOut{coin.out.value - fee, chain::testing::PayTo(Key())}});
}

// Mines `count` blocks paying Key() on `node`; returns the last.
primitives::Block MineMany(SyncNode& node, int count) {
  primitives::Block last;
  for (int i = 0; i < count; ++i) last = node.Mine(chain::testing::PayTo(Key()));
  return last;
}

TEST(RelayTest, TransactionsReachEveryMempoolAndOneOfADoubleSpendWins) {
  Nodes nodes = MakeNodes(6, 20);
  Connect(nodes, Topology::kLine);
  const auto tip = MineMany(*nodes[0], 102);  // coinbase maturity 100
  ASSERT_TRUE(WaitTip(nodes, tip.header.Hash()));

  const auto tx = Spend(CoinAt(*nodes[0], 1), 1000);
  const auto txid = primitives::Txid(tx);
  ASSERT_TRUE(nodes[0]->chain().SubmitTransaction(tx));
  EXPECT_TRUE(WaitUntil([&] {
    for (auto& node : nodes) if (!node->chain().MempoolContains(txid)) return false;
    return true;
  }));

  // Two spends of one coin, entered at opposite ends of the line.
  const auto coin = CoinAt(*nodes[0], 2);
  const auto a = Spend(coin, 1000);
  const auto b = Spend(coin, 2000);
  const auto ida = primitives::Txid(a), idb = primitives::Txid(b);
  ASSERT_NE(ida, idb);
  ASSERT_TRUE(nodes.front()->chain().SubmitTransaction(a));
  ASSERT_TRUE(nodes.back()->chain().SubmitTransaction(b));
  auto exactly_one = [&] {
    for (auto& node : nodes) {
      if (node->chain().MempoolContains(ida) == node->chain().MempoolContains(idb)) return false;
    }
    return true;
  };
  ASSERT_TRUE(WaitUntil(exactly_one));
  std::this_thread::sleep_for(200ms);  // announcements settle; still exactly one everywhere
  EXPECT_TRUE(exactly_one());

  const auto block = nodes[2]->Mine(chain::testing::PayTo(Key()));
  ASSERT_TRUE(WaitTip(nodes, block.header.Hash()));
  int spends = 0;
  for (const auto& t : block.transactions) {
    const auto id = primitives::Txid(t);
    spends += (id == ida) + (id == idb);
  }
  EXPECT_EQ(spends, 1);
  for (auto& node : nodes) {
    EXPECT_FALSE(node->chain().MempoolContains(ida));
    EXPECT_FALSE(node->chain().MempoolContains(idb));
    EXPECT_FALSE(node->chain().MempoolContains(txid));
  }
}

TEST(RelayTest, MempoolMessageIsAnsweredWithItsTransactions) {
  Nodes nodes = MakeNodes(1, 21);
  const auto tip = MineMany(*nodes[0], 101);
  const auto tx = Spend(CoinAt(*nodes[0], 1), 1000);
  ASSERT_TRUE(nodes[0]->chain().SubmitTransaction(tx));
  RawPeer raw("127.30.21.50", nodes[0]->ip(), nodes[0]->port());
  ASSERT_TRUE(raw.Handshake());
  ASSERT_TRUE(raw.Send(wire::MemPool{}));
  auto inv = raw.ReadUntil<wire::Inv>();
  ASSERT_TRUE(inv);
  ASSERT_EQ(inv->items.size(), 1u);
  EXPECT_EQ(inv->items[0].hash, primitives::Txid(tx));
  // getdata for it and for an unknown hash: tx + notfound.
  ASSERT_TRUE(raw.Send(wire::GetData{{inv->items[0], {wire::InvType::kBlock, inv->items[0].hash}}}));
  EXPECT_TRUE(raw.ReadUntil<wire::TxMessage>());
  auto notfound = raw.ReadUntil<wire::NotFound>();
  ASSERT_TRUE(notfound);
  EXPECT_EQ(notfound->items.size(), 1u);
  (void)tip;
}

TEST(SyncTest, LateNodeSyncsFromSeveralPeersAndSurvivesLosingItsSyncPeer) {
  constexpr int kBlocks = 2100;
  const PrebuiltChain prebuilt(kBlocks, Payout());
  Nodes sources;
  for (int i = 0; i < 3; ++i) {
    sources.push_back(std::make_unique<SyncNode>(fmt::format("127.30.30.{}", i + 1), FastSyncOptions(),
                                                 nullptr, 1, &prebuilt.dir.path()));
    sources.back()->Start();
  }
  ASSERT_TRUE(AllOnTip(sources, prebuilt.tip.hash));
  const crypto::Uint256 tip_hash = prebuilt.tip.hash;

  auto options = FastSyncOptions();
  options.max_blocks_in_flight_per_peer = 8;
  SyncNode late("127.30.30.20", options);
  late.Start();
  for (auto& source : sources) ASSERT_TRUE(late.Link(*source));
  ASSERT_TRUE(WaitUntil([&] { return late.Tip().height >= kBlocks / 3; }, 60s));
  // Kill the peer that served our headers (or the first source if headers are done).
  auto status = late.sync().GetSyncStatus();
  EXPECT_TRUE(status.syncing);
  EXPECT_LT(status.height, kBlocks);
  EXPECT_EQ(status.headers_height, kBlocks);
  size_t victim = 0;
  if (status.sync_peer) {
    if (auto info = late.net().GetPeer(*status.sync_peer)) {
      for (size_t i = 0; i < sources.size(); ++i) {
        if (sources[i]->ip() == info->address.HostString()) victim = i;
      }
    }
  }
  // Blocks came from more than one peer.
  size_t serving = 0;
  for (const auto& peer : late.net().GetPeers()) {
    auto it = peer.received_per_command.find("block");
    serving += it != peer.received_per_command.end() && it->second.messages > 0;
  }
  EXPECT_GE(serving, 2u);
  sources[victim]->net().Stop();
  ASSERT_TRUE(WaitUntil([&] { return late.Tip().hash == tip_hash; }, 60s))
      << late.sync().ProgressLine();
  status = late.sync().GetSyncStatus();
  EXPECT_FALSE(status.syncing);
  EXPECT_EQ(status.height, kBlocks);
  EXPECT_DOUBLE_EQ(status.progress, 1.0);
  EXPECT_EQ(status.duplicate_blocks, 0u);
}

TEST(SyncTest, PartitionHealsOntoTheHeavierBranchAndLosingTransactionsReturn) {
  Nodes nodes = MakeNodes(6, 40);
  // Halves {0,1,2} and {3,4,5}, each a line, bridged by 2 -> 3.
  for (size_t i : {0u, 1u, 3u, 4u}) ASSERT_TRUE(nodes[i]->Link(*nodes[i + 1]));
  ASSERT_TRUE(nodes[2]->Link(*nodes[3]));
  const auto base = MineMany(*nodes[0], 101);
  ASSERT_TRUE(WaitTip(nodes, base.header.Hash()));

  // Partition: stop redialling and drop the bridge.
  nodes[2]->net().RemovePeer(nodes[3]->ip(), nodes[3]->port());
  for (const auto& peer : nodes[2]->net().GetPeers()) {
    if (peer.address.HostString() == nodes[3]->ip()) (void)nodes[2]->net().DisconnectPeer(peer.id);
  }
  ASSERT_TRUE(WaitUntil([&] { return nodes[3]->ConnectedTo(nodes[2]->ip()) == 0; }));

  Nodes left, right;
  // The left half confirms a transaction on a short branch; the right half mines a longer one.
  const auto tx = Spend(CoinAt(*nodes[0], 1), 1000);
  const auto txid = primitives::Txid(tx);
  ASSERT_TRUE(nodes[0]->chain().SubmitTransaction(tx));
  ASSERT_TRUE(WaitUntil([&] { return nodes[2]->chain().MempoolContains(txid); }));
  const auto left_tip = nodes[1]->Mine(chain::testing::PayTo(Key()));
  primitives::Block right_tip;
  for (int i = 0; i < 3; ++i) right_tip = nodes[4]->Mine(chain::testing::PayTo(Key()));
  ASSERT_TRUE(WaitUntil([&] {
    return nodes[0]->Tip().hash == left_tip.header.Hash() && nodes[2]->Tip().hash == left_tip.header.Hash() &&
           nodes[3]->Tip().hash == right_tip.header.Hash() && nodes[5]->Tip().hash == right_tip.header.Hash();
  }));
  for (size_t i = 0; i < 3; ++i) EXPECT_FALSE(nodes[i]->chain().MempoolContains(txid));

  // Heal.
  ASSERT_TRUE(nodes[2]->Link(*nodes[3]));
  ASSERT_TRUE(WaitTip(nodes, right_tip.header.Hash()));
  // The left branch's transaction is back in the mempools of the left half.
  EXPECT_TRUE(WaitUntil([&] {
    for (size_t i = 0; i < 3; ++i) if (!nodes[i]->chain().MempoolContains(txid)) return false;
    return true;
  }));
}

// A raw peer that completes the handshake announcing `start_height`.
bool Handshake(RawPeer& raw, int32_t start_height) {
  auto version = RawPeer::MakeVersion(0x5151 + static_cast<uint64_t>(start_height));
  version.start_height = start_height;
  return raw.Send(version) && raw.ReadUntil<wire::Verack>() && raw.Send(wire::Verack{});
}

TEST(SyncTest, MisbehavingPeersAreReportedAndSyncContinuesFromOthers) {
  constexpr int kBlocks = 200;
  Nodes good = MakeNodes(1, 50);
  const auto tip = MineMany(*good[0], kBlocks);
  const auto headers = good[0]->chain().HeadersAfter(
      std::vector<crypto::Uint256>{good[0]->chain().params().genesis_hash}, crypto::Uint256(), 2000);
  ASSERT_EQ(headers.size(), size_t{kBlocks});

  RecordingPolicy policy;
  auto options = FastSyncOptions();
  options.block_timeout = 500ms;
  SyncNode victim("127.30.50.20", options, &policy);
  victim.Start();

  // 1. Announces the whole chain and never delivers a block.
  RawPeer silent("127.30.50.31", victim.ip(), victim.port());
  ASSERT_TRUE(Handshake(silent, kBlocks));
  ASSERT_TRUE(silent.ReadUntil<wire::GetHeaders>());
  ASSERT_TRUE(silent.Send(wire::Headers{headers}));
  ASSERT_TRUE(silent.ReadUntil<wire::GetData>());

  // 2. Answers getheaders with headers that do not connect.
  RawPeer liar("127.30.50.32", victim.ip(), victim.port());
  ASSERT_TRUE(Handshake(liar, kBlocks + 50));
  auto bogus = headers;
  std::array<std::byte, 32> unknown{};
  unknown.fill(std::byte{0x42});
  bogus[0].prev_block = crypto::Uint256(unknown);  // a parent nobody has
  // Two answers to our locator (which ends at genesis) that do not connect: another chain.
  for (int answer = 0; answer < 2; ++answer) {
    ASSERT_TRUE(liar.ReadUntil<wire::GetHeaders>()) << answer;
    ASSERT_TRUE(liar.Send(wire::Headers{bogus}));
  }
  EXPECT_TRUE(liar.WaitClosed());

  // The honest peer.
  ASSERT_TRUE(victim.Link(*good[0]));
  ASSERT_TRUE(WaitUntil([&] { return victim.Tip().hash == tip.header.Hash(); }, 20s))
      << victim.sync().ProgressLine();

  // 3. Sends a block with a bad merkle root (valid proof of work).
  RawPeer forger("127.30.50.33", victim.ip(), victim.port());
  ASSERT_TRUE(Handshake(forger, kBlocks + 1));  // its own nonce: the silent peer is still here
  auto tmpl = good[0]->chain().CreateBlockTemplate(chain::testing::PayTo(Key())).value();
  tmpl.block.transactions[0].outputs[0].value -= 1;  // the merkle root no longer matches
  auto invalid = chain::MineBlock(std::move(tmpl.block), good[0]->chain().params()).value();
  ASSERT_TRUE(forger.Send(wire::BlockMessage{invalid}));
  EXPECT_TRUE(forger.WaitClosed());

  EXPECT_TRUE(WaitUntil([&] { return policy.Count(MisbehaviorKind::kUnresponsive, "127.30.50.31") > 0; }));
  EXPECT_EQ(policy.Count(MisbehaviorKind::kWrongChain, "127.30.50.32"), 1u);
  EXPECT_EQ(policy.Count(MisbehaviorKind::kInvalidBlock, "127.30.50.33"), 1u);
  EXPECT_EQ(policy.Count(MisbehaviorKind::kInvalidBlock, good[0]->ip()), 0u);
  EXPECT_EQ(policy.Count(MisbehaviorKind::kInvalidHeaders, good[0]->ip()), 0u);

  // Still following the honest peer.
  const auto next = good[0]->Mine(chain::testing::PayTo(Key()));
  EXPECT_TRUE(WaitUntil([&] { return victim.Tip().hash == next.header.Hash(); }))
      << victim.sync().ProgressLine() << " header tip " << victim.chain().HeaderTip().hash.ToHex()
      << " forged " << invalid.header.Hash().ToHex() << " next " << next.header.Hash().ToHex();
}

// Issue 18: a block whose stored copy is damaged is reported, fetched again from a peer that has
// it, stored afresh, and served again; the node keeps running.
TEST(SyncTest, DamagedStoredBlockIsFetchedAgainFromAPeer) {
  Nodes nodes = MakeNodes(2, 60);
  const auto tip = MineMany(*nodes[0], 30);
  ASSERT_TRUE(nodes[1]->Link(*nodes[0]));
  ASSERT_TRUE(WaitTip(nodes, tip.header.Hash()));
  // Flip one byte in the middle of node 1's block file.
  const auto file = nodes[1]->datadir() / "blocks" / "blk00000.dat";
  {
    std::fstream bytes(file, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(bytes);
    const auto size = std::filesystem::file_size(file);
    bytes.seekg(static_cast<std::streamoff>(size / 2));
    char c = 0;
    bytes.read(&c, 1);
    bytes.seekp(static_cast<std::streamoff>(size / 2));
    c = static_cast<char>(c ^ 0x5a);
    bytes.write(&c, 1);
  }
  std::optional<crypto::Uint256> damaged;
  for (int h = 1; h <= 30 && !damaged; ++h) {
    const auto hash = *nodes[1]->chain().GetBlockHash(h);
    auto block = nodes[1]->chain().GetBlock(hash);
    if (!block) {
      EXPECT_EQ(block.error().code, chain::ErrorCode::kCorruption);
      damaged = hash;
    }
  }
  ASSERT_TRUE(damaged) << "the flipped byte hit no block";
  EXPECT_GE(nodes[1]->chain().CorruptBlockReads(), 1u);
  // ChainSync asks node 0 for it; the fresh copy is stored and reads again.
  EXPECT_TRUE(WaitUntil([&] { return nodes[1]->chain().GetBlock(*damaged).has_value(); }, 10s));
  EXPECT_TRUE(nodes[1]->chain().BlocksToRefetch().empty());
  EXPECT_EQ(nodes[1]->ConnectedTo(nodes[0]->ip()), 1u);
}

// Headers with valid regtest proof of work forking from `parent`, `count` long, times from `time`.
std::vector<primitives::BlockHeader> ForkHeaders(const primitives::BlockHeader& parent, int count,
                                                 uint32_t time, uint8_t salt) {
  std::vector<primitives::BlockHeader> headers;
  primitives::BlockHeader prev = parent;
  const auto& params = consensus::Params(consensus::Network::kRegtest);
  for (int i = 0; i < count; ++i) {
    primitives::BlockHeader h;
    h.version = 1;
    h.prev_block = prev.Hash();
    std::array<std::byte, 32> root{};
    root.fill(std::byte{salt});
    h.merkle_root = crypto::Uint256(root);
    h.time = time + static_cast<uint32_t>(i);
    h.bits = params.pow_limit_bits;
    while (!consensus::CheckProofOfWork(h.Hash(), h.bits, params).has_value()) ++h.nonce;
    headers.push_back(h);
    prev = h;
  }
  return headers;
}

// Issue 12: low-work data is not stored, and a peer that keeps sending it is disconnected.
TEST(SyncTest, LowWorkBlocksAndHeaderForksAreNotStoredAndTheSenderIsDropped) {
  constexpr int kHeight = 2300;  // more than 2,000 headers + the 144-block anti-DoS margin
  Nodes nodes = MakeNodes(1, 61);
  SyncNode& victim = *nodes[0];
  MineMany(victim, kHeight);
  const auto genesis = *victim.chain().GetHeader(victim.chain().params().genesis_hash);
  const auto blocks_file = victim.datadir() / "blocks" / "blk00000.dat";
  const auto file_size = std::filesystem::file_size(blocks_file);

  // 1. Unrequested valid blocks at height 1 (less work than the tip), one after another.
  {
    RawPeer raw("127.30.61.40", victim.ip(), victim.port());
    ASSERT_TRUE(Handshake(raw, 1));
    std::vector<crypto::Uint256> sent;
    for (int i = 0; i < 12 && !raw.WaitClosed(10ms); ++i) {
      SyncNode fresh(fmt::format("127.30.61.{}", 50 + i));
      auto block = fresh.Build(chain::testing::PayTo(Key()));  // height 1, on genesis
      sent.push_back(block.header.Hash());
      (void)raw.Send(wire::BlockMessage{block});
    }
    EXPECT_TRUE(raw.WaitClosed()) << "the low-work block sender stays connected";
    for (const auto& hash : sent) EXPECT_FALSE(victim.chain().GetHeader(hash)) << hash.ToHex();
    EXPECT_EQ(std::filesystem::file_size(blocks_file), file_size);  // nothing stored
  }
  // 2. Forks of 2,000 headers from genesis, each abandoning the previous one.
  {
    RawPeer raw("127.30.61.41", victim.ip(), victim.port());
    ASSERT_TRUE(Handshake(raw, 2));
    const auto header_tip = victim.chain().HeaderTip();
    int sent = 0;
    for (uint8_t fork = 0; fork < 12 && !raw.WaitClosed(10ms); ++fork) {
      (void)raw.Send(wire::Headers{ForkHeaders(genesis, 2000, genesis.time + 1, fork)});
      ++sent;
    }
    EXPECT_TRUE(raw.WaitClosed()) << "still connected after " << sent << " low-work forks";
    EXPECT_EQ(victim.chain().HeaderTip().hash, header_tip.hash);
    EXPECT_FALSE(victim.chain().GetHeader(ForkHeaders(genesis, 1, genesis.time + 1, 0)[0].Hash()));
  }
  // An honest peer is still served.
  RawPeer honest("127.30.61.42", victim.ip(), victim.port());
  ASSERT_TRUE(Handshake(honest, 3));
  ASSERT_TRUE(honest.Send(wire::GetHeaders{.locator = {genesis.Hash()}}));
  auto headers = honest.ReadUntil<wire::Headers>();
  ASSERT_TRUE(headers);
  EXPECT_EQ(headers->headers.size(), 2000u);
}

// An unrequested block whose parent is unknown is not held (docs/relay-and-sync.md): the node asks
// the sender for headers and, once they connect, fetches that very block like any other (the
// lab's consensus-orphans case found it was never asked for again).
TEST(SyncTest, UnrequestedOrphanBlockIsFetchedOnceItsHeadersConnect) {
  Nodes source = MakeNodes(1, 63);
  const auto parent = source[0]->Mine(Payout());
  const auto child = source[0]->Mine(Payout());
  Nodes victim = MakeNodes(1, 64);
  RawPeer raw("127.30.64.40", victim[0]->ip(), victim[0]->port());
  ASSERT_TRUE(Handshake(raw, 0));
  // A new peer is asked for headers at once (sync start); it has nothing to add yet.
  ASSERT_TRUE(raw.ReadUntil<wire::GetHeaders>()) << "no getheaders at connection";
  ASSERT_TRUE(raw.Send(wire::Headers{}));
  ASSERT_TRUE(raw.Send(wire::BlockMessage{child}));
  ASSERT_TRUE(raw.ReadUntil<wire::GetHeaders>()) << "no getheaders after an orphan block";
  ASSERT_TRUE(raw.Send(wire::Headers{{parent.header, child.header}}));
  std::set<crypto::Uint256> requested;
  while (requested.size() < 2) {
    auto getdata = raw.ReadUntil<wire::GetData>();
    ASSERT_TRUE(getdata) << "only " << requested.size() << " of the 2 blocks requested";
    for (const auto& item : getdata->items) requested.insert(item.hash);
  }
  ASSERT_TRUE(raw.Send(wire::BlockMessage{parent}));
  ASSERT_TRUE(raw.Send(wire::BlockMessage{child}));
  EXPECT_TRUE(WaitTip(victim, child.header.Hash()));
}

}  // namespace
}  // namespace parthenon::p2p::test
