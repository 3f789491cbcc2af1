#include "wallet/address.h"

#include <gtest/gtest.h>

#include "consensus/script.h"
#include "util/hex.h"

namespace parthenon::wallet {
namespace {

using consensus::Network;
using consensus::Params;

TEST(Address, Bip350KnownAnswerWithoutFiles) {
  auto program = DecodeSegwitAddress("bc", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0");
  ASSERT_TRUE(program.has_value());
  EXPECT_EQ(util::ToHex(program->ScriptPubKey()),
            "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
}

TEST(Address, KeyAddressRoundTripPerNetwork) {
  const auto key = crypto::KeyPair::Generate().PublicKey();
  for (Network network : {Network::kMain, Network::kTestnet, Network::kRegtest}) {
    const auto& params = Params(network);
    const std::string address = EncodeKeyAddress(params, key);
    EXPECT_EQ(address.substr(0, params.bech32_hrp.size() + 2), std::string(params.bech32_hrp) + "1p");
    auto decoded = DecodeKeyAddress(params, address);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, key);
    // The output script of the address is the consensus key-path script.
    auto program = DecodeSegwitAddress(params.bech32_hrp, address);
    EXPECT_EQ(program->ScriptPubKey(), consensus::KeyPathScript(key));
  }
}

TEST(Address, RejectsOtherNetworksAndVersions) {
  const auto key = crypto::KeyPair::Generate().PublicKey();
  const std::string main_address = EncodeKeyAddress(Params(Network::kMain), key);
  EXPECT_EQ(DecodeKeyAddress(Params(Network::kRegtest), main_address).error(), Error::kWrongHrp);
  const std::string v0 = EncodeSegwitAddress("rprt", {.version = 0, .program = util::Bytes(20)});
  EXPECT_EQ(DecodeKeyAddress(Params(Network::kRegtest), v0).error(), Error::kInvalidWitnessVersion);
  const std::string v1_short = EncodeSegwitAddress("rprt", {.version = 1, .program = util::Bytes(20)});
  EXPECT_EQ(DecodeKeyAddress(Params(Network::kRegtest), v1_short).error(), Error::kInvalidProgramLength);
}

TEST(Address, DetectsTypos) {
  const auto key = crypto::KeyPair::Generate().PublicKey();
  std::string address = EncodeKeyAddress(Params(Network::kRegtest), key);
  address[10] = address[10] == 'q' ? 'p' : 'q';
  EXPECT_EQ(DecodeKeyAddress(Params(Network::kRegtest), address).error(), Error::kBadChecksum);
}

}  // namespace
}  // namespace parthenon::wallet
