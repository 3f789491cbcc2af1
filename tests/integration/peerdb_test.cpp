// Multi-node tests of the peer database wired into the network manager: bans through the
// policy, outbound selection, inbound eviction, DNS seeding, addr gossip and geolocation.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "integration/test_node.h"
#include "p2p/peerdb/discovery.h"
#include "p2p/peerdb/netgroup.h"
#include "p2p/peerdb/peer_db_policy.h"
#include "testing/mmdb_writer.h"

namespace parthenon::p2p::test {
namespace {

// A node composed the way the node's composition root does it.
class PeerDbNode {
 public:
  using Tweak = std::function<void(NetworkManager::Options&, Discovery::Options&)>;
  explicit PeerDbNode(const std::string& ip, bool select_outbound = false, const Tweak& tweak = {},
                      const util::Clock* db_clock = &util::RealClock())
      : ip_(ip) {
    db_ = std::make_unique<PeerDatabase>(PeerDatabase::Options{.clock = db_clock});
    store_ = std::make_unique<PeerDbStore>(*db_);
    policy_ = std::make_unique<PeerPolicy>(PeerPolicy::Options{.store = store_.get()});
    auto options = TestOptions(ip);
    options.policy = policy_.get();
    options.outbound_poll_interval = 50ms;
    Discovery::Options discovery_options;
    discovery_options.scope = AddressScope::kLocal;  // the tests' peers live on 127/8
    if (tweak) tweak(options, discovery_options);
    discovery_ = std::make_unique<Discovery>(*db_, discovery_options);
    if (select_outbound) discovery_->Install(options);
    net_ = std::make_unique<NetworkManager>(options);
    discovery_->Attach(*net_);
    net_->SetOnPeerConnected([this](const PeerInfo& info) { discovery_->OnPeerConnected(info); });
    net_->SetOnPeerDisconnected(
        [this](const PeerInfo& info) { discovery_->OnPeerDisconnected(info); });
    net_->SetOnMessage(
        [this](PeerId id, const wire::Message& message) { discovery_->OnMessage(id, message); });
  }
  ~PeerDbNode() { net_->Stop(); }

  void Start() {
    ASSERT_TRUE(net_->Start());
    discovery_->SetLocalAddress(address());
  }
  wire::NetAddress address() const {
    return *wire::NetAddress::Parse(ip_, net_->ListenPorts().at(0));
  }
  uint16_t port() const { return net_->ListenPorts().at(0); }
  const std::string& ip() const { return ip_; }
  PeerDatabase& db() { return *db_; }
  NetworkManager& net() { return *net_; }
  Discovery& discovery() { return *discovery_; }

  size_t Connected(std::optional<Direction> direction = std::nullopt) const {
    size_t n = 0;
    for (const auto& peer : net_->GetPeers()) {
      n += peer.state == PeerState::kConnected && (!direction || peer.direction == *direction);
    }
    return n;
  }
  std::vector<wire::NetAddress> Outbound() const {
    std::vector<wire::NetAddress> out;
    for (const auto& peer : net_->GetPeers()) {
      if (peer.state == PeerState::kConnected && peer.direction == Direction::kOutbound) {
        out.push_back(peer.address);
      }
    }
    return out;
  }

 private:
  std::string ip_;
  std::unique_ptr<PeerDatabase> db_;
  std::unique_ptr<PeerDbStore> store_;
  std::unique_ptr<PeerPolicy> policy_;
  std::unique_ptr<Discovery> discovery_;
  std::unique_ptr<NetworkManager> net_;
};

TEST(PeerDbIntegrationTest, MisbehavingPeerIsBannedAndCannotReconnectOthersStay) {
  util::ManualClock clock(util::RealClock().Now());  // the ban's clock
  PeerDbNode a("127.20.0.1", false, {}, &clock);
  a.Start();
  TestNode b(TestOptions("127.21.0.1"));
  TestNode c(TestOptions("127.22.0.1"));
  b.Start();
  c.Start();
  ASSERT_TRUE(b.net().AddPeer(a.ip(), a.port()));
  ASSERT_TRUE(c.net().AddPeer(a.ip(), a.port()));
  ASSERT_TRUE(WaitUntil([&] { return a.Connected() == 2; }));
  for (int i = 1; i <= 5; ++i) {
    RawPeer raw("127.23.0.9", a.ip(), a.port());
    ASSERT_TRUE(raw.connected());
    // An inv claiming 50,001 entries: above the protocol cap, which no honest peer sends.
    primitives::Writer count;
    count.CompactSize(wire::kMaxInvEntries + 1);
    ASSERT_TRUE(raw.SendBytes(wire::EncodeFrame(kMagic, "inv", count.bytes())));
    EXPECT_TRUE(raw.WaitClosed()) << i;
  }
  const auto banned = *wire::NetAddress::Parse("127.23.0.9", 1);
  ASSERT_TRUE(WaitUntil([&] { return a.db().IsBanned(banned); }));
  // It cannot come back: closed at accept, before any VERSION is read.
  RawPeer again("127.23.0.9", a.ip(), a.port());
  EXPECT_TRUE(again.WaitClosed());
  EXPECT_FALSE(again.Handshake());
  // The others stay connected; another host of the same /16 is not banned.
  EXPECT_EQ(a.Connected(), 2u);
  RawPeer neighbour("127.23.0.10", a.ip(), a.port());
  EXPECT_TRUE(neighbour.Handshake());
  EXPECT_EQ(a.db().GetPeer(a.db().Canonical(banned))->violations, 5u);
  // The ban expires after ban_duration (24 h).
  clock.Advance(std::chrono::hours(24));
  RawPeer pardoned("127.23.0.9", a.ip(), a.port());
  EXPECT_TRUE(pardoned.Handshake(0x9999));  // the neighbour holds nonce 0x1234
}

TEST(PeerDbIntegrationTest, OutboundIsNetgroupDiverseAndDeadPeersAreReplaced) {
  // Five listeners in one /16 (excellent scores) and three in other /16s.
  std::vector<std::unique_ptr<TestNode>> crowd;
  for (int i = 1; i <= 5; ++i) {
    crowd.push_back(std::make_unique<TestNode>(TestOptions("127.30.0." + std::to_string(i))));
  }
  for (int g = 31; g <= 33; ++g) {
    crowd.push_back(std::make_unique<TestNode>(TestOptions("127." + std::to_string(g) + ".0.1")));
  }
  for (auto& node : crowd) node->Start();
  PeerDbNode a("127.29.0.1", /*select_outbound=*/true);
  for (size_t i = 0; i < crowd.size(); ++i) {
    const auto address = *wire::NetAddress::Parse(crowd[i]->ip(), crowd[i]->port());
    a.db().AddPeer(address, wire::kNodeNetwork);
    a.db().UpdateScore(address, i < 5 ? 40.0 : 0.0);
  }
  a.Start();
  ASSERT_TRUE(WaitUntil([&] { return a.Outbound().size() == 4; }));
  std::this_thread::sleep_for(200ms);  // no fifth connection follows
  auto outbound = a.Outbound();
  ASSERT_EQ(outbound.size(), 4u);
  std::set<std::string> groups;
  for (const auto& address : outbound) groups.insert(NetGroup(address));
  EXPECT_EQ(groups.size(), 4u);
  // Kill the 127.30/16 peer: another of that group replaces it promptly.
  wire::NetAddress dead;
  for (const auto& address : outbound) {
    if (NetGroup(address) == "4:127.30") dead = address;
  }
  for (auto& node : crowd) {
    if (node->ip() == dead.HostString()) node->net().Stop();
  }
  ASSERT_TRUE(WaitUntil([&] {
    auto now = a.Outbound();
    return now.size() == 4 && std::find(now.begin(), now.end(), dead) == now.end();
  }));
  EXPECT_EQ(a.db().GetPeer(dead)->successes, 1u);
}

TEST(PeerDbIntegrationTest, AddrFloodFromOneSourceCannotFillTheOutboundSlots) {
  // Ten listeners in ten /16s that the attacker advertises, three honest ones from the config.
  std::vector<std::unique_ptr<TestNode>> attacker_nodes;
  std::vector<std::unique_ptr<TestNode>> honest_nodes;
  for (int g = 70; g < 80; ++g) {
    attacker_nodes.push_back(
        std::make_unique<TestNode>(TestOptions("127." + std::to_string(g) + ".0.1")));
    attacker_nodes.back()->Start();
  }
  std::vector<std::string> bootstrap;
  for (int g = 80; g < 83; ++g) {
    honest_nodes.push_back(
        std::make_unique<TestNode>(TestOptions("127." + std::to_string(g) + ".0.1")));
    honest_nodes.back()->Start();
    bootstrap.push_back(honest_nodes.back()->ip() + ":" +
                        std::to_string(honest_nodes.back()->port()));
  }
  PeerDbNode a("127.69.0.1", /*select_outbound=*/true,
               [&](NetworkManager::Options&, Discovery::Options& d) { d.bootstrap = bootstrap; });
  // The honest addresses are there before the flood; selection starts at once.
  a.Start();
  ASSERT_TRUE(WaitUntil([&] { return a.Outbound().size() == 3; }));
  RawPeer attacker("127.68.0.1", a.ip(), a.port());
  ASSERT_TRUE(attacker.Handshake());
  wire::Addr flood;
  const auto now = static_cast<uint32_t>(util::RealClock().UnixSeconds());
  for (const auto& node : attacker_nodes) {
    flood.entries.push_back({now, {1, *wire::NetAddress::Parse(node->ip(), node->port())}});
  }
  ASSERT_TRUE(attacker.Send(flood));
  ASSERT_TRUE(WaitUntil([&] { return a.Outbound().size() == 5; }));
  std::this_thread::sleep_for(300ms);  // several polls: no more slots go to the flood
  const auto outbound = a.Outbound();
  EXPECT_EQ(outbound.size(), 5u);
  size_t from_flood = 0;
  for (const auto& address : outbound) {
    from_flood += a.db().GetPeer(address)->source_group == "4:127.68";
  }
  EXPECT_EQ(from_flood, 2u);
}

TEST(PeerDbIntegrationTest, FullInboundEvictsTheLowScoredPeer) {
  PeerDbNode a("127.40.0.1", /*select_outbound=*/true,
               [](NetworkManager::Options& net, Discovery::Options& discovery) {
                 net.max_inbound = 3;
                 discovery.eviction = {.low_score = 25.0, .protect_netgroups = 0,
                                       .protect_ping = 0, .protect_tx = 0, .protect_block = 0};
               });
  a.Start();
  std::vector<std::unique_ptr<RawPeer>> raws;
  for (int i = 2; i <= 4; ++i) {
    raws.push_back(std::make_unique<RawPeer>("127.41.0." + std::to_string(i), a.ip(), a.port()));
    ASSERT_TRUE(raws.back()->Handshake(100 + i));
  }
  ASSERT_TRUE(WaitUntil([&] { return a.Connected(Direction::kInbound) == 3; }));
  a.db().UpdateScore(a.db().Canonical(*wire::NetAddress::Parse("127.41.0.3", 1)), -40);
  RawPeer newcomer("127.42.0.5", a.ip(), a.port());
  EXPECT_TRUE(newcomer.Handshake(200));
  EXPECT_TRUE(raws[1]->WaitClosed());
  ASSERT_TRUE(WaitUntil([&] { return a.Connected(Direction::kInbound) == 3; }));
}

TEST(PeerDbIntegrationTest, GetAddrIsAnsweredOncePerConnection) {
  PeerDbNode a("127.43.0.1");
  for (int i = 1; i <= 20; ++i) {
    a.db().AddPeer(*wire::NetAddress::Parse("10.0." + std::to_string(i) + ".1", 8333), 1);
  }
  a.Start();
  RawPeer raw("127.43.0.2", a.ip(), a.port());
  ASSERT_TRUE(raw.Handshake());
  ASSERT_TRUE(raw.Send(wire::GetAddr{}));
  std::optional<wire::Addr> answer;
  // The node first advertises itself (one entry), then answers.
  for (int i = 0; i < 3 && (!answer || answer->entries.size() < 20); ++i) {
    answer = raw.ReadUntil<wire::Addr>();
  }
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->entries.size(), 20u);
  ASSERT_TRUE(raw.Send(wire::GetAddr{}));
  EXPECT_FALSE(raw.ReadUntil<wire::Addr>(300ms));
}

TEST(PeerDbIntegrationTest, FreshAddrEntriesAreRelayedToTwoPeers) {
  PeerDbNode a("127.44.0.1");
  a.Start();
  std::vector<std::unique_ptr<RawPeer>> raws;
  for (int i = 2; i <= 5; ++i) {
    raws.push_back(std::make_unique<RawPeer>("127.44.0." + std::to_string(i), a.ip(), a.port()));
    ASSERT_TRUE(raws.back()->Handshake(300 + i));
  }
  ASSERT_TRUE(WaitUntil([&] { return a.Connected() == 4; }));
  const auto fresh = *wire::NetAddress::Parse("10.77.0.1", 8333);
  wire::Addr addr;
  addr.entries.push_back({static_cast<uint32_t>(util::RealClock().UnixSeconds()), {1, fresh}});
  ASSERT_TRUE(raws[0]->Send(addr));
  int received = 0;
  for (size_t i = 1; i < raws.size(); ++i) {
    for (;;) {
      auto message = raws[i]->ReadUntil<wire::Addr>(300ms);
      if (!message) break;
      if (message->entries.size() == 1 && message->entries[0].service.address == fresh) {
        ++received;
        break;
      }
    }
  }
  EXPECT_EQ(received, 2);
  EXPECT_TRUE(a.db().GetPeer(fresh));
  // The same entry again is not news: not relayed.
  ASSERT_TRUE(raws[0]->Send(addr));
  for (size_t i = 1; i < raws.size(); ++i) EXPECT_FALSE(raws[i]->ReadUntil<wire::Addr>(100ms));
}

TEST(PeerDbIntegrationTest, DnsSeedThatResolvesLocallyAddsPeers) {
  PeerDatabase db;
  Discovery::Options options;
  options.default_port = 18444;
  options.scope = AddressScope::kLocal;  // a regtest node: localhost is a fine seed answer
  Discovery discovery(db, options);
  discovery.AddDNSSeed("localhost");
  EXPECT_GE(discovery.QueryDNSSeeds(), 1u);
  EXPECT_TRUE(db.GetPeer(*wire::NetAddress::Parse("127.0.0.1", 18444)));
  // Too few good peers: the worker queries again on its own.
  PeerDatabase empty;
  Discovery background(empty, options);
  background.AddDNSSeed("localhost");
  EXPECT_TRUE(background.QueryDNSSeedsIfNeeded());
  EXPECT_TRUE(WaitUntil([&] { return empty.GetPeerCount() >= 1; }));
}

TEST(PeerDbIntegrationTest, AddrGossipSpreadsANewNodeThroughTenNodes) {
  std::vector<std::unique_ptr<PeerDbNode>> ring;
  for (int i = 1; i <= 10; ++i) {
    ring.push_back(std::make_unique<PeerDbNode>("127.50." + std::to_string(i) + ".1"));
  }
  for (auto& node : ring) node->Start();
  for (size_t i = 0; i < ring.size(); ++i) {
    const auto& next = ring[(i + 1) % ring.size()];
    ASSERT_TRUE(ring[i]->net().AddPeer(next->ip(), next->port()));
  }
  ASSERT_TRUE(WaitUntil([&] {
    for (auto& node : ring) {
      if (node->Connected() < 2) return false;
    }
    return true;
  }));
  PeerDbNode newcomer("127.51.0.1");
  newcomer.Start();
  ASSERT_TRUE(newcomer.net().AddPeer(ring[0]->ip(), ring[0]->port()));
  const auto address = newcomer.address();
  EXPECT_TRUE(WaitUntil(
      [&] {
        for (auto& node : ring) {
          if (!node->db().GetPeer(address)) return false;
        }
        return true;
      },
      10s));
  // The newcomer learnt the network from its getaddr.
  EXPECT_TRUE(WaitUntil([&] { return newcomer.db().GetPeer(ring[1]->address()).has_value(); }));
}

TEST(PeerDbIntegrationTest, PeersAreGeolocatedOnConnect) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("peerdb-geo-" + std::to_string(::getpid()) + ".mmdb");
  testing::MmdbWriter writer;
  writer.Add({{127, 61, 0, 0}, 16, "FR", 3215, "Orange", 48.85, 2.35});
  ASSERT_TRUE(writer.Write(path));
  auto geo = GeoIp::Open(path);
  ASSERT_TRUE(geo);
  PeerDbNode a("127.60.0.1", false, [&](NetworkManager::Options&, Discovery::Options& d) {
    d.geoip = geo->get();
  });
  a.Start();
  TestNode b(TestOptions("127.61.0.1"));
  b.Start();
  ASSERT_TRUE(b.net().AddPeer(a.ip(), a.port()));
  EXPECT_TRUE(WaitUntil([&] { return a.db().GetCountryDistribution().contains("FR"); }));
  const auto record = a.db().GetPeer(a.db().Canonical(*wire::NetAddress::Parse("127.61.0.1", 1)));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->asn, "AS3215");
  std::filesystem::remove(path);
}

// ---- Eclipse resistance (issue 16): anchors and feelers. ----
namespace eclipse {

wire::NetAddress Listening(TestNode& node) { return *wire::NetAddress::Parse(node.ip(), node.port()); }

std::vector<PeerInfo> ConnectedOfType(NetworkManager& net, ConnectionType type) {
  std::vector<PeerInfo> out;
  for (auto& peer : net.GetPeers()) {
    if (peer.state == PeerState::kConnected && peer.connection_type == type) out.push_back(peer);
  }
  return out;
}

std::filesystem::path AnchorsPath() {
  return std::filesystem::temp_directory_path() /
         ("peerdb-anchors-" + std::to_string(::getpid()) + ".dat");
}

}  // namespace eclipse

// The block-relay-only peers at a clean shutdown are dialled first at the next start, from the
// anchors file alone (the restarted node's database is empty of them), and the file is gone.
TEST(PeerDbIntegrationTest, AnchorsSurviveRestartAndAreDialledFirst) {
  using namespace eclipse;
  TestNode b(TestOptions("127.40.0.1"));
  TestNode c(TestOptions("127.41.0.1"));
  TestNode d(TestOptions("127.42.0.1"));
  TestNode e(TestOptions("127.43.0.1"));
  for (auto* node : {&b, &c, &d, &e}) node->Start();
  const auto anchors_file = AnchorsPath();
  std::filesystem::remove(anchors_file);
  const auto tweak = [&](NetworkManager::Options& options, Discovery::Options&) {
    options.max_outbound = 1;
    options.max_block_relay = 2;
    options.anchors_file = anchors_file;
  };
  std::set<wire::NetAddress> block_relay;
  {
    PeerDbNode a("127.44.0.1", true, tweak);
    for (auto* node : {&b, &c, &d}) a.db().AddPeer(Listening(*node), wire::kNodeNetwork, 1);
    a.Start();
    ASSERT_TRUE(WaitUntil([&] {
      return ConnectedOfType(a.net(), ConnectionType::kBlockRelay).size() == 2 &&
             ConnectedOfType(a.net(), ConnectionType::kFullRelay).size() == 1;
    }));
    for (const auto& peer : ConnectedOfType(a.net(), ConnectionType::kBlockRelay)) {
      block_relay.insert(peer.address);
    }
  }  // clean shutdown: Stop() writes the anchors
  ASSERT_TRUE(std::filesystem::exists(anchors_file));
  PeerDbNode restarted("127.44.0.1", true, tweak);
  restarted.db().AddPeer(Listening(e), wire::kNodeNetwork, 1);  // the only address it knows
  restarted.Start();
  EXPECT_FALSE(std::filesystem::exists(anchors_file));  // read once, then deleted
  ASSERT_TRUE(WaitUntil([&] {
    return ConnectedOfType(restarted.net(), ConnectionType::kBlockRelay).size() == 2 &&
           ConnectedOfType(restarted.net(), ConnectionType::kFullRelay).size() == 1;
  }));
  std::set<wire::NetAddress> anchors;
  PeerId last_anchor = 0;
  for (const auto& peer : ConnectedOfType(restarted.net(), ConnectionType::kBlockRelay)) {
    anchors.insert(peer.address);
    last_anchor = std::max(last_anchor, peer.id);
  }
  EXPECT_EQ(anchors, block_relay);
  const auto full = ConnectedOfType(restarted.net(), ConnectionType::kFullRelay);
  EXPECT_EQ(full.at(0).address, Listening(e));
  EXPECT_GT(full.at(0).id, last_anchor) << "the anchors were dialled before the full-relay slot";
}

// With the outbound slots full, feelers connect to addresses of the new table, complete the
// handshake, move the address to tried and disconnect.
TEST(PeerDbIntegrationTest, FeelersPromoteNewAddressesToTried) {
  using namespace eclipse;
  TestNode b(TestOptions("127.45.0.1"));
  TestNode c(TestOptions("127.46.0.1"));
  TestNode d(TestOptions("127.47.0.1"));
  for (auto* node : {&b, &c, &d}) node->Start();
  PeerDbNode a("127.48.0.1", true, [](NetworkManager::Options& options, Discovery::Options&) {
    options.max_outbound = 1;
    options.max_block_relay = 0;
    options.feeler_interval = 100ms;
  });
  for (auto* node : {&b, &c, &d}) {
    a.db().AddPeer(Listening(*node), wire::kNodeNetwork, 1);
    ASSERT_EQ(a.db().TableOf(Listening(*node)), AddrTable::kNew);
  }
  a.Start();
  TestNode* const targets[] = {&b, &c, &d};
  ASSERT_TRUE(WaitUntil([&] {
    return std::all_of(std::begin(targets), std::end(targets), [&](TestNode* node) {
      return a.db().TableOf(Listening(*node)) == AddrTable::kTried;
    });
  }));
  // One full-relay link stays; the two other addresses were reached by feelers, which closed.
  ASSERT_TRUE(WaitUntil([&] {
    return a.Connected(Direction::kOutbound) == 1 &&
           ConnectedOfType(a.net(), ConnectionType::kFeeler).empty();
  }));
  EXPECT_EQ(ConnectedOfType(a.net(), ConnectionType::kFullRelay).size(), 1u);
  // The targets see the feelers' close a moment after `a` does.
  const auto feeler_disconnects = [&] {
    size_t count = 0;
    for (auto* node : {&b, &c, &d}) {
      for (const auto& info : node->Disconnected()) count += info.direction == Direction::kInbound;
    }
    return count;
  };
  EXPECT_TRUE(WaitUntil([&] { return feeler_disconnects() >= 2; })) << feeler_disconnects();
}

}  // namespace
}  // namespace parthenon::p2p::test
