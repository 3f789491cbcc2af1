#include "primitives/merkle.h"

#include <gtest/gtest.h>

#include "crypto/sha256.h"

namespace parthenon::primitives {
namespace {

crypto::Uint256 Leaf(int i) {
  const std::string text = "leaf " + std::to_string(i);
  return crypto::Sha256d(util::AsBytes(text));
}

crypto::Uint256 Parent(const crypto::Uint256& a, const crypto::Uint256& b) {
  util::Bytes pair(a.span().begin(), a.span().end());
  pair.insert(pair.end(), b.span().begin(), b.span().end());
  return crypto::Sha256d(pair);
}

TEST(Merkle, EmptyOneTwoThree) {
  EXPECT_TRUE(ComputeMerkleRoot({}).root.IsNull());
  EXPECT_EQ(ComputeMerkleRoot({Leaf(0)}).root, Leaf(0));
  EXPECT_EQ(ComputeMerkleRoot({Leaf(0), Leaf(1)}).root, Parent(Leaf(0), Leaf(1)));
  // Odd count: the last node pairs with itself, which is not a mutation.
  const MerkleRoot three = ComputeMerkleRoot({Leaf(0), Leaf(1), Leaf(2)});
  EXPECT_EQ(three.root, Parent(Parent(Leaf(0), Leaf(1)), Parent(Leaf(2), Leaf(2))));
  EXPECT_FALSE(three.mutated);
}

TEST(Merkle, DetectsCve20122459Mutation) {
  // [a b c] and [a b c c] have the same root; the second must be flagged.
  const MerkleRoot honest = ComputeMerkleRoot({Leaf(0), Leaf(1), Leaf(2)});
  const MerkleRoot mutated = ComputeMerkleRoot({Leaf(0), Leaf(1), Leaf(2), Leaf(2)});
  EXPECT_EQ(honest.root, mutated.root);
  EXPECT_FALSE(honest.mutated);
  EXPECT_TRUE(mutated.mutated);
  // A duplicated pair at a higher level: [a b c d e f e f] vs [a b c d e f].
  std::vector<crypto::Uint256> six, eight;
  for (int i = 0; i < 6; ++i) six.push_back(Leaf(i));
  eight = six;
  eight.push_back(Leaf(4));
  eight.push_back(Leaf(5));
  EXPECT_EQ(ComputeMerkleRoot(six).root, ComputeMerkleRoot(eight).root);
  EXPECT_FALSE(ComputeMerkleRoot(six).mutated);
  EXPECT_TRUE(ComputeMerkleRoot(eight).mutated);
}

TEST(Merkle, WitnessCommitmentLayout) {
  Transaction coinbase;
  coinbase.outputs.push_back(TxOut{.value = 0, .script_pubkey = util::Bytes(10, std::byte{1})});
  EXPECT_FALSE(FindWitnessCommitment(coinbase).has_value());
  const crypto::Uint256 commitment = ComputeWitnessCommitment(Leaf(1), util::Bytes(32));
  coinbase.outputs.push_back(TxOut{.value = 0, .script_pubkey = WitnessCommitmentScript(commitment)});
  coinbase.outputs.push_back(TxOut{.value = 0, .script_pubkey = WitnessCommitmentScript(Leaf(9))});
  // BIP141: the last matching output is the commitment.
  EXPECT_EQ(FindWitnessCommitment(coinbase), std::optional<size_t>{2});
  EXPECT_EQ(coinbase.outputs[1].script_pubkey.size(), kWitnessCommitmentScriptSize);
  EXPECT_EQ(commitment, Parent(Leaf(1), crypto::Uint256{}));
}

TEST(Merkle, WitnessRootTreatsCoinbaseAsZero) {
  Block block;
  block.transactions.resize(2);
  block.transactions[0].inputs.resize(1);
  block.transactions[1].inputs.resize(1);
  block.transactions[1].inputs[0].witness.push_back(util::Bytes(64));
  const MerkleRoot root = BlockWitnessMerkleRoot(block);
  EXPECT_EQ(root.root, Parent(crypto::Uint256{}, Wtxid(block.transactions[1])));
}

}  // namespace
}  // namespace parthenon::primitives
