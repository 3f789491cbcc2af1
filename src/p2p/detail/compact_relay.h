// ChainSync's BIP152 state (handlers/compact_relay.cpp; docs/compact-blocks.md): who speaks
// compact blocks, who wants them pushed, whom we asked to push, blocks being rebuilt, the pool of
// recently rejected transactions and the last few blocks in compact form (what we push, and what
// getblocktxn is answered from).
//
// Thread-safety: thread-compatible; ChainSync::Impl guards its instance with its mutex_.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <random>

#include "p2p/handlers/compact_blocks.h"

namespace parthenon::p2p {

struct CompactRelayState {
  // Blocks rebuilt or announced lately, in compact form (one nonce per block, as Core).
  struct RecentBlock {
    crypto::Uint256 hash;
    std::shared_ptr<const primitives::Block> block;
    std::shared_ptr<const wire::CmpctBlock> compact;
  };
  struct PeerFlags {
    bool speaks_v2 = false;  // sent sendcmpct with version 2 (and relays by wtxid)
    bool wants_push = false;  // its last sendcmpct(2) said announce=1: push cmpctblock to it
  };

  // A pushed block whose parent we did not know: its header is asked for again until known.
  struct Unconnected {
    PeerId peer = 0;
    crypto::Uint256 hash;
    SteadyTime retry;
    int tries = 0;
  };

  static constexpr size_t kRecentBlocks = 4;
  static constexpr size_t kMaxUnconnected = 8;
  // Bitcoin Core's -blockreconstructionextratxn default.
  static constexpr size_t kExtraTransactions = 100;

  CompactRelayState() : extra(kExtraTransactions), pending({}), rng(std::random_device{}()) {}

  // The cached block with this hash, if any.
  const RecentBlock* Find(const crypto::Uint256& hash) const {
    for (const auto& entry : recent) {
      if (entry.hash == hash) return &entry;
    }
    return nullptr;
  }
  // Caches `block` (a no-op if present) and returns its entry.
  const RecentBlock& Remember(std::shared_ptr<const primitives::Block> block) {
    const auto hash = block->header.Hash();
    if (const RecentBlock* found = Find(hash)) return *found;
    auto compact =
        std::make_shared<const wire::CmpctBlock>(compact::MakeCompactBlock(*block, rng()));
    if (recent.size() >= kRecentBlocks) recent.pop_front();
    recent.push_back({hash, std::move(block), std::move(compact)});
    return recent.back();
  }

  std::map<PeerId, PeerFlags> peers;
  compact::HighBandwidthPeers high_bandwidth;  // peers we asked to push to us
  compact::ExtraTxPool extra;
  compact::PendingCompactBlocks pending;
  std::deque<RecentBlock> recent;
  std::deque<Unconnected> unconnected;  // at most kMaxUnconnected
  std::mt19937_64 rng;  // cmpctblock nonces
};

}  // namespace parthenon::p2p
