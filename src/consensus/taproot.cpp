#include "consensus/taproot.h"

#include <algorithm>
#include <cassert>

#include "crypto/sha256.h"
#include "primitives/serialize.h"
#include "util/hex.h"

namespace parthenon::consensus {

crypto::Uint256 TapLeafHash(uint8_t leaf_version, util::ByteSpan script) {
  static const crypto::TaggedHasher kTapLeaf("TapLeaf");
  primitives::Writer writer;
  writer.Reserve(1 + 9 + script.size());
  writer.U8(leaf_version);
  writer.VarBytes(script);
  return crypto::Uint256(kTapLeaf.Hash(writer.bytes()));
}

crypto::Uint256 TapBranchHash(const crypto::Uint256& a, const crypto::Uint256& b) {
  static const crypto::TaggedHasher kTapBranch("TapBranch");
  const bool a_first = std::lexicographical_compare(a.span().begin(), a.span().end(),
                                                    b.span().begin(), b.span().end());
  crypto::Sha256 hasher = kTapBranch.Start();
  hasher.Write(a_first ? a.span() : b.span());
  hasher.Write(a_first ? b.span() : a.span());
  return crypto::Uint256(hasher.Finalize());
}

Result<ControlBlock> ParseControlBlock(util::ByteSpan bytes) {
  if (bytes.size() < kControlBaseSize ||
      bytes.size() > kControlBaseSize + kControlNodeSize * kControlMaxNodes ||
      (bytes.size() - kControlBaseSize) % kControlNodeSize != 0) {
    return std::unexpected(Error::kTaprootControlSize);
  }
  ControlBlock control;
  const auto first = std::to_integer<uint8_t>(bytes[0]);
  control.leaf_version = first & kLeafVersionMask;
  control.odd_y = (first & 1) != 0;
  std::copy_n(bytes.begin() + 1, 32, control.internal_key.begin());
  for (size_t at = kControlBaseSize; at < bytes.size(); at += kControlNodeSize) {
    crypto::Uint256 node;
    std::copy_n(bytes.begin() + static_cast<ptrdiff_t>(at), kControlNodeSize, node.span().begin());
    control.path.push_back(node);
  }
  return control;
}

util::Bytes SerializeControlBlock(const ControlBlock& control) {
  util::Bytes out;
  out.reserve(kControlBaseSize + kControlNodeSize * control.path.size());
  out.push_back(std::byte{static_cast<uint8_t>(control.leaf_version | (control.odd_y ? 1 : 0))});
  out.insert(out.end(), control.internal_key.begin(), control.internal_key.end());
  for (const auto& node : control.path) out.insert(out.end(), node.span().begin(), node.span().end());
  return out;
}

crypto::Uint256 MerkleRootFromPath(const crypto::Uint256& leaf_hash,
                                   const std::vector<crypto::Uint256>& path) {
  crypto::Uint256 node = leaf_hash;
  for (const auto& sibling : path) node = TapBranchHash(node, sibling);
  return node;
}

bool VerifyTaprootCommitment(const ControlBlock& control, const crypto::XOnlyPublicKey& output_key,
                             const crypto::Uint256& leaf_hash) {
  return crypto::VerifyTapTweak(control.internal_key, MerkleRootFromPath(leaf_hash, control.path),
                                output_key, control.odd_y);
}

TapTree TapTree::Leaf(util::Bytes script, uint8_t leaf_version) {
  assert((leaf_version & 1) == 0);
  TapTree tree;
  tree.leaf_version_ = leaf_version;
  tree.hash_ = TapLeafHash(leaf_version, script);
  tree.script_ = std::move(script);
  return tree;
}

TapTree TapTree::Branch(TapTree left, TapTree right) {
  TapTree tree;
  tree.hash_ = TapBranchHash(left.hash_, right.hash_);
  tree.children_.push_back(std::move(left));
  tree.children_.push_back(std::move(right));
  return tree;
}

void TapTree::CollectLeaves(std::vector<crypto::Uint256>& above, std::vector<LeafInfo>& out) const {
  if (IsLeaf()) {
    // `above` holds the siblings from the root down; a control block lists them upwards.
    out.push_back({leaf_version_, script_, hash_, {above.rbegin(), above.rend()}});
    return;
  }
  for (size_t i = 0; i < 2; ++i) {
    above.push_back(children_[1 - i].hash_);
    children_[i].CollectLeaves(above, out);
    above.pop_back();
  }
}

std::vector<TapTree::LeafInfo> TapTree::Leaves() const {
  std::vector<LeafInfo> out;
  std::vector<crypto::Uint256> above;
  CollectLeaves(above, out);
  return out;
}

crypto::Result<TaprootOutput> BuildTaprootOutput(const crypto::XOnlyPublicKey& internal_key,
                                                 const TapTree* tree) {
  TaprootOutput output;
  if (tree != nullptr) output.merkle_root = tree->Hash();
  auto tweaked = crypto::TapTweakWithParity(internal_key, output.merkle_root);
  if (!tweaked) return std::unexpected(tweaked.error());
  output.output_key = tweaked->key;
  output.odd_y = tweaked->odd_y;
  if (tree == nullptr) return output;
  output.leaves = tree->Leaves();
  for (const auto& leaf : output.leaves) {
    output.control_blocks.push_back(SerializeControlBlock(
        {.leaf_version = leaf.leaf_version, .odd_y = tweaked->odd_y, .internal_key = internal_key, .path = leaf.path}));
  }
  return output;
}

const crypto::XOnlyPublicKey& UnspendableInternalKey() {
  static const crypto::XOnlyPublicKey kKey = [] {
    crypto::XOnlyPublicKey key;
    const util::Bytes bytes =
        util::HexToBytes("50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0");
    std::copy(bytes.begin(), bytes.end(), key.begin());
    return key;
  }();
  return kKey;
}

}  // namespace parthenon::consensus
