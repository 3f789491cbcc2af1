#include "consensus/tx_check.h"

#include <algorithm>
#include <vector>

#include "consensus/amount.h"
#include "consensus/params.h"
#include "consensus/script.h"
#include "util/result.h"

namespace parthenon::consensus {
namespace {

Result<void> CheckOutputs(const std::vector<primitives::TxOut>& outputs) {
  Amount total = 0;
  for (const primitives::TxOut& out : outputs) {
    if (out.value < 0) return std::unexpected(Error::kTxNegativeOutput);
    if (out.value > kMaxMoney) return std::unexpected(Error::kTxOutputTooLarge);
    total += out.value;  // cannot overflow: each term <= kMaxMoney and total checked below
    if (!MoneyRange(total)) return std::unexpected(Error::kTxOutputTotalTooLarge);
    if (!IsAllowedOutputScript(out.script_pubkey)) return std::unexpected(Error::kTxBadOutputScript);
    if (IsNullData(out.script_pubkey) && out.value != 0) {
      return std::unexpected(Error::kTxNullDataValue);
    }
  }
  return {};
}

bool HasDuplicateInputs(const std::vector<primitives::TxIn>& inputs) {
  std::vector<primitives::OutPoint> prevouts;
  prevouts.reserve(inputs.size());
  for (const primitives::TxIn& in : inputs) prevouts.push_back(in.prevout);
  std::sort(prevouts.begin(), prevouts.end());
  return std::adjacent_find(prevouts.begin(), prevouts.end()) != prevouts.end();
}

Result<void> CheckCoinbaseInput(const primitives::TxIn& in) {
  if (in.script_sig.size() < 2 || in.script_sig.size() > 100) {
    return std::unexpected(Error::kTxCoinbaseLength);
  }
  // Empty, or the witness reserved value that the block's witness commitment hashes.
  if (!in.witness.empty() && !(in.witness.size() == 1 && in.witness[0].size() == 32)) {
    return std::unexpected(Error::kTxBadCoinbaseWitness);
  }
  return {};
}

Result<void> CheckSpendingInput(const primitives::TxIn& in) {
  if (in.prevout.IsNull()) return std::unexpected(Error::kTxNullPrevout);
  if (!in.script_sig.empty()) return std::unexpected(Error::kTxScriptSigNotEmpty);
  // One element is a key-path signature under every rule set. More elements are a v2 script
  // path (or key path with annex), checked against the spent output and the height by
  // PrepareInputChecks; v1 rejects them there with the same reason.
  if (in.witness.empty()) return std::unexpected(Error::kTxBadWitness);
  if (in.witness.size() > 1) return {};
  if (in.witness[0].size() != 64 && in.witness[0].size() != 65) {
    return std::unexpected(Error::kTxBadWitness);
  }
  if (in.witness[0].size() == 65 &&
      !IsValidExplicitHashType(std::to_integer<uint8_t>(in.witness[0][64]))) {
    return std::unexpected(Error::kTxBadHashType);
  }
  return {};
}

}  // namespace

bool IsValidExplicitHashType(uint8_t hash_type) {
  const uint8_t base = hash_type & 0x7f;
  return (hash_type & 0x7c) == 0 && base >= 1 && base <= 3;
}

Result<void> CheckTransaction(const primitives::Transaction& tx) {
  if (tx.inputs.empty()) return std::unexpected(Error::kTxNoInputs);
  if (tx.outputs.empty()) return std::unexpected(Error::kTxNoOutputs);
  if (static_cast<int64_t>(SerializedSize(tx, primitives::WitnessMode::kExclude)) * 4 >
      kMaxBlockWeight) {
    return std::unexpected(Error::kTxOversize);
  }
  PARTHENON_TRY(CheckOutputs(tx.outputs));
  if (HasDuplicateInputs(tx.inputs)) return std::unexpected(Error::kTxDuplicateInputs);
  if (tx.IsCoinbase()) return CheckCoinbaseInput(tx.inputs[0]);
  for (const primitives::TxIn& in : tx.inputs) PARTHENON_TRY(CheckSpendingInput(in));
  return {};
}

}  // namespace parthenon::consensus
