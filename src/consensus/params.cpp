#include "consensus/params.h"

#include <cstdlib>

#include "consensus/script.h"
#include "primitives/merkle.h"

namespace parthenon::consensus {
namespace {

// Every network's genesis coinbase carries this message; they differ in time, bits and nonce.
constexpr std::string_view kGenesisMessage =
    "Parthenon 2026-11-21: a node is only as strong as its peers";
constexpr uint32_t kGenesisTime = 1795219200;  // 2026-11-21 00:00:00 UTC

struct GenesisSolution {  // `hash` is checked by params_test.cpp
  uint32_t bits;
  uint32_t nonce;
  std::string_view hash;
};

// Consensus v2 activation heights. Main and testnet leave the chains started on 2026-11-21 about
// six and three weeks of v1 blocks; regtest activates after the first coinbase matures (height
// 100), so a test sees v1 rejecting a script path and v2 accepting it for a few hundred blocks.
constexpr int32_t kMainScriptV2Height = 30'000;
constexpr int32_t kTestnetScriptV2Height = 15'000;
constexpr int32_t kRegtestScriptV2Height = 200;

// Mined with `parthenon-mine-genesis` (src/apps/mine_genesis.cpp).
constexpr GenesisSolution kMainGenesis{
    0x1e0fffff, 2098094, "00000181e4cf6daf53d2704f5483877706160405cd7855ba00914e6090a7c54a"};
constexpr GenesisSolution kTestnetGenesis{
    0x1f00ffff, 696, "0000854129ff86bf9025263ea6a4f3833219331d00c5090d702126cd764c73cb"};
constexpr GenesisSolution kRegtestGenesis{
    0x207fffff, 6, "0cdd2a9a6aaadba4071647a7c17c7c8211157d28e08156422d7860641d73659a"};

ChainParams MakeParams(Network network, std::string_view name, std::array<std::byte, 4> magic,
                       uint16_t port, uint16_t rpc_port, std::string_view hrp,
                       const GenesisSolution& solution, int32_t script_v2_height) {
  ChainParams params{
      .network = network,
      .name = name,
      .magic = magic,
      .default_port = port,
      .rpc_port = rpc_port,
      .bech32_hrp = hrp,
      .pow_limit_bits = solution.bits,
      .pow_limit = crypto::ArithUint256::FromCompact(solution.bits).value,
      .target_spacing = 120,
      .retarget_interval = 720,
      .no_retargeting = network == Network::kRegtest,
      .subsidy_halving_interval = 210'000,
      .script_v2_height = script_v2_height,
      .genesis = CreateGenesisBlock(kGenesisTime, solution.nonce, solution.bits, 1, kGenesisMessage),
      .genesis_hash = {},
  };
  params.genesis_hash = params.genesis.header.Hash();
  return params;
}

}  // namespace

std::string_view RecordedGenesisHash(Network network) {
  switch (network) {
    case Network::kMain:
      return kMainGenesis.hash;
    case Network::kTestnet:
      return kTestnetGenesis.hash;
    case Network::kRegtest:
      return kRegtestGenesis.hash;
  }
  return {};
}

primitives::Block CreateGenesisBlock(uint32_t time, uint32_t nonce, uint32_t bits, int32_t version,
                                     std::string_view message) {
  primitives::Transaction coinbase;
  coinbase.version = 1;
  primitives::TxIn input;
  input.script_sig = HeightPush(0);
  const util::ByteSpan text = util::AsBytes(message);
  input.script_sig.push_back(static_cast<std::byte>(text.size()));
  input.script_sig.insert(input.script_sig.end(), text.begin(), text.end());
  coinbase.inputs.push_back(std::move(input));
  coinbase.outputs.push_back({.value = 0, .script_pubkey = NullDataScript(util::AsBytes("genesis"))});

  primitives::Block block;
  block.header.version = version;
  block.header.time = time;
  block.header.bits = bits;
  block.header.nonce = nonce;
  block.transactions.push_back(std::move(coinbase));
  block.header.merkle_root = primitives::BlockMerkleRoot(block).root;
  return block;
}

const ChainParams& Params(Network network) {
  static const ChainParams kMain =
      MakeParams(Network::kMain, "main", {std::byte{0xf9}, std::byte{0xbe}, std::byte{0xb4}, std::byte{0xd9}},
                 8333, 8332, "prt", kMainGenesis, kMainScriptV2Height);
  static const ChainParams kTestnet =
      MakeParams(Network::kTestnet, "testnet", {std::byte{0x0b}, std::byte{0x11}, std::byte{0x09}, std::byte{0x07}},
                 18333, 18332, "tprt", kTestnetGenesis, kTestnetScriptV2Height);
  static const ChainParams kRegtest =
      MakeParams(Network::kRegtest, "regtest", {std::byte{0xfa}, std::byte{0xbf}, std::byte{0xb5}, std::byte{0xda}},
                 18444, 18443, "rprt", kRegtestGenesis, kRegtestScriptV2Height);
  switch (network) {
    case Network::kMain:
      return kMain;
    case Network::kTestnet:
      return kTestnet;
    case Network::kRegtest:
      return kRegtest;
  }
  std::abort();
}

std::optional<Network> ParseNetwork(std::string_view name) {
  if (name == "main" || name == "mainnet") return Network::kMain;
  if (name == "testnet") return Network::kTestnet;
  if (name == "regtest") return Network::kRegtest;
  return std::nullopt;
}

Amount BlockSubsidy(int32_t height, const ChainParams& params) {
  const int32_t halvings = height / params.subsidy_halving_interval;
  if (halvings >= 64) return 0;
  return (50 * kCoin) >> halvings;
}

}  // namespace parthenon::consensus
