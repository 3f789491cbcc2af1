#include "primitives/transaction.h"

#include <gtest/gtest.h>

#include "primitives/block.h"
#include "primitives/test_data.h"
#include "testing/vectors.h"
#include "util/hex.h"

#include <nlohmann/json.hpp>

namespace parthenon::primitives {
namespace {

using util::HexToBytes;
using util::ToHex;

Transaction GenesisCoinbase() {
  const util::Bytes block = HexToBytes(test_data::kBitcoinGenesisBlockHex);
  auto decoded = DecodeBlock(block);
  EXPECT_TRUE(decoded.has_value());
  return decoded ? decoded->transactions.at(0) : Transaction{};
}

Transaction SampleWitnessTransaction() {
  Transaction tx;
  tx.version = 2;
  TxIn in;
  in.prevout.txid = *crypto::Uint256::FromHex(std::string(64, 'a'));
  in.prevout.index = 3;
  in.sequence = 0xfffffffd;
  in.witness.push_back(util::Bytes(64, std::byte{0x11}));
  tx.inputs.push_back(in);
  tx.inputs.push_back(TxIn{.prevout = {in.prevout.txid, 4}, .script_sig = {}, .sequence = 0, .witness = {}});
  tx.outputs.push_back(TxOut{.value = 5000, .script_pubkey = HexToBytes("5120" + std::string(64, 'b'))});
  tx.lock_time = 77;
  return tx;
}

TEST(Transaction, BitcoinGenesisCoinbaseTxid) {
  const Transaction tx = GenesisCoinbase();
  EXPECT_TRUE(tx.IsCoinbase());
  EXPECT_FALSE(tx.HasWitness());
  EXPECT_EQ(Txid(tx).ToHex(), test_data::kBitcoinGenesisMerkleRoot);
  EXPECT_EQ(Wtxid(tx), Txid(tx));
  EXPECT_EQ(tx.outputs.at(0).value, 50'0000'0000);
  EXPECT_EQ(Weight(tx), static_cast<int64_t>(SerializedSize(tx) * 4));
}

TEST(Transaction, WitnessRoundTripAndHashes) {
  const Transaction tx = SampleWitnessTransaction();
  const util::Bytes full = Serialize(tx);
  EXPECT_EQ(full.size(), SerializedSize(tx));
  // BIP144: marker 0x00 and flag 0x01 after the version.
  EXPECT_EQ(ToHex(util::ByteSpan(full).subspan(4, 2)), "0001");
  auto decoded = DecodeTransaction(full);
  ASSERT_TRUE(decoded.has_value()) << ToString(decoded.error());
  EXPECT_EQ(*decoded, tx);

  const util::Bytes legacy = Serialize(tx, WitnessMode::kExclude);
  EXPECT_EQ(legacy.size(), SerializedSize(tx, WitnessMode::kExclude));
  auto stripped = DecodeTransaction(legacy);
  ASSERT_TRUE(stripped.has_value());
  EXPECT_FALSE(stripped->HasWitness());
  EXPECT_EQ(Txid(*stripped), Txid(tx));
  EXPECT_NE(Wtxid(tx), Txid(tx));
  EXPECT_EQ(Weight(tx), static_cast<int64_t>(legacy.size() * 3 + full.size()));
  EXPECT_EQ(VirtualSize(tx), (Weight(tx) + 3) / 4);
}

TEST(Transaction, EveryTruncationIsAnErrorNotACrash) {
  const util::Bytes full = Serialize(SampleWitnessTransaction());
  for (size_t length = 0; length < full.size(); ++length) {
    auto decoded = DecodeTransaction(util::ByteSpan(full).first(length));
    EXPECT_FALSE(decoded.has_value()) << length;
  }
}

// Found by fuzzing the wire layer: Bitcoin Core reads "00 00" after the version as an empty
// input list and a zero flag byte, i.e. no inputs and no outputs, with no further count.
TEST(Transaction, EmptyTransactionRoundTrips) {
  Transaction empty;
  empty.version = 1;
  empty.lock_time = 0x11223344;
  const util::Bytes bytes = Serialize(empty);
  EXPECT_EQ(ToHex(bytes), "01000000" "00" "00" "44332211");
  EXPECT_EQ(DecodeTransaction(bytes), empty);
  EXPECT_EQ(DecodeTransaction(HexToBytes("01000000" "00" "00" "00" "44332211")).error(),
            Error::kTrailingBytes);
}

TEST(Transaction, RejectsTrailingBytes) {
  util::Bytes full = Serialize(SampleWitnessTransaction());
  full.push_back(std::byte{0});
  EXPECT_EQ(DecodeTransaction(full).error(), Error::kTrailingBytes);
}

TEST(Transaction, RejectsUnknownWitnessFlag) {
  util::Bytes full = Serialize(SampleWitnessTransaction());
  full[5] = std::byte{0x02};
  EXPECT_EQ(DecodeTransaction(full).error(), Error::kBadWitnessFlag);
}

TEST(Transaction, RejectsSuperfluousWitnessFlag) {
  Transaction tx = SampleWitnessTransaction();
  tx.inputs[0].witness.clear();
  util::Bytes legacy = Serialize(tx, WitnessMode::kExclude);
  // Re-insert marker and flag with an all-empty witness section.
  util::Bytes flagged(legacy.begin(), legacy.begin() + 4);
  flagged.push_back(std::byte{0});
  flagged.push_back(std::byte{1});
  flagged.insert(flagged.end(), legacy.begin() + 4, legacy.end() - 4);
  flagged.push_back(std::byte{0});
  flagged.push_back(std::byte{0});
  flagged.insert(flagged.end(), legacy.end() - 4, legacy.end());
  EXPECT_EQ(DecodeTransaction(flagged).error(), Error::kSuperfluousWitness);
}

TEST(Transaction, RejectsCountsBeyondInput) {
  // version, then an input count of 0xfd00ff (non-canonical is not the point: use 1,000,000).
  const util::Bytes bytes = HexToBytes("02000000fe40420f00" + std::string(100, '0'));
  EXPECT_EQ(DecodeTransaction(bytes).error(), Error::kCountTooLarge);
}

TEST(Transaction, RejectsTooManyWitnessItems) {
  Transaction tx = SampleWitnessTransaction();
  tx.inputs[0].witness.assign(kMaxWitnessItems + 1, util::Bytes{});
  EXPECT_EQ(DecodeTransaction(Serialize(tx)).error(), Error::kCountTooLarge);
}

TEST(Transaction, Bip341SignedTransactionRoundTrips) {
  PARTHENON_REQUIRE_VECTOR(path, "bip341-wallet-test-vectors.json");
  const auto json = nlohmann::json::parse(*testing::ReadFile(path));
  const auto& spending = json.at("keyPathSpending").at(0);
  const util::Bytes signed_bytes =
      HexToBytes(spending.at("auxiliary").at("fullySignedTx").get<std::string>());
  const util::Bytes unsigned_bytes =
      HexToBytes(spending.at("given").at("rawUnsignedTx").get<std::string>());
  auto signed_tx = DecodeTransaction(signed_bytes);
  ASSERT_TRUE(signed_tx.has_value());
  EXPECT_TRUE(signed_tx->HasWitness());
  EXPECT_EQ(Serialize(*signed_tx), signed_bytes);
  auto unsigned_tx = DecodeTransaction(unsigned_bytes);
  ASSERT_TRUE(unsigned_tx.has_value());
  EXPECT_EQ(Serialize(*unsigned_tx), unsigned_bytes);
  // Signing adds witnesses (and one P2PKH scriptSig) but leaves outputs and lock time alone.
  EXPECT_EQ(signed_tx->outputs, unsigned_tx->outputs);
  EXPECT_EQ(signed_tx->lock_time, unsigned_tx->lock_time);
  EXPECT_EQ(signed_tx->inputs.size(), 9u);
}

}  // namespace
}  // namespace parthenon::primitives
