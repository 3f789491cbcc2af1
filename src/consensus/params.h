// Chain parameters of the three networks (DESIGN.md §3, §4). Constant after start-up; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consensus/amount.h"
#include "crypto/arith_uint256.h"
#include "primitives/block.h"

namespace parthenon::consensus {

enum class Network {
  kMain,
  kTestnet,
  kRegtest,
};

inline constexpr int64_t kMaxBlockWeight = 4'000'000;
inline constexpr int kCoinbaseMaturity = 100;
// A block's time may be at most this far ahead of the node's adjusted time.
inline constexpr int64_t kMaxFutureBlockTime = 2 * 60 * 60;
// Timestamps must be after the median of this many previous blocks.
inline constexpr int kMedianTimeSpan = 11;

struct ChainParams {
  Network network;
  std::string_view name;  // "main", "testnet", "regtest"
  std::array<std::byte, 4> magic;  // frame start bytes, in wire order
  uint16_t default_port;
  uint16_t rpc_port;
  std::string_view bech32_hrp;

  // Proof of work.
  uint32_t pow_limit_bits;        // easiest allowed target, compact
  crypto::ArithUint256 pow_limit;  // the same, expanded
  int64_t target_spacing;         // seconds per block
  int64_t retarget_interval;      // blocks per difficulty period
  bool no_retargeting;            // regtest: difficulty never changes

  int32_t subsidy_halving_interval;

  // Consensus v2 (docs/consensus.md): from this height on, BIP341 script-path spends with
  // BIP342 tapscript (CLTV/CSV included), the annex, and BIP68 relative lock times are valid.
  int32_t script_v2_height;

  primitives::Block genesis;
  crypto::Uint256 genesis_hash;

  // Headers anti-DoS: a header chain with less total work than this is not stored (with the
  // tip-relative threshold, see Chainstate::AntiDosWorkThreshold). Zero on every chain until
  // it has a history worth pinning; --minimumchainwork overrides it.
  crypto::ArithUint256 minimum_chain_work{};
};

const ChainParams& Params(Network network);
// "main" (or "mainnet"), "testnet", "regtest".
std::optional<Network> ParseNetwork(std::string_view name);

// A genesis block: one coinbase with the BIP34 height push of 0 followed by `message`, paying its
// subsidy to an unspendable OP_RETURN output (the genesis coinbase is never spendable).
primitives::Block CreateGenesisBlock(uint32_t time, uint32_t nonce, uint32_t bits, int32_t version,
                                     std::string_view message);

// The genesis hash recorded when the genesis block was mined (display hex); tests compare it
// with the hash of Params(network).genesis so the construction cannot change unnoticed.
std::string_view RecordedGenesisHash(Network network);

// True if a block at `height` follows the consensus v2 spending rules.
inline bool ScriptV2Active(int32_t height, const ChainParams& params) {
  return height >= params.script_v2_height;
}

// The subsidy of a block at `height`: 50 coins, halved every `subsidy_halving_interval` blocks.
Amount BlockSubsidy(int32_t height, const ChainParams& params);

}  // namespace parthenon::consensus
