#include "consensus/tx_check.h"

#include <gtest/gtest.h>

#include "consensus/test_fixtures.h"

namespace parthenon::consensus {
namespace {

using namespace testing;

primitives::Transaction ValidSpend() {
  return MakeSignedSpend(crypto::KeyPair::Generate(), SomeOutPoint(), 10 * kCoin);
}

void ExpectError(const primitives::Transaction& tx, Error expected) {
  auto result = CheckTransaction(tx);
  ASSERT_FALSE(result.has_value()) << "expected " << RejectReason(expected);
  EXPECT_EQ(result.error(), expected) << "got " << RejectReason(result.error()) << ", expected "
                                      << RejectReason(expected);
}

TEST(CheckTransaction, ValidSpendAndCoinbasePass) {
  EXPECT_TRUE(CheckTransaction(ValidSpend()).has_value());
  EXPECT_TRUE(CheckTransaction(MakeCoinbase(5, 50 * kCoin, true)).has_value());
  EXPECT_TRUE(CheckTransaction(MakeSignedSpend(crypto::KeyPair::Generate(), SomeOutPoint(), kCoin, 0x83)).has_value());
}

TEST(CheckTransaction, NoInputs) {
  auto tx = ValidSpend();
  tx.inputs.clear();
  ExpectError(tx, Error::kTxNoInputs);
}

TEST(CheckTransaction, NoOutputs) {
  auto tx = ValidSpend();
  tx.outputs.clear();
  ExpectError(tx, Error::kTxNoOutputs);
}

TEST(CheckTransaction, Oversize) {
  auto tx = ValidSpend();
  tx.outputs[0].script_pubkey.assign(kMaxBlockWeight / 4, std::byte{0});
  ExpectError(tx, Error::kTxOversize);
}

TEST(CheckTransaction, NegativeOutput) {
  auto tx = ValidSpend();
  tx.outputs[0].value = -1;
  ExpectError(tx, Error::kTxNegativeOutput);
}

TEST(CheckTransaction, OutputAboveMaxMoney) {
  auto tx = ValidSpend();
  tx.outputs[0].value = kMaxMoney + 1;
  ExpectError(tx, Error::kTxOutputTooLarge);
}

TEST(CheckTransaction, OutputTotalAboveMaxMoney) {
  auto tx = ValidSpend();
  tx.outputs[0].value = kMaxMoney;
  tx.outputs.push_back(tx.outputs[0]);
  ExpectError(tx, Error::kTxOutputTotalTooLarge);
}

TEST(CheckTransaction, DisallowedOutputScripts) {
  const std::vector<util::Bytes> scripts = {
      {},                                                           // empty
      util::HexToBytes("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac"),  // P2PKH
      util::HexToBytes("0014751e76e8199196d454941c45d1b3a323f1433bd6"),        // witness v0
      util::HexToBytes("5220" + std::string(64, '1')),              // witness v2
      util::HexToBytes("5121" + std::string(66, '1')),              // v1 with 33 bytes
      util::HexToBytes("6a51"),                                     // OP_RETURN OP_1
      util::HexToBytes("6a4c51" + std::string(162, '0')),           // OP_RETURN 81 bytes
      util::HexToBytes("6a0201"),                                   // push runs past the end
  };
  for (const auto& script : scripts) {
    auto tx = ValidSpend();
    tx.outputs[0].script_pubkey = script;
    ExpectError(tx, Error::kTxBadOutputScript);
  }
}

TEST(CheckTransaction, NullDataWithValue) {
  auto tx = ValidSpend();
  tx.outputs.push_back({.value = 1, .script_pubkey = NullDataScript(util::AsBytes("memo"))});
  ExpectError(tx, Error::kTxNullDataValue);
  tx.outputs[1].value = 0;
  EXPECT_TRUE(CheckTransaction(tx).has_value());
}

TEST(CheckTransaction, DuplicateInputs) {
  auto tx = ValidSpend();
  tx.inputs.push_back(tx.inputs[0]);
  ExpectError(tx, Error::kTxDuplicateInputs);
}

TEST(CheckTransaction, CoinbaseScriptSigLength) {
  auto tx = MakeCoinbase(1, kCoin, false);
  tx.inputs[0].script_sig.resize(1);
  ExpectError(tx, Error::kTxCoinbaseLength);
  tx.inputs[0].script_sig.resize(101);
  ExpectError(tx, Error::kTxCoinbaseLength);
  tx.inputs[0].script_sig.resize(100);
  EXPECT_TRUE(CheckTransaction(tx).has_value());
}

TEST(CheckTransaction, NullPrevoutInSpend) {
  auto tx = ValidSpend();
  tx.inputs.push_back(tx.inputs[0]);
  tx.inputs[1].prevout = primitives::OutPoint{};
  ExpectError(tx, Error::kTxNullPrevout);
}

TEST(CheckTransaction, NonEmptyScriptSig) {
  auto tx = ValidSpend();
  tx.inputs[0].script_sig = {std::byte{0x51}};
  ExpectError(tx, Error::kTxScriptSigNotEmpty);
}

TEST(CheckTransaction, WitnessNotOneSignature) {
  for (const std::vector<util::Bytes>& witness :
       {std::vector<util::Bytes>{}, std::vector<util::Bytes>{util::Bytes(63)}, std::vector<util::Bytes>{util::Bytes(66)}}) {
    auto tx = ValidSpend();
    tx.inputs[0].witness = witness;
    ExpectError(tx, Error::kTxBadWitness);
  }
}

// Several elements may be a v2 script path: the input check decides, knowing the height
// (input_check_test covers v1 rejecting them).
TEST(CheckTransaction, MultiElementWitnessLeftToInputCheck) {
  auto tx = ValidSpend();
  tx.inputs[0].witness = {util::Bytes(64), util::Bytes(64)};
  EXPECT_TRUE(CheckTransaction(tx).has_value());
}

TEST(CheckTransaction, BadExplicitHashType) {
  for (uint8_t hash_type : {0x00, 0x04, 0x80, 0x84, 0x41}) {
    auto tx = ValidSpend();
    tx.inputs[0].witness[0].push_back(std::byte{hash_type});
    ExpectError(tx, Error::kTxBadHashType);
  }
}

TEST(CheckTransaction, BadCoinbaseWitness) {
  auto tx = MakeCoinbase(1, kCoin, false);
  tx.inputs[0].witness.push_back(util::Bytes(33));
  ExpectError(tx, Error::kTxBadCoinbaseWitness);
}

TEST(CheckTransaction, HashTypeValidity) {
  for (int t = 0; t < 256; ++t) {
    const bool expected = t == 1 || t == 2 || t == 3 || t == 0x81 || t == 0x82 || t == 0x83;
    EXPECT_EQ(IsValidExplicitHashType(static_cast<uint8_t>(t)), expected) << t;
  }
}

}  // namespace
}  // namespace parthenon::consensus
