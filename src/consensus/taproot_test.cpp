#include "consensus/taproot.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "consensus/script.h"
#include "testing/vectors.h"
#include "util/hex.h"

namespace parthenon::consensus {
namespace {

using util::HexToBytes;
using util::ToHex;

crypto::XOnlyPublicKey KeyFromHex(const std::string& hex) {
  crypto::XOnlyPublicKey key;
  const util::Bytes bytes = HexToBytes(hex);
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

// A vector's scriptTree: a leaf object or a two-element array of subtrees.
TapTree TreeFromJson(const nlohmann::json& node) {
  if (node.is_object()) {
    return TapTree::Leaf(HexToBytes(node.at("script").get<std::string>()),
                         static_cast<uint8_t>(node.at("leafVersion").get<int>()));
  }
  return TapTree::Branch(TreeFromJson(node.at(0)), TreeFromJson(node.at(1)));
}

// Leaf ids of a scriptTree in depth-first order (the order of TapTree::Leaves).
void LeafIds(const nlohmann::json& node, std::vector<int>& out) {
  if (node.is_object()) {
    out.push_back(node.at("id").get<int>());
    return;
  }
  LeafIds(node.at(0), out);
  LeafIds(node.at(1), out);
}

// Every scriptPubKey case of BIP341's wallet vectors: leaf hashes, merkle root, output key,
// scriptPubKey and every control block; then the consensus side opens each leaf with its
// control block.
TEST(Taproot, Bip341ScriptTreeVectors) {
  PARTHENON_REQUIRE_VECTOR(path, "bip341-wallet-test-vectors.json");
  const auto contents = parthenon::testing::ReadFile(path);
  ASSERT_TRUE(contents.has_value());
  const auto cases = nlohmann::json::parse(*contents).at("scriptPubKey");
  ASSERT_EQ(cases.size(), 7u);
  size_t control_blocks = 0;
  for (const auto& c : cases) {
    const auto& given = c.at("given");
    const auto& inter = c.at("intermediary");
    const auto& expected = c.at("expected");
    const auto internal = KeyFromHex(given.at("internalPubkey").get<std::string>());
    std::optional<TapTree> tree;
    if (!given.at("scriptTree").is_null()) tree = TreeFromJson(given.at("scriptTree"));
    auto output = BuildTaprootOutput(internal, tree ? &*tree : nullptr);
    ASSERT_TRUE(output.has_value());
    EXPECT_EQ(ToHex(output->output_key), inter.at("tweakedPubkey").get<std::string>());
    EXPECT_EQ(ToHex(KeyPathScript(output->output_key)), expected.at("scriptPubKey").get<std::string>());
    if (!tree) {
      EXPECT_TRUE(inter.at("merkleRoot").is_null());
      continue;
    }
    EXPECT_EQ(ToHex(output->merkle_root->span()), inter.at("merkleRoot").get<std::string>());
    std::vector<int> ids;
    LeafIds(given.at("scriptTree"), ids);
    ASSERT_EQ(ids.size(), output->leaves.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      const auto id = static_cast<size_t>(ids[i]);
      EXPECT_EQ(ToHex(output->leaves[i].leaf_hash.span()), inter.at("leafHashes").at(id).get<std::string>());
      const std::string control_hex = expected.at("scriptPathControlBlocks").at(id).get<std::string>();
      EXPECT_EQ(ToHex(output->control_blocks[i]), control_hex);
      // Consensus side: parse the vector's control block and open the output key with it.
      auto control = ParseControlBlock(HexToBytes(control_hex));
      ASSERT_TRUE(control.has_value());
      EXPECT_EQ(SerializeControlBlock(*control), HexToBytes(control_hex));
      const auto leaf_hash = TapLeafHash(control->leaf_version, output->leaves[i].script);
      EXPECT_TRUE(VerifyTaprootCommitment(*control, output->output_key, leaf_hash));
      // The wrong parity or a different leaf does not open it.
      auto flipped = *control;
      flipped.odd_y = !flipped.odd_y;
      EXPECT_FALSE(VerifyTaprootCommitment(flipped, output->output_key, leaf_hash));
      EXPECT_FALSE(VerifyTaprootCommitment(*control, output->output_key, TapLeafHash(0xc0, {})));
      ++control_blocks;
    }
  }
  EXPECT_EQ(control_blocks, 12u);  // 0 + 1 + 1 + 2 + 2 + 3 + 3 leaves
}

TEST(Taproot, ControlBlockSizes) {
  for (size_t size : {0u, 32u, 34u, 64u, 33u + 32u * 129u}) {
    EXPECT_EQ(ParseControlBlock(util::Bytes(size)).error(), Error::kTaprootControlSize) << size;
  }
  for (size_t size : {33u, 65u, 33u + 32u * 128u}) EXPECT_TRUE(ParseControlBlock(util::Bytes(size)).has_value());
}

TEST(Taproot, UnspendableKeyIsOnTheCurve) {
  EXPECT_TRUE(crypto::IsValidXOnlyKey(UnspendableInternalKey()));
}

}  // namespace
}  // namespace parthenon::consensus
