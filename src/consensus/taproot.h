// BIP341 script trees: leaf and branch hashes, control blocks, and the commitment of a script
// tree in an output key. Used by script-path validation (input_check) and by the wallet and
// tests to build contract outputs.
//
// Thread-safety: thread-safe (pure functions); TapTree is a thread-compatible value.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "consensus/errors.h"
#include "crypto/schnorr.h"
#include "util/bytes.h"

namespace parthenon::consensus {

inline constexpr uint8_t kTapscriptLeafVersion = 0xc0;
inline constexpr uint8_t kLeafVersionMask = 0xfe;
inline constexpr size_t kControlBaseSize = 33;
inline constexpr size_t kControlNodeSize = 32;
inline constexpr size_t kControlMaxNodes = 128;
// A witness element starting with this byte, last of two or more, is the annex.
inline constexpr std::byte kAnnexTag{0x50};

// TaggedHash("TapLeaf", leaf_version || CompactSize(script size) || script).
crypto::Uint256 TapLeafHash(uint8_t leaf_version, util::ByteSpan script);
// TaggedHash("TapBranch", min(a, b) || max(a, b)), ordered bytewise.
crypto::Uint256 TapBranchHash(const crypto::Uint256& a, const crypto::Uint256& b);

struct ControlBlock {
  uint8_t leaf_version = kTapscriptLeafVersion;
  bool odd_y = false;  // parity of the output key
  crypto::XOnlyPublicKey internal_key{};
  std::vector<crypto::Uint256> path;  // sibling hashes from the leaf up to the root
};

// Errors: kTaprootControlSize.
[[nodiscard]] Result<ControlBlock> ParseControlBlock(util::ByteSpan bytes);
util::Bytes SerializeControlBlock(const ControlBlock& control);

// The merkle root reached from `leaf_hash` along `path`.
crypto::Uint256 MerkleRootFromPath(const crypto::Uint256& leaf_hash,
                                   const std::vector<crypto::Uint256>& path);

// True if the leaf `leaf_hash` with `control` opens `output_key` (BIP341 script-path check).
bool VerifyTaprootCommitment(const ControlBlock& control, const crypto::XOnlyPublicKey& output_key,
                             const crypto::Uint256& leaf_hash);

// A script tree: a leaf, or a branch of two subtrees.
class TapTree {
 public:
  static TapTree Leaf(util::Bytes script, uint8_t leaf_version = kTapscriptLeafVersion);
  static TapTree Branch(TapTree left, TapTree right);

  bool IsLeaf() const { return children_.empty(); }
  const crypto::Uint256& Hash() const { return hash_; }

  struct LeafInfo {
    uint8_t leaf_version;
    util::Bytes script;
    crypto::Uint256 leaf_hash;
    std::vector<crypto::Uint256> path;  // as in ControlBlock
  };
  // Every leaf, depth first and left to right, with its merkle path.
  std::vector<LeafInfo> Leaves() const;

 private:
  TapTree() = default;
  void CollectLeaves(std::vector<crypto::Uint256>& above, std::vector<LeafInfo>& out) const;

  uint8_t leaf_version_ = kTapscriptLeafVersion;
  util::Bytes script_;               // leaves only
  std::vector<TapTree> children_;    // empty (leaf) or two
  crypto::Uint256 hash_;
};

// An output committing to `internal_key` and an optional tree, and the control block of each leaf
// (in TapTree::Leaves order).
struct TaprootOutput {
  crypto::XOnlyPublicKey output_key{};
  bool odd_y = false;
  std::optional<crypto::Uint256> merkle_root;
  std::vector<TapTree::LeafInfo> leaves;
  std::vector<util::Bytes> control_blocks;
};
[[nodiscard]] crypto::Result<TaprootOutput> BuildTaprootOutput(const crypto::XOnlyPublicKey& internal_key,
                                                               const TapTree* tree);

// BIP341's suggested internal key for script-only outputs: the x coordinate of
// lift_x(SHA256(G uncompressed)), whose discrete logarithm nobody knows.
const crypto::XOnlyPublicKey& UnspendableInternalKey();

}  // namespace parthenon::consensus
