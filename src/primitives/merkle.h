// Merkle roots of blocks (over txids, Bitcoin's tree with the odd leaf paired with itself) and the
// BIP141 witness commitment. Thread-safe (pure functions).
#pragma once

#include <optional>
#include <vector>

#include "crypto/uint256.h"
#include "primitives/block.h"

namespace parthenon::primitives {

struct MerkleRoot {
  crypto::Uint256 root;
  // True if some level paired two identical nodes (CVE-2012-2459): a different transaction list
  // then has the same root, so the block must be rejected as mutated.
  bool mutated = false;
};

// Root of `leaves`; the zero hash for an empty list.
MerkleRoot ComputeMerkleRoot(std::vector<crypto::Uint256> leaves);
// Over the txids of the block's transactions.
MerkleRoot BlockMerkleRoot(const Block& block);
// Over the wtxids, with the coinbase's taken as zero (BIP141).
MerkleRoot BlockWitnessMerkleRoot(const Block& block);

// BIP141 commitment output script prefix: OP_RETURN, push 36, 0xaa21a9ed.
inline constexpr std::array<std::byte, 6> kWitnessCommitmentPrefix = {
    std::byte{0x6a}, std::byte{0x24}, std::byte{0xaa},
    std::byte{0x21}, std::byte{0xa9}, std::byte{0xed}};
inline constexpr size_t kWitnessCommitmentScriptSize = 38;

// Index of the coinbase output holding the witness commitment (the last matching one), if any.
std::optional<size_t> FindWitnessCommitment(const Transaction& coinbase);
// SHA256d(witness root || witness reserved value).
crypto::Uint256 ComputeWitnessCommitment(const crypto::Uint256& witness_root,
                                         util::ByteSpan reserved_value);
// The output script carrying `commitment`.
util::Bytes WitnessCommitmentScript(const crypto::Uint256& commitment);

}  // namespace parthenon::primitives
