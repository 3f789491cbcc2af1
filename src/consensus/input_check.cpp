#include "consensus/input_check.h"

#include <algorithm>

#include "consensus/script.h"
#include "consensus/taproot.h"
#include "consensus/tapscript.h"
#include "primitives/serialize.h"

namespace parthenon::consensus {
namespace {

// The check of a key-path signature `sig` (64 or 65 bytes) by `key`.
Result<crypto::SchnorrCheck> KeyPathCheck(const primitives::Transaction& tx, size_t index,
                                          std::span<const primitives::TxOut> spent_outputs,
                                          const PrecomputedSighash& precomputed,
                                          const crypto::XOnlyPublicKey& key, const util::Bytes& sig,
                                          const SighashExtension& extension) {
  if (sig.size() != 64 && sig.size() != 65) return std::unexpected(Error::kTxBadWitness);
  const uint8_t hash_type = sig.size() == 65 ? std::to_integer<uint8_t>(sig[64]) : 0;
  if (sig.size() == 65 && hash_type == 0) return std::unexpected(Error::kTxBadHashType);
  auto sighash = SignatureHash(tx, index, hash_type, spent_outputs, precomputed, extension);
  if (!sighash) return std::unexpected(sighash.error());
  crypto::SchnorrCheck check{.message = sighash->array(), .key = key, .signature = {}};
  std::copy_n(sig.begin(), 64, check.signature.begin());
  return check;
}

int64_t SerializedWitnessSize(const std::vector<util::Bytes>& witness) {
  size_t size = primitives::CompactSizeLength(witness.size());
  for (const util::Bytes& item : witness) size += primitives::CompactSizeLength(item.size()) + item.size();
  return static_cast<int64_t>(size);
}

// BIP341 script path: `items` is the witness without the annex, at least two elements.
Result<std::vector<crypto::SchnorrCheck>> ScriptPathChecks(
    const primitives::Transaction& tx, size_t index, std::span<const primitives::TxOut> spent_outputs,
    const PrecomputedSighash& precomputed, const crypto::XOnlyPublicKey& output_key,
    std::span<const util::Bytes> items, const std::optional<crypto::Digest>& annex_hash, SpendRules rules) {
  const util::Bytes& script = items[items.size() - 2];
  auto control = ParseControlBlock(items.back());
  if (!control) return std::unexpected(control.error());
  const crypto::Uint256 leaf_hash = TapLeafHash(control->leaf_version, script);
  if (!VerifyTaprootCommitment(*control, output_key, leaf_hash)) {
    return std::unexpected(Error::kTaprootCommitment);
  }
  if (control->leaf_version != kTapscriptLeafVersion) {
    // BIP341: an unknown leaf version is an upgrade hook and spends unconditionally; only
    // an output that committed to such a leaf is exposed. Policy never relays it.
    if (rules.standard) return std::unexpected(Error::kPolicyLeafVersion);
    return std::vector<crypto::SchnorrCheck>{};
  }
  std::vector<util::Bytes> stack(items.begin(), items.end() - 2);
  if (rules.standard && std::any_of(stack.begin(), stack.end(), [](const util::Bytes& element) {
        return element.size() > kMaxStandardTapscriptElementSize;
      })) {
    return std::unexpected(Error::kPolicyStackItemSize);
  }
  const TapscriptSpend spend{
      .tx = tx,
      .input_index = index,
      .spent_outputs = spent_outputs,
      .precomputed = precomputed,
      .leaf_hash = leaf_hash,
      .annex_hash = annex_hash,
      .validation_budget = kValidationWeightOffset + SerializedWitnessSize(tx.inputs[index].witness),
      .standard = rules.standard,
  };
  return ExecuteTapscript(script, std::move(stack), spend);
}

}  // namespace

Result<crypto::SchnorrCheck> PrepareSignatureCheck(const primitives::Transaction& tx, size_t index,
                                                   std::span<const primitives::TxOut> spent_outputs,
                                                   const PrecomputedSighash& precomputed) {
  if (spent_outputs.size() != tx.inputs.size() || index >= tx.inputs.size()) {
    return std::unexpected(Error::kSpentOutputsMismatch);
  }
  const auto key = KeyPathKey(spent_outputs[index].script_pubkey);
  if (!key) return std::unexpected(Error::kSpentNotKeyPath);
  const auto& witness = tx.inputs[index].witness;
  if (witness.size() != 1) return std::unexpected(Error::kTxBadWitness);
  return KeyPathCheck(tx, index, spent_outputs, precomputed, *key, witness[0], {});
}

Result<std::vector<crypto::SchnorrCheck>> PrepareInputChecks(
    const primitives::Transaction& tx, size_t index, std::span<const primitives::TxOut> spent_outputs,
    const PrecomputedSighash& precomputed, SpendRules rules) {
  if (!rules.script_v2) {
    auto check = PrepareSignatureCheck(tx, index, spent_outputs, precomputed);
    if (!check) return std::unexpected(check.error());
    return std::vector<crypto::SchnorrCheck>{*check};
  }
  if (spent_outputs.size() != tx.inputs.size() || index >= tx.inputs.size()) {
    return std::unexpected(Error::kSpentOutputsMismatch);
  }
  const auto key = KeyPathKey(spent_outputs[index].script_pubkey);
  if (!key) return std::unexpected(Error::kSpentNotKeyPath);
  std::span<const util::Bytes> items = tx.inputs[index].witness;
  if (items.empty()) return std::unexpected(Error::kTxBadWitness);
  std::optional<crypto::Digest> annex_hash;
  if (items.size() >= 2 && !items.back().empty() && items.back()[0] == kAnnexTag) {
    if (rules.standard) return std::unexpected(Error::kPolicyAnnex);
    annex_hash = AnnexHash(items.back());
    items = items.first(items.size() - 1);
  }
  if (items.size() == 1) {
    auto check = KeyPathCheck(tx, index, spent_outputs, precomputed, *key, items[0],
                              {.annex_hash = annex_hash, .tapleaf = std::nullopt});
    if (!check) return std::unexpected(check.error());
    return std::vector<crypto::SchnorrCheck>{*check};
  }
  return ScriptPathChecks(tx, index, spent_outputs, precomputed, *key, items, annex_hash, rules);
}

Result<std::vector<crypto::SchnorrCheck>> PrepareSignatureChecks(
    const primitives::Transaction& tx, std::span<const primitives::TxOut> spent_outputs, SpendRules rules) {
  if (spent_outputs.size() != tx.inputs.size()) {
    return std::unexpected(Error::kSpentOutputsMismatch);
  }
  const PrecomputedSighash precomputed = PrecomputeSighash(tx, spent_outputs);
  std::vector<crypto::SchnorrCheck> checks;
  checks.reserve(tx.inputs.size());
  for (size_t i = 0; i < tx.inputs.size(); ++i) {
    auto input_checks = PrepareInputChecks(tx, i, spent_outputs, precomputed, rules);
    if (!input_checks) return std::unexpected(input_checks.error());
    checks.insert(checks.end(), input_checks->begin(), input_checks->end());
  }
  return checks;
}

Result<void> VerifyTransactionSignatures(const primitives::Transaction& tx,
                                         std::span<const primitives::TxOut> spent_outputs,
                                         const crypto::ParallelVerifier& verifier, SpendRules rules) {
  auto checks = PrepareSignatureChecks(tx, spent_outputs, rules);
  if (!checks) return std::unexpected(checks.error());
  if (!verifier.VerifyAll(*checks)) return std::unexpected(Error::kBadSignature);
  return {};
}

}  // namespace parthenon::consensus
