// Every consensus rule violation, listed once. Each has the short reject reason peers and RPC
// clients see (Bitcoin's spelling where Bitcoin has the rule) and a sentence for logs.
#pragma once

#include <expected>
#include <string_view>

namespace parthenon::consensus {

#define PARTHENON_CONSENSUS_ERRORS(X)                                                             \
  /* transaction, context-free */                                                                 \
  X(kTxNoInputs, "bad-txns-vin-empty", "transaction has no inputs")                               \
  X(kTxNoOutputs, "bad-txns-vout-empty", "transaction has no outputs")                            \
  X(kTxOversize, "bad-txns-oversize", "transaction is larger than a block may be")                \
  X(kTxNegativeOutput, "bad-txns-vout-negative", "output value is negative")                      \
  X(kTxOutputTooLarge, "bad-txns-vout-toolarge", "output value is above the money supply")        \
  X(kTxOutputTotalTooLarge, "bad-txns-txouttotal-toolarge", "outputs add up to more than the money supply") \
  X(kTxDuplicateInputs, "bad-txns-inputs-duplicate", "two inputs spend the same output")          \
  X(kTxCoinbaseLength, "bad-cb-length", "coinbase scriptSig is not 2 to 100 bytes")               \
  X(kTxNullPrevout, "bad-txns-prevout-null", "non-coinbase input spends the null outpoint")       \
  X(kTxBadOutputScript, "bad-txns-output-script", "output script is neither a witness v1 key nor OP_RETURN data") \
  X(kTxNullDataValue, "bad-txns-nulldata-value", "OP_RETURN output carries a non-zero value")     \
  X(kTxScriptSigNotEmpty, "bad-txns-scriptsig-nonempty", "spending input has a non-empty scriptSig") \
  X(kTxBadWitness, "bad-txns-witness", "spending input's witness is empty, or not the one 64- or 65-byte signature required") \
  X(kTxBadHashType, "bad-txns-sighash-type", "signature has an invalid hash type")                \
  X(kTxBadCoinbaseWitness, "bad-cb-witness", "coinbase witness is not empty or one 32-byte value") \
  /* transaction, against the outputs it spends */                                                \
  X(kSpentOutputsMismatch, "bad-txns-spent-outputs", "spent outputs do not match the inputs")     \
  X(kSpentNotKeyPath, "bad-txns-spent-script", "spent output is not a witness v1 key")            \
  X(kSighashSingleNoOutput, "bad-txns-sighash-single", "SIGHASH_SINGLE without a matching output") \
  X(kBadSignature, "bad-txns-signature", "signature does not verify")                             \
  /* BIP341 script path and BIP342 tapscript (consensus v2) */                                    \
  X(kTaprootControlSize, "bad-taproot-control-size", "control block is not 33 + 32m bytes, m <= 128") \
  X(kTaprootCommitment, "bad-taproot-commitment", "control block and script do not open the output key") \
  X(kScriptBadOpcode, "script-bad-opcode", "script is truncated or executes an invalid opcode")  \
  X(kScriptCheckMultisig, "script-tapscript-checkmultisig", "OP_CHECKMULTISIG is disabled in tapscript") \
  X(kScriptStackSize, "script-stack-size", "stack and altstack hold more than 1000 elements")    \
  X(kScriptPushSize, "script-push-size", "a stack element is larger than 520 bytes")             \
  X(kScriptInvalidStackOperation, "script-invalid-stack-operation", "operation needs more stack elements") \
  X(kScriptUnbalancedConditional, "script-unbalanced-conditional", "IF/ELSE/ENDIF do not pair up") \
  X(kScriptMinimalIf, "script-tapscript-minimalif", "OP_IF/OP_NOTIF argument is not empty or 0x01") \
  X(kScriptVerify, "script-verify-failed", "OP_VERIFY (or a *VERIFY opcode) found false")        \
  X(kScriptOpReturn, "script-op-return", "script executed OP_RETURN")                             \
  X(kScriptCleanStack, "script-cleanstack", "script did not end with exactly one stack element") \
  X(kScriptEvalFalse, "script-eval-false", "script ended with a false stack element")            \
  X(kScriptBadNumber, "script-bad-number", "numeric operand is too long (or not minimal under policy)") \
  X(kScriptValidationWeight, "script-tapscript-validation-weight", "signature checks exceed the witness's validation weight budget") \
  X(kScriptEmptyPubkey, "script-tapscript-empty-pubkey", "signature opcode with an empty public key") \
  X(kScriptSchnorrSigSize, "script-schnorr-sig-size", "non-empty signature is not 64 or 65 bytes") \
  X(kScriptNegativeLocktime, "script-negative-locktime", "CLTV/CSV argument is negative")         \
  X(kScriptUnsatisfiedLocktime, "script-unsatisfied-locktime", "CLTV/CSV lock is not satisfied by the transaction") \
  X(kTxSequenceLocks, "bad-txns-nonfinal-sequence", "a BIP68 relative lock time of an input has not passed") \
  /* policy only (mempool standardness), never a block rule */                                    \
  X(kPolicyOpSuccess, "non-standard-op-success", "script contains an OP_SUCCESSx opcode")        \
  X(kPolicyLeafVersion, "non-standard-leaf-version", "script path uses an unknown leaf version") \
  X(kPolicyPubkeyType, "non-standard-pubkey-type", "signature opcode with an unknown public key type") \
  X(kPolicyUpgradableNop, "non-standard-upgradable-nop", "script executes an upgradable NOP")   \
  X(kPolicyMinimalData, "non-standard-minimal-data", "push or number is not minimally encoded") \
  X(kPolicyAnnex, "non-standard-annex", "witness carries an annex")                               \
  X(kPolicyStackItemSize, "non-standard-stack-item-size", "tapscript witness element above 80 bytes") \
  /* block */                                                                                     \
  X(kBadDiffBits, "bad-diffbits", "nBits is not a valid target within the proof-of-work limit")  \
  X(kHighHash, "high-hash", "block hash does not meet its nBits target")                          \
  X(kBadMerkleRoot, "bad-txnmrklroot", "merkle root does not match the transactions")             \
  X(kMutatedMerkle, "bad-txns-duplicate", "transaction list is mutated (CVE-2012-2459)")          \
  X(kBlockEmpty, "bad-blk-length", "block has no transactions or too many")                       \
  X(kBlockWeight, "bad-blk-weight", "block weight is above 4,000,000")                            \
  X(kFirstNotCoinbase, "bad-cb-missing", "first transaction is not a coinbase")                   \
  X(kMultipleCoinbase, "bad-cb-multiple", "more than one coinbase")                               \
  X(kUnexpectedWitness, "unexpected-witness", "witness data without a witness commitment")        \
  X(kBadWitnessNonceSize, "bad-witness-nonce-size", "coinbase witness is not one 32-byte value")  \
  X(kBadWitnessCommitment, "bad-witness-merkle-match", "witness commitment does not match")       \
  /* block, contextual */                                                                         \
  X(kTimeTooOld, "time-too-old", "block time is not after the median of the last 11 blocks")      \
  X(kTimeTooNew, "time-too-new", "block time is more than 2 hours in the future")                 \
  X(kBadCoinbaseHeight, "bad-cb-height", "coinbase does not begin with the block height")        \
  X(kBadCoinbaseAmount, "bad-cb-amount", "coinbase pays more than subsidy plus fees")

enum class Error {
#define PARTHENON_X(name, reason, description) name,
  PARTHENON_CONSENSUS_ERRORS(PARTHENON_X)
#undef PARTHENON_X
};

// True for the kPolicy* errors: mempool standardness, never a reason to reject a block.
bool IsPolicyError(Error error);

// The short reject reason, e.g. "bad-txns-vin-empty".
std::string_view RejectReason(Error error);
// A sentence for logs and RPC messages.
std::string_view ToString(Error error);

template <class T>
using Result = std::expected<T, Error>;

}  // namespace parthenon::consensus
