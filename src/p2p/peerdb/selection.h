// Outbound selection and inbound eviction as pure functions over candidate lists, so the rules
// are unit-tested without sockets. Thread-safe (no state).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "p2p/peer.h"
#include "p2p/wire/net_address.h"

namespace parthenon::p2p {

// One address we could dial.
struct OutboundCandidate {
  wire::NetAddress address;
  double score = 50.0;
  std::string country;       // "" when unknown
  std::string source_group;  // netgroup of the peer that told us ("" = config/DNS/connection)
  int64_t last_attempt = 0;  // Unix seconds
  std::string group;         // diversity group (PeerDatabase::GroupOf); "" = NetGroup(address)
};

// One current outbound connection.
struct OutboundPeer {
  wire::NetAddress address;
  std::string country;
  std::string source_group;
  std::string group;  // as OutboundCandidate::group
};

struct SelectionRules {
  int64_t now = 0;                   // Unix seconds
  int64_t retry_after_seconds = 60;  // do not redial an address attempted this recently
  // Eclipse defence: at most this many outbound peers whose addresses came from one source group.
  size_t max_per_source_group = 2;
};

// The next address to dial, or nullopt. Never an address already connected nor one in a group
// (netgroup, or AS with --asmap / --geoip-db) already used by `current`; among the rest the best score wins, ties broken in favour of a
// country not yet among `current` (then by address, for determinism).
// REQUIRES: nothing about the order of `candidates`.
std::optional<wire::NetAddress> SelectOutbound(std::span<const OutboundCandidate> candidates,
                                               std::span<const OutboundPeer> current,
                                               const SelectionRules& rules);

// One inbound peer, as the eviction rule sees it.
struct EvictionCandidate {
  PeerId id = 0;
  wire::NetAddress address;
  std::chrono::microseconds min_ping{std::chrono::microseconds::max()};  // max: unknown
  int64_t connected_since = 0;  // Unix seconds
  int64_t last_block = 0;       // Unix seconds (0: never)
  int64_t last_tx = 0;
  double score = 50.0;
  bool protected_peer = false;  // whitelisted: never evicted
};

struct EvictionRules {
  double low_score = 25.0;  // peers under it go first (banned-adjacent)
  size_t protect_netgroups = 4;
  size_t protect_ping = 8;
  size_t protect_tx = 4;
  size_t protect_block = 4;
};

// Bitcoin Core's SelectNodeToEvict, plus the score rule: (1) the lowest-scored peer under
// low_score, if any; else (2) protect by distinct netgroup, lowest ping, most recent
// transactions, most recent blocks, then the longest-connected half; (3) from the largest
// remaining netgroup (ties: the one with the youngest connection) evict the youngest.
// nullopt: everybody is protected (refuse the newcomer).
std::optional<PeerId> SelectNodeToEvict(std::vector<EvictionCandidate> candidates,
                                        const EvictionRules& rules = {});

}  // namespace parthenon::p2p
