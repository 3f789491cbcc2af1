// BIP341 key-path signature message and hash (ext_flag 0, no annex), for every hash type.
// Thread-safe (pure functions; the precomputed data is an immutable value).
#pragma once

#include <cstdint>
#include <span>

#include "consensus/errors.h"
#include "crypto/sha256.h"
#include "primitives/transaction.h"

namespace parthenon::consensus {

enum class SighashType : uint8_t {
  kDefault = 0x00,  // 64-byte signature: like kAll
  kAll = 0x01,
  kNone = 0x02,
  kSingle = 0x03,
  kAllAnyoneCanPay = 0x81,
  kNoneAnyoneCanPay = 0x82,
  kSingleAnyoneCanPay = 0x83,
};

// The per-transaction hashes shared by all inputs' messages (BIP341 sha_prevouts, ...).
struct PrecomputedSighash {
  crypto::Digest prevouts{};
  crypto::Digest amounts{};
  crypto::Digest script_pubkeys{};
  crypto::Digest sequences{};
  crypto::Digest outputs{};
};

// REQUIRES: spent_outputs.size() == tx.inputs.size().
PrecomputedSighash PrecomputeSighash(const primitives::Transaction& tx,
                                     std::span<const primitives::TxOut> spent_outputs);

// The bytes TapSighash commits to: epoch 0x00 followed by BIP341's SigMsg.
// Errors: kSpentOutputsMismatch (wrong count or index), kTxBadHashType, kSighashSingleNoOutput.
[[nodiscard]] Result<util::Bytes> SignatureMessage(const primitives::Transaction& tx,
                                                   size_t input_index, uint8_t hash_type,
                                                   std::span<const primitives::TxOut> spent_outputs,
                                                   const PrecomputedSighash& precomputed);

// TaggedHash("TapSighash", SignatureMessage(...)): the 32 bytes a key-path signature signs.
[[nodiscard]] Result<crypto::Uint256> SignatureHash(const primitives::Transaction& tx,
                                                    size_t input_index, uint8_t hash_type,
                                                    std::span<const primitives::TxOut> spent_outputs,
                                                    const PrecomputedSighash& precomputed);

}  // namespace parthenon::consensus
