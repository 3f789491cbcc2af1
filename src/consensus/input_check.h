// Spending rules that need the outputs being spent: the key-path signature of every input and,
// from consensus v2, BIP341 script-path spends with BIP342 tapscript.
// Thread-safe (pure functions); signature checks run on a ParallelVerifier.
#pragma once

#include <span>
#include <vector>

#include "consensus/errors.h"
#include "consensus/params.h"
#include "consensus/sighash.h"
#include "crypto/parallel_verifier.h"
#include "primitives/transaction.h"

namespace parthenon::consensus {

// Which spending rules apply to a transaction.
struct SpendRules {
  // Consensus v2: script paths, tapscript, the annex (ScriptV2Active at the block's height).
  bool script_v2 = false;
  // Mempool policy on top of consensus (the kPolicy* errors); never set for blocks.
  bool standard = false;
};

// The consensus rules of a block at `height`.
inline SpendRules ConsensusRulesAt(int32_t height, const ChainParams& params) {
  return {.script_v2 = ScriptV2Active(height, params), .standard = false};
}

// v1 key path of input `index`: the spent output must be `OP_1 <key>` and the witness one
// signature; returns the (sighash, key, signature) check to run. Assumes CheckTransaction passed.
[[nodiscard]] Result<crypto::SchnorrCheck> PrepareSignatureCheck(
    const primitives::Transaction& tx, size_t index,
    std::span<const primitives::TxOut> spent_outputs, const PrecomputedSighash& precomputed);

// Every signature check input `index` needs under `rules`: one for a key path; for a v2 script
// path, the commitment is checked and the tapscript run here, and the checks it assumed valid
// are returned (possibly none). The input is valid iff this succeeds and every check verifies.
[[nodiscard]] Result<std::vector<crypto::SchnorrCheck>> PrepareInputChecks(
    const primitives::Transaction& tx, size_t index,
    std::span<const primitives::TxOut> spent_outputs, const PrecomputedSighash& precomputed,
    SpendRules rules);

// Every input's checks, in input order.
[[nodiscard]] Result<std::vector<crypto::SchnorrCheck>> PrepareSignatureChecks(
    const primitives::Transaction& tx, std::span<const primitives::TxOut> spent_outputs,
    SpendRules rules = {});

// Prepares and verifies every input's signatures on `verifier`; kBadSignature if any fails.
[[nodiscard]] Result<void> VerifyTransactionSignatures(
    const primitives::Transaction& tx, std::span<const primitives::TxOut> spent_outputs,
    const crypto::ParallelVerifier& verifier, SpendRules rules = {});

}  // namespace parthenon::consensus
