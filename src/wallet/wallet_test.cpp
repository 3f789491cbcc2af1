#include "wallet/wallet.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "chain/test_chain.h"
#include "wallet/address.h"

namespace parthenon::wallet {
namespace {

using chain::testing::TestChain;

util::Bytes ScriptOf(const consensus::ChainParams& params, const std::string& address) {
  return consensus::KeyPathScript(DecodeKeyAddress(params, address).value());
}

TEST(WalletTest, TwoWalletsPayAndBalancesAreExact) {
  storage::testing::TempDir dir;
  TestChain chain(dir.path());
  ASSERT_TRUE(chain.Open());
  auto alice = Wallet::Open(*chain).value();
  auto bob = Wallet::Open(*chain).value();
  const auto alice_address = alice->GetNewAddress().value();
  const auto bob_address = bob->GetNewAddress().value();
  const auto& params = chain->params();
  for (int i = 0; i < 101; ++i) chain.Mine(ScriptOf(params, alice_address));
  // At height 101, coinbases of heights 1 and 2 may be spent in block 102.
  EXPECT_EQ(alice->GetBalance().value().confirmed, 100 * consensus::kCoin);
  EXPECT_EQ(alice->GetBalance().value().immature, 99 * 50 * consensus::kCoin);

  const consensus::Amount amount = 10 * consensus::kCoin;
  const auto tx = alice->CreatePayment(bob_address, amount, 2).value();
  ASSERT_TRUE(chain->SubmitTransaction(tx));
  ASSERT_EQ(tx.outputs.size(), 2u);  // payment and change
  const consensus::Amount fee = 50 * consensus::kCoin - tx.outputs[0].value - tx.outputs[1].value;
  EXPECT_GE(fee, 2 * primitives::VirtualSize(tx));
  EXPECT_EQ(bob->GetBalance().value().confirmed, 0);  // unconfirmed
  // Alice's spent coin no longer counts while the payment waits in the mempool.
  EXPECT_EQ(alice->GetBalance().value().confirmed, 50 * consensus::kCoin);

  chain.Mine(chain::testing::PayTo(crypto::KeyPair::Generate()));  // block 102, to a stranger
  EXPECT_FALSE(chain->MempoolContains(primitives::Txid(tx)));
  EXPECT_EQ(bob->GetBalance().value().confirmed, amount);
  // Heights 1..3 are mature now: 150 coins, less the payment and the fee.
  EXPECT_EQ(alice->GetBalance().value().confirmed, 150 * consensus::kCoin - amount - fee);

  // Bob pays back from the received coin; keys survive a restart.
  const auto back = bob->SendToAddress(alice_address, 4 * consensus::kCoin, 1);
  ASSERT_TRUE(back) << back.error().Message();
  chain.Mine(chain::testing::PayTo(crypto::KeyPair::Generate()));
  alice.reset();
  bob.reset();
  ASSERT_TRUE(chain.Open());
  alice = Wallet::Open(*chain).value();
  EXPECT_EQ(alice->KeyCount(), 4u);  // both wallets share the column: 2 addresses + 2 change keys
  EXPECT_EQ(alice->CreatePayment(bob_address, 1'000'000 * consensus::kCoin, 1).error().code,
            chain::ErrorCode::kInsufficientFunds);
  EXPECT_EQ(alice->CreatePayment("rprt1bogus", 1, 1).error().code, chain::ErrorCode::kNotFound);
}

TEST(WalletTest, DatabaseDirectoryIsOwnerOnly) {
  storage::testing::TempDir dir;
  TestChain chain(dir.path());
  ASSERT_TRUE(chain.Open());
  auto wallet = Wallet::Open(*chain).value();
  ASSERT_TRUE(wallet->GetNewAddress());
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
}

}  // namespace
}  // namespace parthenon::wallet
