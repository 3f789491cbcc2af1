#include "node/paths.h"

#include <gtest/gtest.h>

namespace parthenon::node {
namespace {

using consensus::Network;
using consensus::Params;

TEST(Paths, NetworkSubdirectories) {
  EXPECT_EQ(NetworkDataDir("/d", Params(Network::kMain)), std::filesystem::path("/d"));
  EXPECT_EQ(NetworkDataDir("/d", Params(Network::kTestnet)), std::filesystem::path("/d/testnet"));
  EXPECT_EQ(NetworkDataDir("/d", Params(Network::kRegtest)), std::filesystem::path("/d/regtest"));
  EXPECT_EQ(DefaultDataDir().filename(), ".parthenon");
}

}  // namespace
}  // namespace parthenon::node
