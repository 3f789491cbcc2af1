#include "chain/script_cache.h"

#include <gtest/gtest.h>

#include "chain/test_chain.h"
#include "consensus/test_fixtures.h"

namespace parthenon::chain {
namespace {

using testing::CoinbaseOutput;
using testing::PayTo;
using testing::SignedTx;
using testing::TestChain;

crypto::Uint256 Id(int n) { return crypto::Sha256d(util::AsBytes(std::to_string(n))); }

constexpr consensus::SpendRules kV1{.script_v2 = false, .standard = false};
constexpr consensus::SpendRules kV2{.script_v2 = true, .standard = false};

TEST(ScriptCacheTest, ABlockTakesAnEntryOnce) {
  ScriptCache cache(10);
  cache.Insert(Id(1), kV1);
  EXPECT_TRUE(cache.TakeForBlock(Id(1), kV1));
  EXPECT_FALSE(cache.TakeForBlock(Id(1), kV1));  // confirmed once; a second block verifies it
  EXPECT_FALSE(cache.TakeForBlock(Id(2), kV1));
  const auto stats = cache.GetStats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.entries, 0u);
}

TEST(ScriptCacheTest, RulesArePartOfTheKeyButThePolicyBitIsNot) {
  ScriptCache cache(10);
  cache.Insert(Id(1), kV1);
  EXPECT_FALSE(cache.TakeForBlock(Id(1), kV2));  // checked without v2's script paths: not enough
  cache.Insert(Id(2), {.script_v2 = true, .standard = true});
  EXPECT_TRUE(cache.TakeForBlock(Id(2), kV2));
}

TEST(ScriptCacheTest, TheOldestEntryIsEvictedAtCapacity) {
  ScriptCache cache(3);
  for (int i = 0; i < 5; ++i) cache.Insert(Id(i), kV1);
  EXPECT_EQ(cache.GetStats().entries, 3u);
  EXPECT_FALSE(cache.TakeForBlock(Id(0), kV1));
  EXPECT_FALSE(cache.TakeForBlock(Id(1), kV1));
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(cache.TakeForBlock(Id(i), kV1)) << i;
}

TEST(ScriptCacheTest, EntriesTakenByBlocksDoNotHoldCapacity) {
  ScriptCache cache(2);
  for (int i = 0; i < 100; ++i) {
    cache.Insert(Id(i), kV1);
    ASSERT_TRUE(cache.TakeForBlock(Id(i), kV1)) << i;
  }
  cache.Insert(Id(100), kV1);
  cache.Insert(Id(101), kV1);
  EXPECT_EQ(cache.GetStats().entries, 2u);
  EXPECT_TRUE(cache.TakeForBlock(Id(100), kV1));
  EXPECT_TRUE(cache.TakeForBlock(Id(101), kV1));
}

TEST(ScriptCacheTest, ZeroCapacityCachesNothing) {
  ScriptCache cache(0);
  cache.Insert(Id(1), kV1);
  EXPECT_FALSE(cache.TakeForBlock(Id(1), kV1));
  EXPECT_EQ(cache.GetStats().entries, 0u);
}

// --- in the chainstate ---

class ChainScriptCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(miner_.Open());
    ASSERT_TRUE(peer_.Open());
    for (int i = 0; i < 101; ++i) {
      const auto block = miner_.Mine(PayTo(alice_));
      coinbases_.push_back(CoinbaseOutput(block));
      peer_.clock.Set(miner_.clock.Now());
      ASSERT_TRUE(peer_->SubmitBlock(block));
    }
    spend_ = SignedTx(alice_, {coinbases_[0]},
                      {{.value = coinbases_[0].out.value - 10'000, .script_pubkey = PayTo(bob_)}});
    ASSERT_EQ(miner_->SubmitTransaction(spend_).value(), TxOutcome::kAccepted);
  }

  const crypto::KeyPair alice_ = crypto::KeyPair::Generate();
  const crypto::KeyPair bob_ = crypto::KeyPair::Generate();
  TestChain miner_, peer_;
  std::vector<testing::Spendable> coinbases_;
  primitives::Transaction spend_;
};

TEST_F(ChainScriptCacheTest, AMempoolTransactionIsNotVerifiedAgainInABlock) {
  EXPECT_EQ(miner_->ScriptCacheStats().entries, 1u);
  const auto block = miner_.Mine(PayTo(alice_));
  ASSERT_EQ(block.transactions.size(), 2u);
  EXPECT_EQ(miner_->ScriptCacheStats().hits, 1u);
  EXPECT_EQ(miner_->ScriptCacheStats().entries, 0u);
  // The peer never saw the transaction: it verifies it in full, and agrees.
  peer_.clock.Set(miner_.clock.Now());
  ASSERT_EQ(peer_->SubmitBlock(block).value(), BlockOutcome::kAccepted);
  EXPECT_EQ(peer_->ScriptCacheStats().hits, 0u);
  EXPECT_EQ(peer_->ScriptCacheStats().misses, 1u);
  EXPECT_EQ(peer_->Tip(), miner_->Tip());
}

TEST_F(ChainScriptCacheTest, AMempoolTransactionWithAnotherWitnessIsVerifiedAndRefused) {
  // Same txid, a different (wrong) signature: a different wtxid, so the cache has nothing to say.
  primitives::Block block = miner_->CreateBlockTemplate(PayTo(alice_)).value().block;
  ASSERT_EQ(block.transactions.size(), 2u);
  const auto wrong = alice_.Sign(crypto::Sha256d(util::AsBytes("something else")).span());
  block.transactions[1].inputs[0].witness = {util::Bytes(wrong.begin(), wrong.end())};
  ASSERT_EQ(primitives::Txid(block.transactions[1]), primitives::Txid(spend_));
  block.transactions[0].outputs.pop_back();  // the witness commitment, made again by Finish
  consensus::testing::Finish(block);
  const auto refused = miner_->SubmitBlock(block);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().consensus, consensus::Error::kBadSignature);
  EXPECT_EQ(miner_->Tip().height, 101);
  // The genuine transaction's entry is still there for the honest block.
  EXPECT_EQ(miner_->ScriptCacheStats().entries, 1u);
  miner_.Mine(PayTo(alice_));
  EXPECT_EQ(miner_->Tip().height, 102);
  EXPECT_EQ(miner_->ScriptCacheStats().hits, 1u);
}

}  // namespace
}  // namespace parthenon::chain
