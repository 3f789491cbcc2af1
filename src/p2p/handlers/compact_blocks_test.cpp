#include "p2p/handlers/compact_blocks.h"

#include <gtest/gtest.h>

#include <random>

#include "crypto/sha256.h"
#include "p2p/wire/test_messages.h"
#include "primitives/merkle.h"

namespace parthenon::p2p::compact {
namespace {

using primitives::Block;
using primitives::Transaction;

Transaction Coinbase(uint32_t height) {
  Transaction tx;
  primitives::TxIn in;
  in.script_sig = {std::byte{0x03}, std::byte(height), std::byte(height >> 8), std::byte{0}};
  tx.inputs.push_back(in);
  tx.outputs.push_back({50'0000'0000, util::Bytes(34, std::byte{0x51})});
  return tx;
}

// A block of a coinbase and `count` witness transactions, with its merkle root.
Block MakeBlock(size_t count, std::mt19937_64& rng) {
  Block block;
  block.header.version = 4;
  block.header.prev_block = wire::test::RandomHash(rng);
  block.header.bits = 0x207fffff;
  block.header.time = 1'700'000'000;
  block.transactions.push_back(Coinbase(static_cast<uint32_t>(rng())));
  for (size_t i = 0; i < count; ++i) block.transactions.push_back(wire::test::WitnessTransaction(rng));
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  return block;
}

// A transaction source over a list (the test's mempool), optionally lying about wtxids.
class ListSource final : public TxSource {
 public:
  void Add(const Transaction& tx) { entries_.emplace_back(primitives::Wtxid(tx), tx); }
  void AddAs(const crypto::Uint256& wtxid, const Transaction& tx) { entries_.emplace_back(wtxid, tx); }
  void ForEach(const Visitor& visit) const override {
    for (const auto& [wtxid, tx] : entries_) visit(wtxid, tx);
  }

 private:
  std::vector<std::pair<crypto::Uint256, Transaction>> entries_;
};

std::expected<PartialBlock, ReconstructError> StartWith(const wire::CmpctBlock& compact,
                                                        const TxSource& source) {
  const TxSource* sources[] = {&source};
  return PartialBlock::Start(compact, sources);
}

TEST(CompactBlocksTest, ShortIdsAreKeyedBySha256OfHeaderAndNonce) {
  std::mt19937_64 rng(1);
  const Block block = MakeBlock(1, rng);
  const auto key = ShortIdKey(block.header, 0x0102030405060708ULL);
  // The key is the first two little-endian words of SHA256(header || nonce LE).
  util::Bytes data;
  const auto header = primitives::SerializeHeader(block.header);
  data.assign(header.begin(), header.end());
  for (int i = 0; i < 8; ++i) data.push_back(std::byte(8 - i));
  const auto digest = crypto::Sha256Hash(data);
  EXPECT_EQ(key.k0, util::ReadLE<uint64_t>(digest.data()));
  EXPECT_EQ(key.k1, util::ReadLE<uint64_t>(digest.data() + 8));
  // 48 bits of SipHash-2-4 of the wtxid.
  const auto wtxid = primitives::Wtxid(block.transactions[1]);
  EXPECT_EQ(ShortId(key, wtxid), crypto::SipHash24(key, wtxid) & 0xffff'ffff'ffffULL);
  EXPECT_NE(ShortIdKey(block.header, 1), ShortIdKey(block.header, 2));
}

TEST(CompactBlocksTest, CoinbaseIsPrefilledAndTheRestAreShortIdsOfWtxids) {
  std::mt19937_64 rng(2);
  const Block block = MakeBlock(5, rng);
  const auto compact = MakeCompactBlock(block, 42);
  ASSERT_EQ(compact.prefilled.size(), 1u);
  EXPECT_EQ(compact.prefilled[0].index, 0u);
  EXPECT_EQ(compact.prefilled[0].tx, block.transactions[0]);
  ASSERT_EQ(compact.short_ids.size(), 5u);
  const auto key = ShortIdKey(block.header, 42);
  for (size_t i = 1; i < block.transactions.size(); ++i) {
    EXPECT_EQ(compact.short_ids[i - 1], ShortId(key, primitives::Wtxid(block.transactions[i])));
  }
  // With an empty pool only the coinbase is there: everything else is missing.
  const auto partial = StartWith(compact, ListSource{});
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->Missing(), (std::vector<uint32_t>{1, 2, 3, 4, 5}));
}

TEST(CompactBlocksTest, RebuildsFromThePoolWithoutARoundTrip) {
  std::mt19937_64 rng(3);
  const Block block = MakeBlock(20, rng);
  ListSource pool;
  for (size_t i = 1; i < block.transactions.size(); ++i) pool.Add(block.transactions[i]);
  for (int i = 0; i < 30; ++i) pool.Add(wire::test::WitnessTransaction(rng));  // unrelated
  // Through the wire codec, as a peer would send it.
  const auto decoded = wire::DecodeMessage("cmpctblock", wire::Encode(MakeCompactBlock(block, 7)));
  ASSERT_TRUE(decoded);
  const auto partial = StartWith(std::get<wire::CmpctBlock>(*decoded), pool);
  ASSERT_TRUE(partial);
  EXPECT_TRUE(partial->Missing().empty());
  EXPECT_EQ(partial->filled_from_sources(), 20u);
  const auto rebuilt = partial->Finish({});
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(*rebuilt, block);
}

TEST(CompactBlocksTest, MissingTransactionsComeInOneGetBlockTxnRound) {
  std::mt19937_64 rng(4);
  const Block block = MakeBlock(8, rng);
  ListSource pool;
  for (size_t i = 1; i < block.transactions.size(); ++i) {
    if (i != 3 && i != 7) pool.Add(block.transactions[i]);
  }
  const auto partial = StartWith(MakeCompactBlock(block, 9), pool);
  ASSERT_TRUE(partial);
  const std::vector<uint32_t> missing = partial->Missing();
  ASSERT_EQ(missing, (std::vector<uint32_t>{3, 7}));

  // The request, encoded differentially (3, then 7 - 3 - 1 = 3), and the peer's answer.
  const wire::GetBlockTxn request{block.header.Hash(), missing};
  EXPECT_EQ(util::ToHex(wire::Encode(request)).substr(64), "020303");
  wire::BlockTxn answer{request.block_hash, {}};
  for (const uint32_t index : request.indexes) answer.transactions.push_back(block.transactions[index]);
  const auto received = wire::DecodeMessage("blocktxn", wire::Encode(answer));
  ASSERT_TRUE(received);
  const auto rebuilt = partial->Finish(std::get<wire::BlockTxn>(*received).transactions);
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(*rebuilt, block);

  // A wrong answer: too few, too many, or other transactions.
  EXPECT_EQ(partial->Finish({}).error(), ReconstructError::kInvalid);
  std::vector<Transaction> three = answer.transactions;
  three.push_back(block.transactions[1]);
  EXPECT_EQ(partial->Finish(three).error(), ReconstructError::kInvalid);
  const std::vector<Transaction> swapped = {answer.transactions[1], answer.transactions[0]};
  EXPECT_EQ(partial->Finish(swapped).error(), ReconstructError::kMismatch);
}

TEST(CompactBlocksTest, EqualShortIdsInTheBlockMeanTheFullBlock) {
  std::mt19937_64 rng(5);
  const Block block = MakeBlock(3, rng);
  auto compact = MakeCompactBlock(block, 11);
  compact.short_ids[2] = compact.short_ids[0];
  EXPECT_EQ(StartWith(compact, ListSource{}).error(), ReconstructError::kShortIdCollision);
}

TEST(CompactBlocksTest, APoolTransactionCollidingWithAShortIdIsCaughtByTheMerkleRoot) {
  std::mt19937_64 rng(6);
  const Block block = MakeBlock(3, rng);
  auto compact = MakeCompactBlock(block, 12);
  // Slot 2's short id names a pool transaction that is not the block's (a 48-bit collision).
  const Transaction impostor = wire::test::WitnessTransaction(rng);
  compact.short_ids[1] = ShortId(ShortIdKey(block.header, 12), primitives::Wtxid(impostor));
  ListSource pool;
  pool.Add(block.transactions[1]);
  pool.Add(impostor);
  pool.Add(block.transactions[3]);
  const auto partial = StartWith(compact, pool);
  ASSERT_TRUE(partial);
  EXPECT_TRUE(partial->Missing().empty());
  EXPECT_EQ(partial->Finish({}).error(), ReconstructError::kMismatch);  // fall back to the block
}

TEST(CompactBlocksTest, TwoPoolTransactionsWithOneShortIdLeaveTheSlotToRequest) {
  std::mt19937_64 rng(7);
  const Block block = MakeBlock(2, rng);
  const auto compact = MakeCompactBlock(block, 13);
  ListSource pool;
  pool.Add(block.transactions[1]);
  pool.Add(block.transactions[2]);
  // Another transaction offered under the same id as block transaction 2 (what a pool
  // collision looks like from here): the slot is ambiguous and requested.
  pool.AddAs(primitives::Wtxid(block.transactions[2]), wire::test::WitnessTransaction(rng));
  const auto partial = StartWith(compact, pool);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->Missing(), (std::vector<uint32_t>{2}));
  EXPECT_EQ(partial->filled_from_sources(), 1u);
  const std::vector<Transaction> answer = {block.transactions[2]};
  const auto rebuilt = partial->Finish(answer);
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(*rebuilt, block);
}

TEST(CompactBlocksTest, AWrongWitnessFailsTheWitnessCommitment) {
  std::mt19937_64 rng(8);
  Block block = MakeBlock(2, rng);
  // Commit to the witness data (BIP141) and re-root.
  auto& coinbase = block.transactions[0];
  coinbase.inputs[0].witness = {util::Bytes(32, std::byte{0})};
  coinbase.outputs.push_back({0, util::Bytes(primitives::kWitnessCommitmentScriptSize)});
  const auto commitment = primitives::ComputeWitnessCommitment(
      primitives::BlockWitnessMerkleRoot(block).root, coinbase.inputs[0].witness[0]);
  coinbase.outputs.back().script_pubkey = primitives::WitnessCommitmentScript(commitment);
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  const auto compact = MakeCompactBlock(block, 14);
  // Same txid, other witness: the merkle root matches, the commitment does not.
  Transaction malleated = block.transactions[2];
  malleated.inputs[0].witness = {util::Bytes(64, std::byte{0x77})};
  ListSource pool;
  pool.Add(block.transactions[1]);
  pool.AddAs(primitives::Wtxid(block.transactions[2]), malleated);
  const auto partial = StartWith(compact, pool);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->Finish({}).error(), ReconstructError::kMismatch);
  ListSource honest;
  for (size_t i = 1; i < block.transactions.size(); ++i) honest.Add(block.transactions[i]);
  EXPECT_EQ(*StartWith(compact, honest)->Finish({}), block);
}

TEST(CompactBlocksTest, MalformedCompactBlocksAreInvalid) {
  std::mt19937_64 rng(9);
  const Block block = MakeBlock(2, rng);
  wire::CmpctBlock empty{.header = block.header};
  EXPECT_EQ(StartWith(empty, ListSource{}).error(), ReconstructError::kInvalid);
  auto compact = MakeCompactBlock(block, 15);
  compact.prefilled[0].index = 3;  // the block has three transactions: 0..2
  EXPECT_EQ(StartWith(compact, ListSource{}).error(), ReconstructError::kInvalid);
}

TEST(CompactBlocksTest, ExtraPoolKeepsTheLatestAndIsASource) {
  std::mt19937_64 rng(10);
  const Block block = MakeBlock(3, rng);
  ExtraTxPool extra(2);
  extra.Add(block.transactions[1]);
  extra.Add(block.transactions[2]);
  extra.Add(block.transactions[3]);  // forgets transaction 1
  EXPECT_EQ(extra.size(), 2u);
  ListSource pool;
  const TxSource* sources[] = {&pool, &extra};
  const auto partial = PartialBlock::Start(MakeCompactBlock(block, 16), sources);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->Missing(), (std::vector<uint32_t>{1}));
}

TEST(CompactBlocksTest, PendingBlocksAreBoundedAndExpire) {
  std::mt19937_64 rng(11);
  const auto now = SteadyTime{} + std::chrono::seconds(100);
  PendingCompactBlocks pending({.per_peer = 2, .total = 3});
  std::vector<PartialBlock> partials;
  for (int i = 0; i < 4; ++i) {
    partials.push_back(*StartWith(MakeCompactBlock(MakeBlock(1, rng), 1), ListSource{}));
  }
  EXPECT_TRUE(pending.Add(1, partials[0], now + std::chrono::seconds(1)));
  EXPECT_FALSE(pending.Add(1, partials[0], now + std::chrono::seconds(1)));  // already there
  EXPECT_TRUE(pending.Add(1, partials[1], now + std::chrono::seconds(5)));
  EXPECT_FALSE(pending.Add(1, partials[2], now));  // peer cap
  EXPECT_TRUE(pending.Add(2, partials[2], now + std::chrono::seconds(5)));
  EXPECT_FALSE(pending.Add(3, partials[3], now));  // total cap
  const auto expired = pending.TakeExpired(now + std::chrono::seconds(2));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], std::make_pair(PeerId{1}, partials[0].hash()));
  EXPECT_FALSE(pending.Take(2, partials[1].hash()));  // not that peer's
  ASSERT_TRUE(pending.Take(1, partials[1].hash()));
  pending.RemovePeer(2);
  EXPECT_EQ(pending.size(), 0u);
}

TEST(CompactBlocksTest, HighBandwidthPeersAreTheLastThreeFirstDeliverers) {
  HighBandwidthPeers hb;
  using Effects = HighBandwidthPeers::Effects;
  const auto on = [](PeerId p) { return std::make_pair(p, wire::SendCmpct{true, 2}); };
  const auto off = [](PeerId p) { return std::make_pair(p, wire::SendCmpct{false, 2}); };
  EXPECT_EQ(hb.OnFirstDelivery(1, true), (Effects{on(1)}));
  EXPECT_EQ(hb.OnFirstDelivery(2, true), (Effects{on(2)}));
  EXPECT_TRUE(hb.OnFirstDelivery(9, false).empty());  // no compact blocks: never chosen
  EXPECT_EQ(hb.OnFirstDelivery(3, true), (Effects{on(3)}));
  // Peer 1 delivers again: it becomes the most recent, nothing is sent.
  EXPECT_TRUE(hb.OnFirstDelivery(1, true).empty());
  EXPECT_EQ(hb.peers(), (std::deque<PeerId>{2, 3, 1}));
  // A fourth peer displaces the oldest, which is told to stop pushing.
  EXPECT_EQ(hb.OnFirstDelivery(4, true), (Effects{off(2), on(4)}));
  EXPECT_EQ(hb.peers(), (std::deque<PeerId>{3, 1, 4}));
  EXPECT_FALSE(hb.Contains(2));
  hb.Remove(1);
  EXPECT_EQ(hb.OnFirstDelivery(5, true), (Effects{on(5)}));  // room after a disconnect
  EXPECT_EQ(hb.peers(), (std::deque<PeerId>{3, 4, 5}));
}

}  // namespace
}  // namespace parthenon::p2p::compact
