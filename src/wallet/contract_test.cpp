#include "wallet/contract.h"

#include <gtest/gtest.h>

#include "chain/test_chain.h"
#include "wallet/address.h"
#include "wallet/wallet.h"

namespace parthenon::wallet {
namespace {

using chain::testing::TestChain;

crypto::XOnlyPublicKey NewKey() { return crypto::KeyPair::Generate().PublicKey(); }

TEST(ContractTest, TermsRoundTripAndValidation) {
  const HtlcTerms htlc{.hash = crypto::Sha256Hash(util::AsBytes("secret")),
                       .receiver = NewKey(),
                       .sender = NewKey(),
                       .timeout_height = 300};
  const MultisigTerms multi{.required = 2, .keys = {NewKey(), NewKey(), NewKey()}};
  for (const ContractTerms& terms : {ContractTerms{htlc}, ContractTerms{multi}}) {
    EXPECT_EQ(ParseTerms(SerializeTerms(terms)).value(), terms);
    const auto output = ContractOutput(terms).value();
    EXPECT_EQ(output.leaves.size(), ContractLeaves(terms).size());
    // Deterministic: anyone with the terms derives the same output.
    EXPECT_EQ(ContractOutput(terms).value().output_key, output.output_key);
  }
  EXPECT_EQ(ContractLeaves(htlc)[0].name, "claim");
  EXPECT_EQ(ContractLeaves(htlc)[1].name, "refund");
  for (const MultisigTerms& bad : {MultisigTerms{.required = 0, .keys = multi.keys},
                                   MultisigTerms{.required = 4, .keys = multi.keys},
                                   MultisigTerms{.required = 1, .keys = {multi.keys[0], multi.keys[0]}}}) {
    EXPECT_EQ(ContractOutput(bad).error(), ContractError::kBadTerms);
  }
  HtlcTerms bad_timeout = htlc;
  bad_timeout.timeout_height = 500'000'000;
  EXPECT_EQ(ContractOutput(bad_timeout).error(), ContractError::kBadTerms);
  util::Bytes truncated = SerializeTerms(htlc);
  truncated.pop_back();
  EXPECT_EQ(ParseTerms(truncated).error(), ContractError::kBadEncoding);
}

// The wallet flow against one chainstate past the v2 height: deploy, claim, refund, multisig.
class WalletContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(chain_.Open());
    alice_ = Wallet::Open(*chain_).value();
    bob_ = Wallet::Open(*chain_).value();
    const auto address = alice_->GetNewAddress().value();
    const auto payout = consensus::KeyPathScript(DecodeKeyAddress(chain_->params(), address).value());
    while (chain_->Tip().height < chain_->params().script_v2_height) chain_.Mine(payout);
  }
  void Mine() { chain_.Mine(chain::testing::PayTo(crypto::KeyPair::Generate())); }
  crypto::XOnlyPublicKey KeyOf(Wallet& wallet) {
    return DecodeKeyAddress(chain_->params(), wallet.GetNewAddress().value()).value();
  }
  // Alice funds `info` with `amount` and it confirms.
  void Deploy(const ContractInfo& info, consensus::Amount amount) {
    ASSERT_TRUE(alice_->SendToAddress(info.address, amount, 2));
    Mine();
  }

  storage::testing::TempDir dir_;
  TestChain chain_{dir_.path()};
  std::unique_ptr<Wallet> alice_, bob_;
};

TEST_F(WalletContractTest, HtlcClaimedWithPreimage) {
  const util::Bytes preimage = util::ToBytes(std::string_view("the preimage of the swap, 32 byt"));
  const HtlcTerms terms{.hash = crypto::Sha256Hash(preimage),
                        .receiver = KeyOf(*bob_),
                        .sender = KeyOf(*alice_),
                        .timeout_height = static_cast<uint32_t>(chain_->Tip().height + 50)};
  const auto info = alice_->AddContract(terms).value();
  EXPECT_EQ(bob_->AddContract(terms).value().address, info.address);  // the same address for both
  Deploy(info, 5 * consensus::kCoin);
  ASSERT_EQ(bob_->GetContract(info.address).value().unspent.size(), 1u);
  // A wrong preimage fails the script; alice cannot claim (no receiver key).
  EXPECT_EQ(bob_->SpendContract({.address = info.address, .leaf = "claim", .preimage = util::Bytes(32),
                                 .destination = std::nullopt, .feerate = 2})
                .error()
                .Reason(),
            "script-verify-failed");
  EXPECT_EQ(alice_->SpendContract({.address = info.address, .leaf = "claim", .preimage = preimage,
                                   .destination = std::nullopt, .feerate = 2})
                .error()
                .code,
            chain::ErrorCode::kNotFound);
  const consensus::Amount before = bob_->GetBalance().value().confirmed;
  auto txid = bob_->SpendContract(
      {.address = info.address, .leaf = "claim", .preimage = preimage, .destination = std::nullopt, .feerate = 2});
  ASSERT_TRUE(txid) << txid.error().Message();
  Mine();
  EXPECT_TRUE(alice_->GetContract(info.address).value().unspent.empty());
  EXPECT_GT(bob_->GetBalance().value().confirmed - before, 5 * consensus::kCoin - 10'000);
}

TEST_F(WalletContractTest, HtlcRefundOnlyAfterTimeout) {
  const HtlcTerms terms{.hash = crypto::Sha256Hash(util::AsBytes("x")),
                        .receiver = KeyOf(*bob_),
                        .sender = KeyOf(*alice_),
                        .timeout_height = static_cast<uint32_t>(chain_->Tip().height + 5)};
  const auto info = alice_->AddContract(terms).value();
  Deploy(info, 3 * consensus::kCoin);
  const ContractSpendRequest refund{
      .address = info.address, .leaf = "refund", .preimage = {}, .destination = std::nullopt, .feerate = 2};
  // nLockTime = timeout is not final before the timeout height.
  EXPECT_EQ(alice_->SpendContract(refund).error().code, chain::ErrorCode::kNonFinal);
  while (chain_->Tip().height + 1 <= static_cast<int32_t>(terms.timeout_height)) Mine();
  auto txid = alice_->SpendContract(refund);
  ASSERT_TRUE(txid) << txid.error().Message();
  Mine();
  EXPECT_TRUE(alice_->GetContract(info.address).value().unspent.empty());
}

TEST_F(WalletContractTest, MultisigTwoOfThree) {
  const MultisigTerms terms{.required = 2, .keys = {KeyOf(*alice_), KeyOf(*bob_), KeyOf(*alice_)}};
  const auto info = alice_->AddContract(terms).value();
  ASSERT_TRUE(bob_->AddContract(terms));
  Deploy(info, 2 * consensus::kCoin);
  const ContractSpendRequest spend{
      .address = info.address, .leaf = "multisig", .preimage = {}, .destination = std::nullopt, .feerate = 2};
  const size_t bob_keys = bob_->KeyCount();
  EXPECT_EQ(bob_->SpendContract(spend).error().code, chain::ErrorCode::kNotFound);  // one key of two
  EXPECT_EQ(bob_->KeyCount(), bob_keys);  // no destination key was made for the failed spend
  auto tx = alice_->CreateContractSpend(spend);
  ASSERT_TRUE(tx) << tx.error().Message();
  // Two signatures and one empty element, then script and control block.
  const auto& witness = tx->inputs[0].witness;
  ASSERT_EQ(witness.size(), 5u);
  EXPECT_EQ(std::count_if(witness.begin(), witness.begin() + 3, [](const auto& e) { return e.size() == 64; }), 2);
  ASSERT_EQ(chain_->SubmitTransaction(*tx).value(), chain::TxOutcome::kAccepted);
  Mine();
  EXPECT_TRUE(bob_->GetContract(info.address).value().unspent.empty());
  EXPECT_EQ(alice_->ListContracts().value().size(), 1u);
}

// Two wallets each holding one key of a 2-of-3: a partial spend, co-signed by the other.
TEST_F(WalletContractTest, MultisigSignedByTwoWallets) {
  const MultisigTerms terms{.required = 2, .keys = {KeyOf(*alice_), KeyOf(*bob_), NewKey()}};
  const auto info = alice_->AddContract(terms).value();
  ASSERT_TRUE(bob_->AddContract(terms));
  Deploy(info, 2 * consensus::kCoin);
  ContractSpendRequest spend{
      .address = info.address, .leaf = "multisig", .preimage = {}, .destination = std::nullopt, .feerate = 2};
  spend.partial = true;
  auto partial = alice_->CreateContractSpend(spend);
  ASSERT_TRUE(partial) << partial.error().Message();
  auto half = alice_->SignContractSpend(*partial, info.address).value();
  EXPECT_FALSE(half.complete);
  EXPECT_EQ(chain_->SubmitTransaction(half.tx).error().Reason(), "script-eval-false");
  auto full = bob_->SignContractSpend(half.tx, info.address).value();
  EXPECT_TRUE(full.complete);
  // The fee was sized for both signatures: the feerate holds.
  const consensus::Amount fee = 2 * consensus::kCoin - full.tx.outputs[0].value;
  EXPECT_GE(fee, 2 * primitives::VirtualSize(full.tx));
  ASSERT_EQ(chain_->SubmitTransaction(full.tx).value(), chain::TxOutcome::kAccepted);
}

TEST_F(WalletContractTest, ContractsSurviveRestart) {
  const MultisigTerms terms{.required = 1, .keys = {KeyOf(*alice_)}};
  const auto info = alice_->AddContract(terms).value();
  alice_.reset();
  bob_.reset();
  ASSERT_TRUE(chain_.Open());
  alice_ = Wallet::Open(*chain_).value();
  EXPECT_EQ(alice_->GetContract(info.address).value().terms, ContractTerms{terms});
  EXPECT_EQ(alice_->GetContract("rprt1bogus").error().code, chain::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace parthenon::wallet
