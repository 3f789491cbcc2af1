// Spending rules that need the outputs being spent: the key-path signature of every input.
// Thread-safe (pure functions); signature checks run on a ParallelVerifier.
#pragma once

#include <span>
#include <vector>

#include "consensus/errors.h"
#include "consensus/sighash.h"
#include "crypto/parallel_verifier.h"
#include "primitives/transaction.h"

namespace parthenon::consensus {

// For input `index`: the spent output must be `OP_1 <key>` and the witness one signature; returns
// the (sighash, key, signature) check to run. Assumes CheckTransaction passed.
[[nodiscard]] Result<crypto::SchnorrCheck> PrepareSignatureCheck(
    const primitives::Transaction& tx, size_t index,
    std::span<const primitives::TxOut> spent_outputs, const PrecomputedSighash& precomputed);

// Every input's check, in input order.
[[nodiscard]] Result<std::vector<crypto::SchnorrCheck>> PrepareSignatureChecks(
    const primitives::Transaction& tx, std::span<const primitives::TxOut> spent_outputs);

// Prepares and verifies every input's signature on `verifier`; kBadSignature if any fails.
[[nodiscard]] Result<void> VerifyTransactionSignatures(
    const primitives::Transaction& tx, std::span<const primitives::TxOut> spent_outputs,
    const crypto::ParallelVerifier& verifier);

}  // namespace parthenon::consensus
