#include "consensus/input_check.h"

#include <gtest/gtest.h>

#include "consensus/test_fixtures.h"

namespace parthenon::consensus {
namespace {

using namespace testing;

class InputCheckTest : public ::testing::Test {
 protected:
  std::vector<primitives::TxOut> Spent(const crypto::KeyPair& key, Amount value = 10 * kCoin) {
    return {{value, KeyPathScript(key.PublicKey())}};
  }

  util::ThreadPool pool_{1};
  crypto::ParallelVerifier verifier_{pool_};
  crypto::KeyPair key_ = crypto::KeyPair::Generate();
};

TEST_F(InputCheckTest, EveryHashTypeVerifies) {
  for (uint8_t hash_type : {0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83}) {
    const auto tx = MakeSignedSpend(key_, SomeOutPoint(), 10 * kCoin, hash_type);
    EXPECT_TRUE(VerifyTransactionSignatures(tx, Spent(key_), verifier_).has_value()) << int{hash_type};
  }
}

TEST_F(InputCheckTest, WrongKeyFails) {
  const auto tx = MakeSignedSpend(key_, SomeOutPoint(), 10 * kCoin);
  const auto other = crypto::KeyPair::Generate();
  EXPECT_EQ(VerifyTransactionSignatures(tx, Spent(other), verifier_).error(), Error::kBadSignature);
}

TEST_F(InputCheckTest, SignatureCommitsToSpentAmount) {
  const auto tx = MakeSignedSpend(key_, SomeOutPoint(), 10 * kCoin);
  EXPECT_EQ(VerifyTransactionSignatures(tx, Spent(key_, 11 * kCoin), verifier_).error(),
            Error::kBadSignature);
}

TEST_F(InputCheckTest, SignatureCommitsToOutputs) {
  auto tx = MakeSignedSpend(key_, SomeOutPoint(), 10 * kCoin);
  tx.outputs[0].value -= 1;
  EXPECT_EQ(VerifyTransactionSignatures(tx, Spent(key_), verifier_).error(), Error::kBadSignature);
  // SIGHASH_NONE does not commit to outputs.
  auto none = MakeSignedSpend(key_, SomeOutPoint(), 10 * kCoin, 0x02);
  none.outputs[0].value -= 1;
  EXPECT_TRUE(VerifyTransactionSignatures(none, Spent(key_), verifier_).has_value());
}

TEST_F(InputCheckTest, SpentOutputMustBeKeyPath) {
  const auto tx = MakeSignedSpend(key_, SomeOutPoint(), 10 * kCoin);
  const std::vector<primitives::TxOut> spent{{10 * kCoin, NullDataScript({})}};
  EXPECT_EQ(VerifyTransactionSignatures(tx, spent, verifier_).error(), Error::kSpentNotKeyPath);
}

TEST_F(InputCheckTest, ExplicitDefaultHashTypeRejected) {
  auto tx = MakeSignedSpend(key_, SomeOutPoint(), 10 * kCoin);
  tx.inputs[0].witness[0].push_back(std::byte{0x00});
  EXPECT_EQ(VerifyTransactionSignatures(tx, Spent(key_), verifier_).error(), Error::kTxBadHashType);
}

TEST_F(InputCheckTest, SighashSingleWithoutOutput) {
  auto tx = MakeSignedSpend(key_, SomeOutPoint(), 10 * kCoin);
  tx.inputs.push_back(tx.inputs[0]);
  tx.inputs[1].prevout.index = 1;
  tx.inputs[1].witness[0].resize(64);
  tx.inputs[1].witness[0].push_back(std::byte{0x03});
  auto spent = Spent(key_);
  spent.push_back(spent[0]);
  EXPECT_EQ(VerifyTransactionSignatures(tx, spent, verifier_).error(), Error::kSighashSingleNoOutput);
}

TEST_F(InputCheckTest, SpentOutputCountMismatch) {
  const auto tx = MakeSignedSpend(key_, SomeOutPoint(), 10 * kCoin);
  EXPECT_EQ(VerifyTransactionSignatures(tx, {}, verifier_).error(), Error::kSpentOutputsMismatch);
}

TEST_F(InputCheckTest, ManyInputsReportTheBadOne) {
  primitives::Transaction tx;
  std::vector<primitives::TxOut> spent;
  std::vector<crypto::KeyPair> keys;
  for (uint32_t i = 0; i < 8; ++i) {
    keys.push_back(crypto::KeyPair::Generate());
    tx.inputs.push_back({.prevout = SomeOutPoint(i), .script_sig = {}, .sequence = 0, .witness = {}});
    spent.push_back({kCoin, KeyPathScript(keys.back().PublicKey())});
  }
  tx.outputs.push_back({.value = 7 * kCoin, .script_pubkey = KeyPathScript(keys[0].PublicKey())});
  const PrecomputedSighash pre = PrecomputeSighash(tx, spent);
  for (size_t i = 0; i < 8; ++i) {
    const auto sighash = SignatureHash(tx, i, 0, spent, pre).value();
    const auto sig = keys[i].Sign(sighash.span());
    tx.inputs[i].witness = {util::Bytes(sig.begin(), sig.end())};
  }
  EXPECT_TRUE(VerifyTransactionSignatures(tx, spent, verifier_).has_value());
  auto checks = PrepareSignatureChecks(tx, spent);
  ASSERT_TRUE(checks.has_value());
  tx.inputs[5].witness[0][3] ^= std::byte{1};
  checks = PrepareSignatureChecks(tx, spent);
  ASSERT_TRUE(checks.has_value());
  EXPECT_EQ(verifier_.Verify(*checks), std::vector<size_t>{5});
}

}  // namespace
}  // namespace parthenon::consensus
