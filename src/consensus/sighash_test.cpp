#include "consensus/sighash.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "consensus/input_check.h"
#include "crypto/schnorr.h"
#include "testing/vectors.h"
#include "util/hex.h"

namespace parthenon::consensus {
namespace {

using util::HexToBytes;
using util::ToHex;

struct Bip341Case {
  primitives::Transaction tx;
  std::vector<primitives::TxOut> spent;
  nlohmann::json vectors;
};

std::optional<Bip341Case> LoadBip341(const std::filesystem::path& path) {
  const auto contents = parthenon::testing::ReadFile(path);
  if (!contents) return std::nullopt;
  Bip341Case c;
  c.vectors = nlohmann::json::parse(*contents).at("keyPathSpending").at(0);
  auto tx = primitives::DecodeTransaction(
      HexToBytes(c.vectors.at("given").at("rawUnsignedTx").get<std::string>()));
  if (!tx) return std::nullopt;
  c.tx = *tx;
  for (const auto& utxo : c.vectors.at("given").at("utxosSpent")) {
    c.spent.push_back({.value = utxo.at("amountSats").get<int64_t>(),
                       .script_pubkey = HexToBytes(utxo.at("scriptPubKey").get<std::string>())});
  }
  return c;
}

TEST(Sighash, Bip341PrecomputedHashes) {
  PARTHENON_REQUIRE_VECTOR(path, "bip341-wallet-test-vectors.json");
  auto c = LoadBip341(path);
  ASSERT_TRUE(c.has_value());
  const auto& expected = c->vectors.at("intermediary");
  const PrecomputedSighash pre = PrecomputeSighash(c->tx, c->spent);
  EXPECT_EQ(ToHex(pre.amounts), expected.at("hashAmounts").get<std::string>());
  EXPECT_EQ(ToHex(pre.outputs), expected.at("hashOutputs").get<std::string>());
  EXPECT_EQ(ToHex(pre.prevouts), expected.at("hashPrevouts").get<std::string>());
  EXPECT_EQ(ToHex(pre.script_pubkeys), expected.at("hashScriptPubkeys").get<std::string>());
  EXPECT_EQ(ToHex(pre.sequences), expected.at("hashSequences").get<std::string>());
}

TEST(Sighash, Bip341EveryKeyPathInput) {
  PARTHENON_REQUIRE_VECTOR(path, "bip341-wallet-test-vectors.json");
  auto c = LoadBip341(path);
  ASSERT_TRUE(c.has_value());
  const PrecomputedSighash pre = PrecomputeSighash(c->tx, c->spent);
  int checked = 0;
  for (const auto& input : c->vectors.at("inputSpending")) {
    const auto& given = input.at("given");
    const auto& inter = input.at("intermediary");
    const size_t index = given.at("txinIndex").get<size_t>();
    const auto hash_type = given.at("hashType").get<uint8_t>();
    SCOPED_TRACE("input " + std::to_string(index));

    auto message = SignatureMessage(c->tx, index, hash_type, c->spent, pre);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(ToHex(*message), inter.at("sigMsg").get<std::string>());
    auto sighash = SignatureHash(c->tx, index, hash_type, c->spent, pre);
    ASSERT_TRUE(sighash.has_value());
    EXPECT_EQ(ToHex(sighash->span()), inter.at("sigHash").get<std::string>());

    // Key derivation: internal key, BIP341 tweak, output key of the spent output.
    const auto secret =
        crypto::Uint256::FromBytes(HexToBytes(given.at("internalPrivkey").get<std::string>()));
    ASSERT_TRUE(secret.has_value());
    auto internal = crypto::KeyPair::FromSecret(secret->array());
    ASSERT_TRUE(internal.has_value());
    EXPECT_EQ(ToHex(internal->PublicKey()), inter.at("internalPubkey").get<std::string>());
    std::optional<crypto::Uint256> merkle_root;
    if (!given.at("merkleRoot").is_null()) {
      merkle_root = crypto::Uint256::FromBytes(HexToBytes(given.at("merkleRoot").get<std::string>()));
    }
    auto tweaked = internal->TapTweak(merkle_root);
    ASSERT_TRUE(tweaked.has_value());
    EXPECT_EQ(ToHex(tweaked->Secret()), inter.at("tweakedPrivkey").get<std::string>());

    // The vector's witness signature verifies under our rules against the spent output.
    primitives::Transaction signed_tx = c->tx;
    signed_tx.inputs[index].witness = {HexToBytes(input.at("expected").at("witness").at(0).get<std::string>())};
    auto check = PrepareSignatureCheck(signed_tx, index, c->spent, pre);
    ASSERT_TRUE(check.has_value()) << RejectReason(check.error());
    EXPECT_EQ(check->key, tweaked->PublicKey());
    EXPECT_TRUE(crypto::VerifySchnorr(check->message, check->key, check->signature));
    // Consensus v2 treats a one-element witness exactly as v1 (the key path is unchanged).
    auto v2_checks = PrepareInputChecks(signed_tx, index, c->spent, pre, {.script_v2 = true, .standard = true});
    ASSERT_TRUE(v2_checks.has_value()) << RejectReason(v2_checks.error());
    ASSERT_EQ(v2_checks->size(), 1u);
    EXPECT_EQ(v2_checks->front().message, check->message);
    // BIP341's reference signer uses all-zero auxiliary randomness: we reproduce the bytes.
    const auto sig = tweaked->Sign(sighash->span(), std::array<std::byte, 32>{});
    EXPECT_EQ(util::Bytes(sig.begin(), sig.end()),
              util::Bytes(check->signature.begin(), check->signature.end()));
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

TEST(Sighash, RejectsBadArguments) {
  primitives::Transaction tx;
  tx.inputs.resize(2);
  tx.outputs.resize(1);
  const std::vector<primitives::TxOut> spent(2);
  const PrecomputedSighash pre = PrecomputeSighash(tx, spent);
  EXPECT_EQ(SignatureHash(tx, 2, 0, spent, pre).error(), Error::kSpentOutputsMismatch);
  EXPECT_EQ(SignatureHash(tx, 0, 0, std::span(spent).first(1), pre).error(), Error::kSpentOutputsMismatch);
  EXPECT_EQ(SignatureHash(tx, 0, 0x04, spent, pre).error(), Error::kTxBadHashType);
  EXPECT_TRUE(SignatureHash(tx, 0, 0x03, spent, pre).has_value());
  EXPECT_EQ(SignatureHash(tx, 1, 0x03, spent, pre).error(), Error::kSighashSingleNoOutput);
  EXPECT_EQ(SignatureHash(tx, 1, 0x83, spent, pre).error(), Error::kSighashSingleNoOutput);
}

}  // namespace
}  // namespace parthenon::consensus
