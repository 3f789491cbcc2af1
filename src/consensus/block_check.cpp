#include "consensus/block_check.h"

#include <algorithm>
#include <vector>

#include "consensus/pow.h"
#include "consensus/script.h"
#include "consensus/tx_check.h"
#include "primitives/merkle.h"
#include "util/result.h"

namespace parthenon::consensus {
namespace {

Result<void> CheckMerkleRoot(const primitives::Block& block) {
  const primitives::MerkleRoot merkle = primitives::BlockMerkleRoot(block);
  if (merkle.root != block.header.merkle_root) return std::unexpected(Error::kBadMerkleRoot);
  if (merkle.mutated) return std::unexpected(Error::kMutatedMerkle);
  return {};
}

Result<void> CheckSizeAndCoinbase(const primitives::Block& block) {
  if (block.transactions.empty()) return std::unexpected(Error::kBlockEmpty);
  if (static_cast<int64_t>(SerializedSize(block, primitives::WitnessMode::kExclude)) * 4 >
          kMaxBlockWeight ||
      primitives::Weight(block) > kMaxBlockWeight) {
    return std::unexpected(Error::kBlockWeight);
  }
  if (!block.transactions[0].IsCoinbase()) return std::unexpected(Error::kFirstNotCoinbase);
  for (size_t i = 1; i < block.transactions.size(); ++i) {
    if (block.transactions[i].IsCoinbase()) return std::unexpected(Error::kMultipleCoinbase);
  }
  return {};
}

Result<void> CheckWitnessCommitment(const primitives::Block& block) {
  const primitives::Transaction& coinbase = block.transactions[0];
  const auto index = primitives::FindWitnessCommitment(coinbase);
  if (!index) {
    const bool any_witness = std::any_of(block.transactions.begin(), block.transactions.end(),
                                         [](const auto& tx) { return tx.HasWitness(); });
    if (any_witness) return std::unexpected(Error::kUnexpectedWitness);
    return {};
  }
  const auto& witness = coinbase.inputs[0].witness;
  if (witness.size() != 1 || witness[0].size() != 32) {
    return std::unexpected(Error::kBadWitnessNonceSize);
  }
  const crypto::Uint256 commitment = primitives::ComputeWitnessCommitment(
      primitives::BlockWitnessMerkleRoot(block).root, witness[0]);
  const util::Bytes& script = coinbase.outputs[*index].script_pubkey;
  if (!std::equal(commitment.span().begin(), commitment.span().end(),
                  script.begin() + primitives::kWitnessCommitmentPrefix.size())) {
    return std::unexpected(Error::kBadWitnessCommitment);
  }
  return {};
}

}  // namespace

Result<void> CheckBlockHeader(const primitives::BlockHeader& header, const ChainParams& params) {
  return CheckProofOfWork(header.Hash(), header.bits, params);
}

Result<void> CheckBlock(const primitives::Block& block, const ChainParams& params) {
  PARTHENON_TRY(CheckBlockHeader(block.header, params));
  PARTHENON_TRY(CheckMerkleRoot(block));
  PARTHENON_TRY(CheckSizeAndCoinbase(block));
  for (const primitives::Transaction& tx : block.transactions) PARTHENON_TRY(CheckTransaction(tx));
  return CheckWitnessCommitment(block);
}

int64_t MedianTime(std::span<const int64_t> times) {
  if (times.empty()) return 0;
  std::vector<int64_t> sorted(times.begin(), times.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted[sorted.size() / 2];
}

Result<void> CheckBlockTime(int64_t time, int64_t median_time_past, int64_t adjusted_now) {
  if (time <= median_time_past) return std::unexpected(Error::kTimeTooOld);
  if (time > adjusted_now + kMaxFutureBlockTime) return std::unexpected(Error::kTimeTooNew);
  return {};
}

Result<void> CheckCoinbase(const primitives::Block& block, int32_t height, Amount fees,
                           const ChainParams& params) {
  if (block.transactions.empty() || !block.transactions[0].IsCoinbase()) {
    return std::unexpected(Error::kFirstNotCoinbase);
  }
  const primitives::Transaction& coinbase = block.transactions[0];
  if (!HasHeightPrefix(coinbase.inputs[0].script_sig, height)) {
    return std::unexpected(Error::kBadCoinbaseHeight);
  }
  Amount paid = 0;
  for (const primitives::TxOut& out : coinbase.outputs) {
    if (!MoneyRange(out.value) || !MoneyRange(paid + out.value)) {
      return std::unexpected(Error::kBadCoinbaseAmount);
    }
    paid += out.value;
  }
  if (paid > BlockSubsidy(height, params) + fees) return std::unexpected(Error::kBadCoinbaseAmount);
  return {};
}

}  // namespace parthenon::consensus
