#include "consensus/params.h"

#include <gtest/gtest.h>

#include "consensus/block_check.h"
#include "consensus/pow.h"
#include "util/hex.h"

namespace parthenon::consensus {
namespace {

TEST(Params, GenesisBlocksMatchTheirRecordedHashesAndProofOfWork) {
  for (Network network : {Network::kMain, Network::kTestnet, Network::kRegtest}) {
    const ChainParams& params = Params(network);
    SCOPED_TRACE(std::string(params.name));
    EXPECT_EQ(params.genesis_hash.ToHex(), RecordedGenesisHash(network));
    EXPECT_EQ(params.genesis.header.Hash(), params.genesis_hash);
    EXPECT_TRUE(params.genesis.header.prev_block.IsNull());
    EXPECT_EQ(params.genesis.header.bits, params.pow_limit_bits);
    EXPECT_TRUE(CheckProofOfWork(params.genesis_hash, params.genesis.header.bits, params).has_value());
    EXPECT_TRUE(CheckCoinbase(params.genesis, 0, 0, params).has_value());
  }
}

TEST(Params, NetworkConstantsOfTheDesign) {
  const ChainParams& main = Params(Network::kMain);
  EXPECT_EQ(util::ToHex(main.magic), "f9beb4d9");
  EXPECT_EQ(main.default_port, 8333);
  EXPECT_EQ(main.rpc_port, 8332);
  EXPECT_EQ(main.bech32_hrp, "prt");
  const ChainParams& testnet = Params(Network::kTestnet);
  EXPECT_EQ(util::ToHex(testnet.magic), "0b110907");
  EXPECT_EQ(testnet.default_port, 18333);
  EXPECT_EQ(testnet.bech32_hrp, "tprt");
  const ChainParams& regtest = Params(Network::kRegtest);
  EXPECT_EQ(util::ToHex(regtest.magic), "fabfb5da");
  EXPECT_EQ(regtest.default_port, 18444);
  EXPECT_EQ(regtest.rpc_port, 18443);
  EXPECT_EQ(regtest.bech32_hrp, "rprt");
  EXPECT_TRUE(regtest.no_retargeting);
  EXPECT_FALSE(main.no_retargeting);
  EXPECT_EQ(main.retarget_interval, 720);
  EXPECT_EQ(main.target_spacing, 120);
  // Distinct genesis blocks, so a peer of another network fails at the first header.
  EXPECT_NE(main.genesis_hash, testnet.genesis_hash);
  EXPECT_NE(main.genesis_hash, regtest.genesis_hash);
}

TEST(Params, ParseNetwork) {
  EXPECT_EQ(ParseNetwork("main"), Network::kMain);
  EXPECT_EQ(ParseNetwork("mainnet"), Network::kMain);
  EXPECT_EQ(ParseNetwork("testnet"), Network::kTestnet);
  EXPECT_EQ(ParseNetwork("regtest"), Network::kRegtest);
  EXPECT_FALSE(ParseNetwork("signet").has_value());
  EXPECT_FALSE(ParseNetwork("").has_value());
}

}  // namespace
}  // namespace parthenon::consensus
