#include "consensus/input_check.h"

#include <algorithm>

#include "consensus/script.h"

namespace parthenon::consensus {

Result<crypto::SchnorrCheck> PrepareSignatureCheck(const primitives::Transaction& tx, size_t index,
                                                   std::span<const primitives::TxOut> spent_outputs,
                                                   const PrecomputedSighash& precomputed) {
  if (spent_outputs.size() != tx.inputs.size() || index >= tx.inputs.size()) {
    return std::unexpected(Error::kSpentOutputsMismatch);
  }
  const auto key = KeyPathKey(spent_outputs[index].script_pubkey);
  if (!key) return std::unexpected(Error::kSpentNotKeyPath);
  const auto& witness = tx.inputs[index].witness;
  if (witness.size() != 1 || (witness[0].size() != 64 && witness[0].size() != 65)) {
    return std::unexpected(Error::kTxBadWitness);
  }
  const util::Bytes& sig = witness[0];
  const uint8_t hash_type = sig.size() == 65 ? std::to_integer<uint8_t>(sig[64]) : 0;
  if (sig.size() == 65 && hash_type == 0) return std::unexpected(Error::kTxBadHashType);
  auto sighash = SignatureHash(tx, index, hash_type, spent_outputs, precomputed);
  if (!sighash) return std::unexpected(sighash.error());
  crypto::SchnorrCheck check{.message = sighash->array(), .key = *key, .signature = {}};
  std::copy_n(sig.begin(), 64, check.signature.begin());
  return check;
}

Result<std::vector<crypto::SchnorrCheck>> PrepareSignatureChecks(
    const primitives::Transaction& tx, std::span<const primitives::TxOut> spent_outputs) {
  if (spent_outputs.size() != tx.inputs.size()) {
    return std::unexpected(Error::kSpentOutputsMismatch);
  }
  const PrecomputedSighash precomputed = PrecomputeSighash(tx, spent_outputs);
  std::vector<crypto::SchnorrCheck> checks;
  checks.reserve(tx.inputs.size());
  for (size_t i = 0; i < tx.inputs.size(); ++i) {
    auto check = PrepareSignatureCheck(tx, i, spent_outputs, precomputed);
    if (!check) return std::unexpected(check.error());
    checks.push_back(*check);
  }
  return checks;
}

Result<void> VerifyTransactionSignatures(const primitives::Transaction& tx,
                                         std::span<const primitives::TxOut> spent_outputs,
                                         const crypto::ParallelVerifier& verifier) {
  auto checks = PrepareSignatureChecks(tx, spent_outputs);
  if (!checks) return std::unexpected(checks.error());
  if (!verifier.VerifyAll(*checks)) return std::unexpected(Error::kBadSignature);
  return {};
}

}  // namespace parthenon::consensus
