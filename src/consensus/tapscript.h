// The BIP342 tapscript interpreter (leaf version 0xc0) of consensus v2.
//
// Signature checks are deferred: in tapscript a non-empty signature either verifies or fails the
// whole script, so execution can assume every non-empty signature valid and return the checks it
// assumed; the spend is valid iff execution succeeds and every returned check verifies. The
// caller runs those checks on the ParallelVerifier together with the key-path ones.
//
// Thread-safety: thread-safe (pure function of its arguments).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "consensus/errors.h"
#include "consensus/sighash.h"
#include "crypto/parallel_verifier.h"
#include "primitives/transaction.h"

namespace parthenon::consensus {

inline constexpr size_t kMaxStackSize = 1000;         // stack + altstack elements
inline constexpr size_t kMaxElementSize = 520;        // bytes per stack element
inline constexpr int64_t kValidationWeightOffset = 50;  // budget = 50 + witness size
inline constexpr int64_t kValidationWeightPerSigop = 50;
// Policy: witness elements other than the script and control block (BIP342 standardness).
inline constexpr size_t kMaxStandardTapscriptElementSize = 80;

// The spend a tapscript executes in. Views live as long as the call.
struct TapscriptSpend {
  const primitives::Transaction& tx;
  size_t input_index;
  std::span<const primitives::TxOut> spent_outputs;
  const PrecomputedSighash& precomputed;
  crypto::Uint256 leaf_hash;
  std::optional<crypto::Digest> annex_hash;
  // 50 + the serialized size of the input's whole witness (BIP342 validation weight budget).
  int64_t validation_budget;
  // Mempool policy on top of consensus: rejects OP_SUCCESSx, upgradable NOPs, unknown public
  // key types and non-minimal pushes/numbers with the kPolicy* errors.
  bool standard = false;
};

// Executes `script` on `stack` (the witness elements below the script). Returns the signature
// checks execution assumed valid. Errors: the kScript* errors of errors.h, kTxBadHashType,
// kSighashSingleNoOutput, and under `standard` the kPolicy* ones.
[[nodiscard]] Result<std::vector<crypto::SchnorrCheck>> ExecuteTapscript(
    util::ByteSpan script, std::vector<util::Bytes> stack, const TapscriptSpend& spend);

}  // namespace parthenon::consensus
