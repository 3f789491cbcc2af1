// JSON shapes of amounts, transactions and blocks in RPC answers (close to Bitcoin Core's, so
// existing tools read them). Thread-safe (pure functions).
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "consensus/amount.h"
#include "consensus/params.h"
#include "primitives/block.h"
#include "rpc/errors.h"

namespace parthenon::rpc {

// Coins as a JSON number (units / 10^8).
nlohmann::json AmountToJson(consensus::Amount amount);
// A positive amount in coins (number or decimal string) with at most 8 decimals.
[[nodiscard]] Result<consensus::Amount> ParseAmount(const nlohmann::json& value);

nlohmann::json TxToJson(const primitives::Transaction& tx, const consensus::ChainParams& params);

struct BlockPlace {
  int32_t height = -1;           // -1: not on the active chain
  int32_t confirmations = -1;    // Bitcoin's convention: -1 when not on the active chain
  std::optional<crypto::Uint256> next;
};
nlohmann::json HeaderToJson(const primitives::BlockHeader& header, const BlockPlace& place);
// verbosity 1: transaction ids; 2: whole transactions.
nlohmann::json BlockToJson(const primitives::Block& block, const BlockPlace& place, int verbosity,
                           const consensus::ChainParams& params);

// 2^256 / (target + 1) relative to the easiest target, like Bitcoin's "difficulty".
double Difficulty(uint32_t bits, const consensus::ChainParams& params);

}  // namespace parthenon::rpc
