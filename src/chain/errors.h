// Errors of the chain layer: a consensus rule (consensus::Error), a chain-level reject reason
// listed below, or a storage failure with its detail. `Reason()` is the short reject string
// peers and RPC clients see. Thread-compatible value type.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "consensus/errors.h"
#include "storage/error.h"

namespace parthenon::chain {

#define PARTHENON_CHAIN_ERRORS(X)                                                                 \
  X(kConsensus, "consensus", "a consensus rule is broken (see the consensus error)")               \
  X(kUnknownParent, "prev-blk-not-found", "the parent block is unknown")                           \
  X(kBadPrevBlock, "bad-prevblk", "the parent block is invalid")                                   \
  X(kKnownInvalid, "duplicate-invalid", "the block was already found invalid")                     \
  X(kMissingInputs, "bad-txns-inputs-missingorspent", "an input is missing or already spent")      \
  X(kPrematureSpend, "bad-txns-premature-spend-of-coinbase", "spends an immature coinbase")        \
  X(kInputsBelowOutputs, "bad-txns-in-belowout", "outputs are worth more than the inputs")         \
  X(kNonFinal, "bad-txns-nonfinal", "the transaction is not final")                                \
  X(kNonBip68Final, "non-BIP68-final", "a relative lock time (BIP68) of an input has not passed")   \
  X(kNonStandard, "non-standard", "valid by consensus but not relayed (see the policy error)")     \
  X(kCoinbaseTx, "coinbase", "a coinbase cannot enter the mempool")                                \
  X(kAlreadyKnown, "txn-already-known", "the transaction is already in the mempool or chain")      \
  X(kMempoolConflict, "txn-mempool-conflict", "spends an output a mempool transaction spends")     \
  X(kMinRelayFee, "min-relay-fee-not-met", "fee rate below the minimum relay fee rate")            \
  X(kTxTooLarge, "tx-size", "the transaction is larger than the relay limit")                      \
  X(kMempoolFull, "mempool-full", "the mempool is full of higher fee-rate transactions")           \
  X(kStorage, "storage", "a storage operation failed")                                             \
  X(kCorruption, "corruption", "stored data is corrupt")                                           \
  X(kShutDown, "shut-down", "the chainstate stopped after a fatal storage error")                  \
  X(kNotFound, "not-found", "no such block, transaction or address")                               \
  X(kCancelled, "cancelled", "the operation was cancelled")                                        \
  X(kInsufficientFunds, "insufficient-funds", "the wallet does not hold enough mature coins")

enum class ErrorCode {
#define PARTHENON_X(name, reason, description) name,
  PARTHENON_CHAIN_ERRORS(PARTHENON_X)
#undef PARTHENON_X
};

struct Error {
  ErrorCode code = ErrorCode::kConsensus;
  std::optional<consensus::Error> consensus;  // set when code is kConsensus or kNonStandard
  std::string detail;                         // storage detail (file, offset), or context

  static Error Consensus(consensus::Error error) { return {ErrorCode::kConsensus, error, {}}; }
  // A kPolicy* error of the consensus module: the transaction is only non-standard.
  static Error NonStandard(consensus::Error error) { return {ErrorCode::kNonStandard, error, {}}; }
  static Error Code(ErrorCode code, std::string detail = {}) { return {code, std::nullopt, std::move(detail)}; }
  static Error Storage(const storage::Error& error);

  // The short reject reason: the consensus rule's ("bad-txns-signature") or the chain's.
  std::string_view Reason() const;
  // Reason and detail, for logs.
  std::string Message() const;
  bool operator==(const Error&) const = default;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> Fail(consensus::Error error) {
  return std::unexpected(Error::Consensus(error));
}
inline std::unexpected<Error> Fail(ErrorCode code, std::string detail = {}) {
  return std::unexpected(Error::Code(code, std::move(detail)));
}

// Evaluates a storage::Result; on error returns it as a chain Error.
#define PARTHENON_TRY_STORAGE(expr)                                              \
  do {                                                                           \
    if (auto parthenon_storage_result_ = (expr); !parthenon_storage_result_)     \
      return std::unexpected(::parthenon::chain::Error::Storage(                 \
          parthenon_storage_result_.error()));                                   \
  } while (false)

// Evaluates a consensus::Result; on error returns it as a chain Error.
#define PARTHENON_TRY_CONSENSUS(expr)                                            \
  do {                                                                           \
    if (auto parthenon_consensus_result_ = (expr); !parthenon_consensus_result_) \
      return std::unexpected(::parthenon::chain::Error::Consensus(               \
          parthenon_consensus_result_.error()));                                 \
  } while (false)

}  // namespace parthenon::chain
