// Consensus v2 in the chainstate: the activation height, script-path spends in blocks and the
// mempool, BIP68 relative locks and the standardness of script paths.
#include <gtest/gtest.h>

#include "chain/chainstate.h"
#include "chain/test_chain.h"
#include "consensus/opcodes.h"
#include "consensus/script_num.h"
#include "consensus/taproot.h"
#include "primitives/merkle.h"

namespace parthenon::chain {
namespace {

using consensus::TapTree;
using testing::CoinbaseOutput;
using testing::PayTo;
using testing::SignedTx;
using testing::Spendable;
using testing::TestChain;

util::Bytes Key(const crypto::KeyPair& key) {
  const auto pub = key.PublicKey();
  return {pub.begin(), pub.end()};
}
util::Bytes Cat(std::initializer_list<util::Bytes> parts) {
  util::Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}
util::Bytes Op(uint8_t opcode) { return {std::byte{opcode}}; }

class ScriptV2Test : public ::testing::Test {
 protected:
  static constexpr int32_t kActivation = 200;  // regtest

  void SetUp() override {
    ASSERT_TRUE(chain_.Open());
    ASSERT_EQ(chain_->params().script_v2_height, kActivation);
    for (int i = 0; i < 110; ++i) blocks_.push_back(chain_.Mine(PayTo(alice_)));
    // The contract: bob's key, or alice's after 5 blocks (CSV), or an OP_SUCCESS leaf.
    bob_leaf_ = Cat({consensus::PushData(Key(bob_)), Op(consensus::op::kCheckSig)});
    csv_leaf_ = Cat({consensus::PushNumber(5), Op(consensus::op::kCheckSequenceVerify), Op(consensus::op::kDrop),
                     consensus::PushData(Key(alice_)), Op(consensus::op::kCheckSig)});
    success_leaf_ = Op(0xbb);
    const TapTree tree = TapTree::Branch(TapTree::Leaf(bob_leaf_),
                                         TapTree::Branch(TapTree::Leaf(csv_leaf_), TapTree::Leaf(success_leaf_)));
    contract_ = consensus::BuildTaprootOutput(consensus::UnspendableInternalKey(), &tree).value();
  }

  int32_t Height() { return chain_->Tip().height; }
  void MineTo(int32_t height) {
    while (Height() < height) blocks_.push_back(chain_.Mine(PayTo(alice_)));
  }

  // Funds the contract from coinbase `n` and mines it; returns the contract coin.
  Spendable Deploy(size_t n) {
    const Spendable coin = CoinbaseOutput(blocks_[n]);
    const auto tx = SignedTx(alice_, {coin}, {{coin.out.value - 1000, consensus::KeyPathScript(contract_.output_key)}});
    EXPECT_EQ(chain_->SubmitTransaction(tx).value(), TxOutcome::kAccepted);
    chain_.Mine(PayTo(alice_));
    return {{primitives::Txid(tx), 0}, tx.outputs[0]};
  }

  // A spend of `coin` by leaf `leaf` of the contract, signed by `signer` (nullptr: no signature).
  primitives::Transaction SpendLeaf(const Spendable& coin, size_t leaf, const crypto::KeyPair* signer,
                                    uint32_t sequence = 0xfffffffe) {
    primitives::Transaction tx;
    tx.version = 2;
    tx.inputs.push_back({.prevout = coin.outpoint, .script_sig = {}, .sequence = sequence, .witness = {}});
    tx.outputs.push_back({.value = coin.out.value - 2000, .script_pubkey = PayTo(bob_)});
    const auto& info = contract_.leaves[leaf];
    std::vector<util::Bytes> witness;
    if (signer != nullptr) {
      const std::vector<primitives::TxOut> spent{coin.out};
      const consensus::SighashExtension ext{
          .annex_hash = std::nullopt,
          .tapleaf = consensus::SighashExtension::Tapleaf{.leaf_hash = info.leaf_hash, .codesep_pos = 0xffffffff}};
      const auto sighash =
          consensus::SignatureHash(tx, 0, 0, spent, consensus::PrecomputeSighash(tx, spent), ext).value();
      const auto sig = signer->Sign(sighash.span());
      witness.emplace_back(sig.begin(), sig.end());
    }
    witness.push_back(info.script);
    witness.push_back(contract_.control_blocks[leaf]);
    tx.inputs[0].witness = std::move(witness);
    return tx;
  }

  // A block on the tip holding `tx`, bypassing the mempool (for consensus-only checks).
  primitives::Block BlockWith(const primitives::Transaction& tx) {
    primitives::Block block = chain_->CreateBlockTemplate(PayTo(alice_)).value().block;
    block.transactions.push_back(tx);
    auto& coinbase = block.transactions[0];
    coinbase.inputs[0].witness = {util::Bytes(32)};
    std::erase_if(coinbase.outputs, [](const primitives::TxOut& out) {
      return out.script_pubkey.size() == primitives::kWitnessCommitmentScriptSize;
    });
    const auto commitment = primitives::ComputeWitnessCommitment(primitives::BlockWitnessMerkleRoot(block).root,
                                                                 coinbase.inputs[0].witness[0]);
    coinbase.outputs.push_back({.value = 0, .script_pubkey = primitives::WitnessCommitmentScript(commitment)});
    block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
    chain_.clock.Advance(std::chrono::minutes(2));
    return MineBlock(std::move(block), chain_->params()).value();
  }

  TestChain chain_;
  crypto::KeyPair alice_ = crypto::KeyPair::Generate();
  crypto::KeyPair bob_ = crypto::KeyPair::Generate();
  std::vector<primitives::Block> blocks_;
  util::Bytes bob_leaf_, csv_leaf_, success_leaf_;
  consensus::TaprootOutput contract_;
};

TEST_F(ScriptV2Test, ActivationHeights) {
  EXPECT_FALSE(consensus::ScriptV2Active(199, consensus::Params(consensus::Network::kRegtest)));
  EXPECT_TRUE(consensus::ScriptV2Active(200, consensus::Params(consensus::Network::kRegtest)));
  EXPECT_EQ(consensus::Params(consensus::Network::kMain).script_v2_height, 30'000);
  EXPECT_EQ(consensus::Params(consensus::Network::kTestnet).script_v2_height, 15'000);
}

TEST_F(ScriptV2Test, ScriptPathInvalidBeforeActivationValidFrom) {
  const Spendable coin = Deploy(0);
  const auto spend = SpendLeaf(coin, 0, &bob_);
  MineTo(kActivation - 2);  // the next block is at kActivation - 1
  EXPECT_EQ(chain_->SubmitTransaction(spend).error().Reason(), "bad-txns-witness");
  const auto early = chain_->SubmitBlock(BlockWith(spend));
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().Reason(), "bad-txns-witness");
  EXPECT_EQ(Height(), kActivation - 2);
  chain_.Mine(PayTo(alice_));  // kActivation - 1: the next block follows v2
  ASSERT_EQ(chain_->SubmitTransaction(spend).value(), TxOutcome::kAccepted);
  chain_.Mine(PayTo(alice_));
  EXPECT_EQ(Height(), kActivation);
  EXPECT_FALSE(chain_->MempoolContains(primitives::Txid(spend)));
  EXPECT_TRUE(chain_->GetUtxo(coin.outpoint).value() == std::nullopt);
  EXPECT_TRUE(chain_->GetUtxo({primitives::Txid(spend), 0}).value().has_value());
}

TEST_F(ScriptV2Test, BadScriptPathRejectedInBlocks) {
  const Spendable coin = Deploy(0);
  MineTo(kActivation);
  auto spend = SpendLeaf(coin, 0, &alice_);  // wrong signer
  EXPECT_EQ(chain_->SubmitTransaction(spend).error().Reason(), "bad-txns-signature");
  const auto block = chain_->SubmitBlock(BlockWith(spend));
  ASSERT_FALSE(block.has_value());
  EXPECT_EQ(block.error().Reason(), "bad-txns-signature");
}

TEST_F(ScriptV2Test, RelativeLockTime) {
  MineTo(kActivation);
  const Spendable coin = Deploy(1);  // confirmed at kActivation + 1
  // Sequence 5 satisfies CSV 5, but BIP68 holds the spend until 5 blocks after confirmation.
  const auto spend = SpendLeaf(coin, 1, &alice_, 5);
  EXPECT_EQ(chain_->SubmitTransaction(spend).error().code, ErrorCode::kNonBip68Final);
  const auto early = chain_->SubmitBlock(BlockWith(spend));
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().Reason(), "bad-txns-nonfinal-sequence");
  MineTo(kActivation + 5);  // the next block, 206, is 5 after the coin's
  // A sequence below the script's CSV argument fails the script itself.
  EXPECT_EQ(chain_->SubmitTransaction(SpendLeaf(coin, 1, &alice_, 4)).error().Reason(),
            "script-unsatisfied-locktime");
  EXPECT_EQ(chain_->SubmitTransaction(spend).value(), TxOutcome::kAccepted);
}

TEST_F(ScriptV2Test, OpSuccessIsValidButNotRelayed) {
  MineTo(kActivation);
  const Spendable coin = Deploy(2);
  const auto spend = SpendLeaf(coin, 2, nullptr);
  const auto refused = chain_->SubmitTransaction(spend);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kNonStandard);
  EXPECT_EQ(refused.error().Reason(), "non-standard-op-success");
  EXPECT_EQ(chain_->SubmitBlock(BlockWith(spend)).value(), BlockOutcome::kAccepted);
}

}  // namespace
}  // namespace parthenon::chain

namespace parthenon::chain {
namespace {

// A reorg that un-confirms a contract's funding makes a BIP68-locked spend of it premature: the
// mempool drops it, so the next block template stays valid.
TEST_F(ScriptV2Test, ReorgDropsSpendsThatBecomeLocked) {
  MineTo(kActivation);
  const Spendable coin = Deploy(1);  // block kActivation + 1, not on the competing branch
  MineTo(kActivation + 5);
  const auto spend = SpendLeaf(coin, 1, &alice_, 5);
  ASSERT_EQ(chain_->SubmitTransaction(spend).value(), TxOutcome::kAccepted);

  TestChain other;
  ASSERT_TRUE(other.Open());
  other.clock.Set(chain_.clock.Now());
  for (const auto& block : blocks_) {
    if (chain_->GetHeight(block.header.Hash()).value_or(kActivation + 1) <= kActivation) {
      ASSERT_TRUE(other->SubmitBlock(block));
    }
  }
  ASSERT_EQ(other->Tip().height, kActivation);
  std::vector<primitives::Block> branch;
  for (int i = 0; i < 7; ++i) branch.push_back(other.Mine(PayTo(bob_)));
  chain_.clock.Set(other.clock.Now());
  for (const auto& block : branch) ASSERT_TRUE(chain_->SubmitBlock(block));
  ASSERT_EQ(chain_->Tip().hash, branch.back().header.Hash());

  EXPECT_TRUE(chain_->MempoolContains(coin.outpoint.txid));   // the funding, resurrected
  EXPECT_FALSE(chain_->MempoolContains(primitives::Txid(spend)));  // locked again: dropped
  chain_.Mine(PayTo(alice_));  // the template is valid (Mine aborts otherwise)
  EXPECT_FALSE(chain_->MempoolContains(coin.outpoint.txid));
}

}  // namespace
}  // namespace parthenon::chain
