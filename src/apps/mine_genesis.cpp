// parthenon-mine-genesis: finds the nonce of each network's genesis block and prints the values
// consensus/params.cpp records (bits, nonce, hash). Run: parthenon-mine-genesis [main|testnet|regtest]
#include <cstdio>
#include <string>

#include "consensus/params.h"
#include "consensus/pow.h"

namespace {

using parthenon::consensus::Network;

int Mine(Network network) {
  const auto& params = parthenon::consensus::Params(network);
  parthenon::primitives::Block genesis = params.genesis;
  for (uint64_t nonce = 0; nonce <= 0xffffffffull; ++nonce) {
    genesis.header.nonce = static_cast<uint32_t>(nonce);
    if (parthenon::consensus::CheckProofOfWork(genesis.header.Hash(), genesis.header.bits, params)) {
      std::printf("%-8s bits=0x%08x nonce=%u hash=%s merkle=%s\n", std::string(params.name).c_str(),
                  genesis.header.bits, genesis.header.nonce, genesis.header.Hash().ToHex().c_str(),
                  genesis.header.merkle_root.ToHex().c_str());
      return 0;
    }
  }
  std::fprintf(stderr, "no nonce found for %s\n", std::string(params.name).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    const auto network = parthenon::consensus::ParseNetwork(argv[1]);
    if (!network) {
      std::fprintf(stderr, "unknown network '%s' (expected main, testnet or regtest)\n", argv[1]);
      return 2;
    }
    return Mine(*network);
  }
  int status = 0;
  for (Network network : {Network::kMain, Network::kTestnet, Network::kRegtest}) {
    status |= Mine(network);
  }
  return status;
}
