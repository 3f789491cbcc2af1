// Transactions in Bitcoin's serialization, with BIP144 segregated witness.
// Plain value types (thread-compatible).
#pragma once

#include <cstdint>
#include <vector>

#include "crypto/uint256.h"
#include "primitives/serialize.h"
#include "util/bytes.h"

namespace parthenon::primitives {

struct OutPoint {
  static constexpr uint32_t kNullIndex = 0xffffffff;

  crypto::Uint256 txid;
  uint32_t index = kNullIndex;

  // The coinbase's prevout: zero txid and index 0xffffffff.
  bool IsNull() const { return txid.IsNull() && index == kNullIndex; }
  auto operator<=>(const OutPoint&) const = default;
};

struct TxIn {
  static constexpr uint32_t kFinalSequence = 0xffffffff;

  OutPoint prevout;
  util::Bytes script_sig;
  uint32_t sequence = kFinalSequence;
  std::vector<util::Bytes> witness;  // stack items, bottom first

  bool operator==(const TxIn&) const = default;
};

struct TxOut {
  int64_t value = 0;  // in base units (1 coin = 10^8)
  util::Bytes script_pubkey;

  bool operator==(const TxOut&) const = default;
};

struct Transaction {
  int32_t version = 2;
  std::vector<TxIn> inputs;
  std::vector<TxOut> outputs;
  uint32_t lock_time = 0;

  bool HasWitness() const;
  bool IsCoinbase() const { return inputs.size() == 1 && inputs[0].prevout.IsNull(); }
  bool operator==(const Transaction&) const = default;
};

enum class WitnessMode {
  kInclude,  // BIP144 form when any input has a witness (wire and wtxid)
  kExclude,  // legacy form (txid)
};

// Smallest possible serialized transaction: version, 1 input, 1 output, lock time.
inline constexpr size_t kMinTransactionSize = 4 + 1 + 41 + 1 + 9 + 4;
// Decoding cap on witness stack items per input. Consensus allows exactly one (a signature),
// so the cap only bounds how much memory a hostile message can make us commit.
inline constexpr size_t kMaxWitnessItems = 1000;

void Serialize(Writer& out, const Transaction& tx, WitnessMode mode = WitnessMode::kInclude);
util::Bytes Serialize(const Transaction& tx, WitnessMode mode = WitnessMode::kInclude);
size_t SerializedSize(const Transaction& tx, WitnessMode mode = WitnessMode::kInclude);

// Reads one transaction (either form) from `in`; check `in.ok()` afterwards.
Transaction ReadTransaction(Reader& in);
// Decodes exactly one transaction occupying all of `data`.
[[nodiscard]] Result<Transaction> DecodeTransaction(util::ByteSpan data);

// Hash of the legacy serialization (what inputs spend and blocks commit to in the merkle root).
crypto::Uint256 Txid(const Transaction& tx);
// Hash of the full serialization (equal to the txid when there is no witness).
crypto::Uint256 Wtxid(const Transaction& tx);

// BIP141 weight: legacy size × 3 + full size.
int64_t Weight(const Transaction& tx);
// BIP141 virtual size: weight / 4, rounded up.
int64_t VirtualSize(const Transaction& tx);

}  // namespace parthenon::primitives
