#include "sim/eclipse_sim.h"

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "p2p/peerdb/discovery.h"
#include "p2p/peerdb/peer_database.h"
#include "util/clock.h"

namespace parthenon::sim {
namespace {

using p2p::wire::NetAddress;

// Public IPv4 space only (kPublic scope): attacker 1.0/16, 1.1/16, ...; honest 20.0/16, ...
// The attacker's addresses sort first, so every score tie in selection goes its way (worst case).
NetAddress Honest(size_t i, size_t groups) {
  const size_t group = i % groups;
  return NetAddress::FromIPv4({static_cast<uint8_t>(20 + group / 256), static_cast<uint8_t>(group % 256),
                               static_cast<uint8_t>(1 + i / groups), 1},
                              8333);
}

NetAddress Attacker(size_t i, size_t groups) {
  const size_t group = i % groups;
  const size_t host = i / groups;
  return NetAddress::FromIPv4({static_cast<uint8_t>(1 + group / 256), static_cast<uint8_t>(group % 256),
                               static_cast<uint8_t>(host / 250), static_cast<uint8_t>(1 + host % 250)},
                              8333);
}

bool IsAttacker(const NetAddress& address) { return address.IPv4()[0] < 20; }

// One node: database + discovery over a clock; the links it has, by peer id.
class SimNode {
 public:
  SimNode(const EclipseSimOptions& options, util::ManualClock& clock, uint64_t seed)
      : options_(options), clock_(clock) {
    db_ = std::make_unique<p2p::PeerDatabase>(
        p2p::PeerDatabase::Options{.clock = &clock_, .rng_seed = seed});
    (void)db_->Open(options_.directory / "db");
    p2p::Discovery::Options d;
    d.clock = &clock_;
    d.scope = p2p::AddressScope::kPublic;
    discovery_ = std::make_unique<p2p::Discovery>(*db_, d);
  }
  ~SimNode() { db_->Close(); }

  p2p::PeerDatabase& db() { return *db_; }
  p2p::Discovery& discovery() { return *discovery_; }

  p2p::PeerId Connect(const NetAddress& address, p2p::Direction direction,
                      p2p::ConnectionType type) {
    p2p::PeerInfo info;
    info.id = next_id_++;
    info.address = address;
    info.direction = direction;
    info.connection_type = type;
    info.services = p2p::wire::kNodeNetwork;
    discovery_->OnPeerConnected(info);
    links_[info.id] = info;
    return info.id;
  }
  void Disconnect(p2p::PeerId id) {
    auto it = links_.find(id);
    if (it == links_.end()) return;
    it->second.disconnect_reason = p2p::DisconnectReason::kPeerClosed;
    discovery_->OnPeerDisconnected(it->second);
    links_.erase(it);
  }
  std::vector<NetAddress> Outbound() const {
    std::vector<NetAddress> out;
    for (const auto& [id, info] : links_) {
      if (info.direction == p2p::Direction::kOutbound) out.push_back(info.address);
    }
    return out;
  }
  size_t Count(p2p::ConnectionType type) const {
    return static_cast<size_t>(std::count_if(links_.begin(), links_.end(), [&](const auto& link) {
      return link.second.connection_type == type;
    }));
  }
  // Fills the outbound slots as NetworkManager::NextDial does (anchors, full, block-relay).
  void FillSlots(std::vector<NetAddress> anchors) {
    for (const auto& anchor : anchors) {
      if (Count(p2p::ConnectionType::kBlockRelay) < options_.block_relay) {
        Connect(anchor, p2p::Direction::kOutbound, p2p::ConnectionType::kBlockRelay);
      }
    }
    for (int guard = 0; guard < 1000; ++guard) {
      const bool full = Count(p2p::ConnectionType::kFullRelay) < options_.full_relay;
      if (!full && Count(p2p::ConnectionType::kBlockRelay) >= options_.block_relay) return;
      auto next = discovery_->NextOutbound(Outbound());
      if (!next) return;
      Connect(*next, p2p::Direction::kOutbound,
              full ? p2p::ConnectionType::kFullRelay : p2p::ConnectionType::kBlockRelay);
    }
  }
  void Feeler() {
    if (auto next = discovery_->NextFeeler(Outbound())) {
      Disconnect(Connect(*next, p2p::Direction::kOutbound, p2p::ConnectionType::kFeeler));
    }
  }
  // Drops one full-relay outbound link (the lowest id: deterministic).
  void Churn() {
    for (const auto& [id, info] : links_) {
      if (info.connection_type == p2p::ConnectionType::kFullRelay) {
        Disconnect(id);
        return;
      }
    }
  }
  size_t AttackerOutbound() const {
    size_t n = 0;
    for (const auto& [id, info] : links_) {
      n += info.direction == p2p::Direction::kOutbound && IsAttacker(info.address);
    }
    return n;
  }
  std::vector<NetAddress> BlockRelayPeers() const {
    std::vector<NetAddress> out;
    for (const auto& [id, info] : links_) {
      if (info.connection_type == p2p::ConnectionType::kBlockRelay) out.push_back(info.address);
    }
    return out;
  }

 private:
  const EclipseSimOptions& options_;
  util::ManualClock& clock_;
  std::unique_ptr<p2p::PeerDatabase> db_;
  std::unique_ptr<p2p::Discovery> discovery_;
  std::map<p2p::PeerId, p2p::PeerInfo> links_;
  p2p::PeerId next_id_ = 1;
};

void SeedHonest(SimNode& node, const EclipseSimOptions& options, util::ManualClock& clock) {
  const int64_t now = clock.UnixSeconds();
  for (size_t i = 0; i < options.honest_addresses; ++i) {
    const auto address = Honest(i, options.honest_groups);
    // Learned over time from honest peers of many groups.
    const auto source = Honest((i * 7919) % options.honest_addresses, options.honest_groups);
    node.db().AddPeer(address, p2p::wire::kNodeNetwork, now - 3600, node.db().GroupOf(source));
  }
  for (size_t i = 0; i < options.honest_tried; ++i) {
    node.db().RecordSuccessfulConnection(Honest(i * 13 % options.honest_addresses, options.honest_groups));
  }
}

p2p::wire::Addr FloodMessage(const EclipseSimOptions& options, int64_t now, std::mt19937_64& rng) {
  p2p::wire::Addr addr;
  for (size_t i = 0; i < std::min<size_t>(options.attacker_addresses, 1000); ++i) {
    const size_t pick = rng() % options.attacker_addresses;
    addr.entries.push_back({static_cast<uint32_t>(now), {p2p::wire::kNodeNetwork,
                                                        Attacker(pick, options.attacker_groups)}});
  }
  return addr;
}

}  // namespace

EclipseSimResult RunEclipseSim(const EclipseSimOptions& options) {
  EclipseSimResult result;
  result.slots = options.full_relay + options.block_relay;
  util::ManualClock clock;
  std::mt19937_64 rng(options.seed);
  std::vector<NetAddress> anchors;
  {
    SimNode node(options, clock, options.seed);
    SeedHonest(node, options, clock);
    node.FillSlots({});
    // The attacker: one inbound link from each of its groups.
    std::vector<p2p::PeerId> attackers;
    for (size_t g = 0; g < std::min(options.attacker_groups, options.attacker_addresses); ++g) {
      attackers.push_back(node.Connect(Attacker(g, options.attacker_groups), p2p::Direction::kInbound,
                                       p2p::ConnectionType::kInbound));
    }
    const auto step = options.addr_interval;
    std::chrono::seconds since_churn{0};
    std::chrono::seconds since_feeler{0};
    for (std::chrono::seconds t{0}; t < options.flood; t += step) {
      for (const auto id : attackers) {
        node.discovery().OnMessage(id, FloodMessage(options, clock.UnixSeconds(), rng));
      }
      clock.Advance(step);
      since_churn += step;
      since_feeler += step;
      if (since_churn >= options.churn_interval) {
        since_churn = {};
        node.Churn();
        node.FillSlots({});
      }
      if (since_feeler >= options.feeler_interval) {
        since_feeler = {};
        node.Feeler();
      }
    }
    result.attacker_before_restart = node.AttackerOutbound();
    const auto stats = node.db().GetStats();
    result.new_table = stats.new_table;
    result.tried_table = stats.tried_table;
    for (size_t i = 0; i < options.attacker_addresses; ++i) {
      const auto table = node.db().TableOf(Attacker(i, options.attacker_groups));
      result.attacker_in_new += table == p2p::AddrTable::kNew;
      result.attacker_in_tried += table == p2p::AddrTable::kTried;
    }
    anchors = node.BlockRelayPeers();  // saved at the clean shutdown
  }
  clock.Advance(std::chrono::minutes(5));
  SimNode restarted(options, clock, options.seed + 1);
  restarted.FillSlots(anchors);
  result.attacker_after_restart = restarted.AttackerOutbound();
  result.attacker_anchors = static_cast<size_t>(std::count_if(anchors.begin(), anchors.end(), IsAttacker));
  return result;
}

}  // namespace parthenon::sim
