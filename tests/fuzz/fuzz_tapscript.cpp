// Fuzzes the BIP342 tapscript interpreter (ExecuteTapscript), which runs scripts and witness
// stacks chosen by whoever spends a contract output.
//
// Input layout: byte 0 = number of initial stack elements (mod 16); byte 1..4 = the input's
// nSequence, 5..8 = the transaction's nLockTime (for CLTV/CSV); then each element as one length
// byte and that many bytes; the rest is the script.
//
// Properties: execution never crashes or trips a sanitizer (every opcode, limit and malformed
// push is handled); it is deterministic; policy only ever rejects more (a standard success is
// a consensus success with the same signature checks); every returned check costs 50 of the
// validation budget, so their number never exceeds budget / 50.
#include <algorithm>

#include "consensus/script.h"
#include "consensus/taproot.h"
#include "consensus/tapscript.h"
#include "fuzz_check.h"

using namespace parthenon;

namespace {

uint32_t ReadU32(util::ByteSpan input, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value |= std::to_integer<uint32_t>(input[at + i]) << (8 * i);
  return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const util::ByteSpan input = fuzz::Input(data, size);
  if (input.size() < 9) return 0;
  const size_t count = std::to_integer<size_t>(input[0]) % 16;
  primitives::Transaction tx;
  tx.version = 2;
  tx.lock_time = ReadU32(input, 5);
  tx.inputs.push_back({.prevout = {}, .script_sig = {}, .sequence = ReadU32(input, 1), .witness = {}});
  tx.outputs.push_back({.value = 1000, .script_pubkey = consensus::NullDataScript({})});
  size_t at = 9;
  std::vector<util::Bytes> stack;
  for (size_t i = 0; i < count && at < input.size(); ++i) {
    const size_t wanted = std::to_integer<size_t>(input[at]);
    ++at;
    const size_t length = std::min(wanted, input.size() - at);
    stack.emplace_back(input.begin() + static_cast<ptrdiff_t>(at), input.begin() + static_cast<ptrdiff_t>(at + length));
    at += length;
  }
  const util::ByteSpan script = input.subspan(at);

  const std::vector<primitives::TxOut> spent{{.value = 2000, .script_pubkey = consensus::KeyPathScript({})}};
  const consensus::PrecomputedSighash precomputed = consensus::PrecomputeSighash(tx, spent);
  const int64_t budget = consensus::kValidationWeightOffset + static_cast<int64_t>(input.size());
  auto run = [&](bool standard) {
    const consensus::TapscriptSpend spend{.tx = tx,
                                          .input_index = 0,
                                          .spent_outputs = spent,
                                          .precomputed = precomputed,
                                          .leaf_hash = consensus::TapLeafHash(consensus::kTapscriptLeafVersion, script),
                                          .annex_hash = std::nullopt,
                                          .validation_budget = budget,
                                          .standard = standard};
    return consensus::ExecuteTapscript(script, stack, spend);
  };
  const auto consensus_result = run(false);
  const auto again = run(false);
  fuzz::Check(consensus_result.has_value() == again.has_value(), "deterministic outcome");
  if (consensus_result) {
    fuzz::Check(again->size() == consensus_result->size(), "deterministic checks");
    fuzz::Check(static_cast<int64_t>(consensus_result->size()) * consensus::kValidationWeightPerSigop <= budget,
                "signature checks fit the validation budget");
  } else {
    fuzz::Check(consensus_result.error() == again.error(), "deterministic error");
    fuzz::Check(!consensus::IsPolicyError(consensus_result.error()), "consensus never reports a policy error");
  }
  const auto standard_result = run(true);
  if (standard_result) {
    fuzz::Check(consensus_result.has_value(), "standard implies consensus-valid");
    fuzz::Check(standard_result->size() == consensus_result->size(), "policy does not change the checks");
  }
  return 0;
}
