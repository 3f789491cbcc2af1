// BIP341 signature message and hash for every hash type: key path (ext_flag 0) and, with a
// tapleaf commitment, the BIP342 script path (ext_flag 1); each with or without an annex.
// Thread-safe (pure functions; the precomputed data is an immutable value).
#pragma once

#include <cstdint>
#include <optional>
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

// What a signature commits to beyond the transaction (BIP341 spend_type and extensions).
struct SighashExtension {
  // SHA256(CompactSize(annex size) || annex), if the witness carries an annex.
  std::optional<crypto::Digest> annex_hash;
  // Script path (ext_flag 1): the executed leaf's hash and the opcode position of the last
  // executed OP_CODESEPARATOR (0xffffffff if none); the key version is always 0.
  struct Tapleaf {
    crypto::Uint256 leaf_hash;
    uint32_t codesep_pos = 0xffffffff;
  };
  std::optional<Tapleaf> tapleaf;
};

// The annex hash of SighashExtension.
crypto::Digest AnnexHash(util::ByteSpan annex);

// REQUIRES: spent_outputs.size() == tx.inputs.size().
PrecomputedSighash PrecomputeSighash(const primitives::Transaction& tx,
                                     std::span<const primitives::TxOut> spent_outputs);

// The bytes TapSighash commits to: epoch 0x00 followed by BIP341's SigMsg.
// Errors: kSpentOutputsMismatch (wrong count or index), kTxBadHashType, kSighashSingleNoOutput.
[[nodiscard]] Result<util::Bytes> SignatureMessage(const primitives::Transaction& tx,
                                                   size_t input_index, uint8_t hash_type,
                                                   std::span<const primitives::TxOut> spent_outputs,
                                                   const PrecomputedSighash& precomputed,
                                                   const SighashExtension& extension = {});

// TaggedHash("TapSighash", SignatureMessage(...)): the 32 bytes a signature signs.
[[nodiscard]] Result<crypto::Uint256> SignatureHash(const primitives::Transaction& tx,
                                                    size_t input_index, uint8_t hash_type,
                                                    std::span<const primitives::TxOut> spent_outputs,
                                                    const PrecomputedSighash& precomputed,
                                                   const SighashExtension& extension = {});

}  // namespace parthenon::consensus
