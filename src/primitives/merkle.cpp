#include "primitives/merkle.h"

#include <algorithm>
#include <cstring>

#include "crypto/sha256.h"

namespace parthenon::primitives {

MerkleRoot ComputeMerkleRoot(std::vector<crypto::Uint256> leaves) {
  MerkleRoot result;
  if (leaves.empty()) return result;
  std::array<std::byte, 64> pair;
  while (leaves.size() > 1) {
    // Identical siblings anywhere make the tree ambiguous (checked before odd duplication).
    for (size_t i = 0; i + 1 < leaves.size(); i += 2) {
      if (leaves[i] == leaves[i + 1]) result.mutated = true;
    }
    if (leaves.size() % 2 != 0) leaves.push_back(leaves.back());
    for (size_t i = 0; i < leaves.size() / 2; ++i) {
      std::memcpy(pair.data(), leaves[2 * i].data(), 32);
      std::memcpy(pair.data() + 32, leaves[2 * i + 1].data(), 32);
      leaves[i] = crypto::Sha256d(pair);
    }
    leaves.resize(leaves.size() / 2);
  }
  result.root = leaves[0];
  return result;
}

MerkleRoot BlockMerkleRoot(const Block& block) {
  std::vector<crypto::Uint256> leaves;
  leaves.reserve(block.transactions.size());
  for (const Transaction& tx : block.transactions) leaves.push_back(Txid(tx));
  return ComputeMerkleRoot(std::move(leaves));
}

MerkleRoot BlockWitnessMerkleRoot(const Block& block) {
  std::vector<crypto::Uint256> leaves;
  leaves.reserve(block.transactions.size());
  for (size_t i = 0; i < block.transactions.size(); ++i) {
    leaves.push_back(i == 0 ? crypto::Uint256{} : Wtxid(block.transactions[i]));
  }
  return ComputeMerkleRoot(std::move(leaves));
}

std::optional<size_t> FindWitnessCommitment(const Transaction& coinbase) {
  std::optional<size_t> found;
  for (size_t i = 0; i < coinbase.outputs.size(); ++i) {
    const util::Bytes& script = coinbase.outputs[i].script_pubkey;
    if (script.size() >= kWitnessCommitmentScriptSize &&
        std::equal(kWitnessCommitmentPrefix.begin(), kWitnessCommitmentPrefix.end(), script.begin())) {
      found = i;
    }
  }
  return found;
}

crypto::Uint256 ComputeWitnessCommitment(const crypto::Uint256& witness_root,
                                         util::ByteSpan reserved_value) {
  util::Bytes data(witness_root.span().begin(), witness_root.span().end());
  data.insert(data.end(), reserved_value.begin(), reserved_value.end());
  return crypto::Sha256d(data);
}

util::Bytes WitnessCommitmentScript(const crypto::Uint256& commitment) {
  util::Bytes script(kWitnessCommitmentPrefix.begin(), kWitnessCommitmentPrefix.end());
  script.insert(script.end(), commitment.span().begin(), commitment.span().end());
  return script;
}

}  // namespace parthenon::primitives
