// Context-free transaction rules of DESIGN.md §4: what can be checked from the transaction alone.
// Thread-safe (pure functions).
#pragma once

#include <cstdint>

#include "consensus/errors.h"
#include "primitives/transaction.h"

namespace parthenon::consensus {

// BIP341 hash types allowed in a 65-byte signature (0x00 is implied by a 64-byte one).
bool IsValidExplicitHashType(uint8_t hash_type);

// Returns the first rule the transaction breaks (rules checked in the order of errors.h).
[[nodiscard]] Result<void> CheckTransaction(const primitives::Transaction& tx);

}  // namespace parthenon::consensus
