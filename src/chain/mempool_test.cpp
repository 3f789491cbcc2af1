#include <gtest/gtest.h>

#include <map>

#include "chain/chainstate.h"
#include "chain/test_chain.h"

namespace parthenon::chain {
namespace {

using testing::CoinbaseOutput;
using testing::PayTo;
using testing::SignedTx;
using testing::Spendable;
using testing::TestChain;

class MempoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(chain_.Open());
    for (int i = 0; i < 104; ++i) blocks_.push_back(chain_.Mine(PayTo(alice_)));
  }
  // A payment of coinbase `n` to bob with `fee`, optionally time-locked.
  primitives::Transaction Pay(size_t n, consensus::Amount fee, uint32_t lock_time = 0) {
    const Spendable coin = CoinbaseOutput(blocks_[n]);
    primitives::Transaction tx;
    tx.inputs.push_back({.prevout = coin.outpoint, .script_sig = {},
                         .sequence = lock_time != 0 ? 0u : 0xffffffffu, .witness = {}});
    tx.outputs.push_back({.value = coin.out.value - fee, .script_pubkey = PayTo(bob_)});
    tx.lock_time = lock_time;
    const std::vector<primitives::TxOut> spent{coin.out};
    const auto sighash =
        consensus::SignatureHash(tx, 0, 0, spent, consensus::PrecomputeSighash(tx, spent));
    const auto sig = alice_.Sign(sighash.value().span());
    tx.inputs[0].witness = {util::Bytes(sig.begin(), sig.end())};
    return tx;
  }

  TestChain chain_;
  crypto::KeyPair alice_ = crypto::KeyPair::Generate();
  crypto::KeyPair bob_ = crypto::KeyPair::Generate();
  std::vector<primitives::Block> blocks_;
};

TEST_F(MempoolTest, AcceptsAndRejectsWithReasons) {
  std::vector<crypto::Uint256> accepted_events;
  chain_->OnTransactionAccepted(
      [&](const primitives::Transaction& tx) { accepted_events.push_back(primitives::Txid(tx)); });
  const auto first = Pay(0, 1000);
  ASSERT_EQ(chain_->SubmitTransaction(first).value(), TxOutcome::kAccepted);
  EXPECT_EQ(accepted_events, std::vector{primitives::Txid(first)});
  EXPECT_EQ(chain_->SubmitTransaction(first).error().code, ErrorCode::kAlreadyKnown);
  // First seen wins: a double spend of the same coin is refused.
  EXPECT_EQ(chain_->SubmitTransaction(Pay(0, 5000)).error().code, ErrorCode::kMempoolConflict);
  EXPECT_EQ(chain_->MempoolSpender(CoinbaseOutput(blocks_[0]).outpoint), primitives::Txid(first));
  // Below 1 unit per vbyte.
  EXPECT_EQ(chain_->SubmitTransaction(Pay(1, 10)).error().code, ErrorCode::kMinRelayFee);
  // Locked until a future height.
  EXPECT_EQ(chain_->SubmitTransaction(Pay(2, 1000, 500)).error().code, ErrorCode::kNonFinal);
  auto bad_sig = Pay(3, 1000);
  bad_sig.outputs[0].value -= 1;
  EXPECT_EQ(chain_->SubmitTransaction(bad_sig).error().Reason(), "bad-txns-signature");
  EXPECT_EQ(chain_->SubmitTransaction(blocks_[5].transactions[0]).error().code, ErrorCode::kCoinbaseTx);
  EXPECT_EQ(chain_->GetMempoolInfo().count, 1u);
  EXPECT_EQ(chain_->MempoolGet(primitives::Txid(first)), first);
}

TEST_F(MempoolTest, VisitMempoolOffersEveryTransactionByWtxid) {
  const auto first = Pay(0, 1000);
  const auto second = Pay(1, 2000);
  ASSERT_EQ(chain_->SubmitTransaction(first).value(), TxOutcome::kAccepted);
  ASSERT_EQ(chain_->SubmitTransaction(second).value(), TxOutcome::kAccepted);
  std::map<crypto::Uint256, primitives::Transaction> seen;
  chain_->VisitMempool([&](const crypto::Uint256& wtxid, const primitives::Transaction& tx) {
    seen.emplace(wtxid, tx);
  });
  ASSERT_EQ(seen.size(), 2u);
  // Keyed by wtxid (these transactions carry witnesses, so it differs from the txid).
  EXPECT_NE(primitives::Wtxid(first), primitives::Txid(first));
  EXPECT_EQ(seen.at(primitives::Wtxid(first)), first);
  EXPECT_EQ(seen.at(primitives::Wtxid(second)), second);
  (void)chain_.Mine(PayTo(alice_));
  size_t after = 0;
  chain_->VisitMempool([&](const crypto::Uint256&, const primitives::Transaction&) { ++after; });
  EXPECT_EQ(after, 0u);
}

TEST_F(MempoolTest, OrphanTransactionWaitsForItsParent) {
  const auto parent = Pay(0, 1000);
  const Spendable parent_out{{primitives::Txid(parent), 0}, parent.outputs[0]};
  const auto child = SignedTx(bob_, {parent_out},
                              {{.value = parent_out.out.value - 1000, .script_pubkey = PayTo(alice_)}});
  EXPECT_EQ(chain_->SubmitTransaction(child).value(), TxOutcome::kOrphan);
  EXPECT_FALSE(chain_->MempoolContains(primitives::Txid(child)));
  ASSERT_EQ(chain_->SubmitTransaction(parent).value(), TxOutcome::kAccepted);
  EXPECT_TRUE(chain_->MempoolContains(primitives::Txid(child)));
  // Both are mined, parent first, and leave the pool.
  const auto block = chain_.Mine(PayTo(alice_));
  ASSERT_EQ(block.transactions.size(), 3u);
  EXPECT_EQ(block.transactions[1], parent);
  EXPECT_EQ(chain_->GetMempoolInfo().count, 0u);
}

TEST_F(MempoolTest, TemplateOrdersByFeeRateAndCapEvictsLowest) {
  const auto low = Pay(0, 200);
  const auto high = Pay(1, 50'000);
  ASSERT_TRUE(chain_->SubmitTransaction(low));
  ASSERT_TRUE(chain_->SubmitTransaction(high));
  const auto tmpl = chain_->CreateBlockTemplate(PayTo(alice_)).value();
  ASSERT_EQ(tmpl.block.transactions.size(), 3u);
  EXPECT_EQ(tmpl.block.transactions[1], high);
  EXPECT_EQ(tmpl.fees, 50'200);

  // A pool that holds about one transaction keeps the better fee rate.
  const int64_t one_tx = primitives::VirtualSize(low);
  chain_.mempool.max_vbytes = one_tx + one_tx / 2;
  ASSERT_TRUE(chain_.Open());
  std::vector<crypto::Uint256> removed;
  chain_->OnTransactionRemoved([&](const crypto::Uint256& txid) { removed.push_back(txid); });
  ASSERT_TRUE(chain_->SubmitTransaction(low));
  ASSERT_TRUE(chain_->SubmitTransaction(high));
  EXPECT_EQ(removed, std::vector{primitives::Txid(low)});
  EXPECT_EQ(chain_->SubmitTransaction(Pay(2, 150)).error().code, ErrorCode::kMempoolFull);
  EXPECT_EQ(chain_->MempoolTxids(), std::vector{primitives::Txid(high)});
}

}  // namespace
}  // namespace parthenon::chain
